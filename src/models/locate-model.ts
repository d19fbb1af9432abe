// A model argument that is not an existing path, resolved by the one lookup order (pull/locate.ts): a name in
// ../shared/reference, a catalogue model or a Hub reference pulled into the cache (KOTODAMA_HOME); a folder found
// that way is narrowed to the model file in it (a GGUF first, else a llama2.c .bin; a Hugging Face folder stays a
// folder). Nothing is ever downloaded: a name found nowhere gets the exact `kotodama pull` command.
// Not here: reading the model (load.ts), downloading (pull/pull.ts).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { isFound, locateModel, type LocateOptions } from "../pull/locate.js";
import { isHubName } from "../pull/hub.js";
import { FormatError } from "../util/errors.js";

/** Names that may be a catalogue or Hub name rather than a mistyped path: a bare name (stories260K) or a Hub
 *  reference (user/repo[:TAG], hf:user/repo, hf.co/user/repo), not ./x, ../x, /x or a file name with an extension. */
function looksLikeName(arg: string): boolean {
  if (arg.startsWith(".") || arg.startsWith("/") || arg.includes("\\")) return false;
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(arg) || isHubName(arg);
}

/** The model file or folder inside a folder found by name. */
function modelInFolder(dir: string): string {
  if (!statSync(dir).isDirectory()) return dir;
  if (existsSync(join(dir, "config.json")) || existsSync(join(dir, "model.safetensors")) || existsSync(join(dir, "model.safetensors.index.json"))) return dir;
  const files = readdirSync(dir).sort();
  const gguf = files.filter((f) => f.endsWith(".gguf"));
  if (gguf.length > 0) return join(dir, gguf[0]!);
  const bin = files.filter((f) => f.endsWith(".bin") && !/^tok/i.test(f));
  if (bin.length > 0) return join(dir, bin[0]!);
  throw new FormatError(dir, "found by name, but it holds no model file (.gguf, .bin, or a Hugging Face folder)");
}

/** `arg` when it exists; else what the lookup order finds for it (and where, for a note); else a FormatError with
 *  the cause and, for something that looks like a name, the pull command. */
export function resolveModelArg(arg: string, cause: string, opt: LocateOptions = {}): { path: string; note: string | null } {
  if (existsSync(arg)) return { path: arg, note: null };
  if (!looksLikeName(arg)) throw new FormatError(arg, `cannot open model: ${cause}`);
  const r = locateModel(arg, opt);
  if (!isFound(r)) throw new FormatError(arg, `cannot open model: not a path; ${r.hint}`);
  const path = modelInFolder(r.dir);
  return { path, note: `${arg}: ${path} (${r.from === "shared" ? "../shared/reference" : "the kotodama pull cache"})` };
}
