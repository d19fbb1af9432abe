// KOTODAMA_HOME: the cache folder `kotodama pull` writes to and every lookup reads, and its layout.
// Not here: what goes in it (pull.ts) or the lookup order (locate.ts).
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** $KOTODAMA_HOME, else $XDG_CACHE_HOME/kotodama (when absolute, as the XDG spec asks), else ~/.cache/kotodama
 *  (%LOCALAPPDATA%\kotodama on Windows). */
export function kotodamaHome(env: NodeJS.ProcessEnv = process.env): string {
  const own = env.KOTODAMA_HOME;
  if (own !== undefined && own !== "") return resolve(own);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, "kotodama");
  if (process.platform === "win32" && env.LOCALAPPDATA !== undefined && env.LOCALAPPDATA !== "") return join(env.LOCALAPPDATA, "kotodama");
  return join(homedir(), ".cache", "kotodama");
}

/** Data sets: HOME/data/<set>/..., the same layout as ../shared/data, so any --data-dir reader accepts it. */
export const cacheDataDir = (home = kotodamaHome()): string => join(home, "data");
/** Catalogue models: HOME/models/<name>/<file>. */
export const cacheModelDir = (name: string, home = kotodamaHome()): string => join(home, "models", name);
/** Hugging Face Hub files: HOME/hub/<user>/<repo>/<path in the repository>. */
export const cacheHubDir = (repo: string, home = kotodamaHome()): string => join(home, "hub", ...repo.split("/"));
