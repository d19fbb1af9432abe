// The one lookup order for every command that takes a model or a data set: an explicit path, then ../shared,
// then the cache (KOTODAMA_HOME), then a hint naming the `kotodama pull` command; never a silent download.
// Not here: downloading (pull.ts) or reading the files (each command's own readers).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { sharedDir } from "../util/paths.js";
import { findEntry, loadCatalogue, storedFiles, type CatalogueEntry } from "./catalogue.js";
import { cacheDataDir, cacheHubDir, cacheModelDir, kotodamaHome } from "./home.js";
import { isHubName, parseHubSpec } from "./hub.js";

export type Source = "explicit" | "shared" | "cache";

export interface Found {
  readonly dir: string;
  readonly from: Source;
}

export interface Missing {
  /** The names not found in ../shared or the cache. */
  readonly missing: readonly string[];
  /** One line: the exact `kotodama pull` command that fetches them. */
  readonly hint: string;
}

export interface LocateOptions {
  /** A path the user gave (a flag): used as it is, first. */
  readonly explicit?: string | null;
  /** ../shared (default sharedDir(), which honours KOTODAMA_SHARED); null for "absent". */
  readonly shared?: string | null;
  readonly home?: string;
  readonly catalogue?: readonly CatalogueEntry[];
}

export const isFound = (r: Found | Missing): r is Found => "dir" in r;

/** The exact command that pulls NAMES. */
export const pullCommand = (names: readonly string[]): string => `kotodama pull ${names.join(" ")}`;

/** True when the cache holds every file a catalogue data set leaves in place (existence only: pull verified them). */
function cacheHolds(e: CatalogueEntry, home: string): boolean {
  const root = e.kind === "data" ? cacheDataDir(home) : cacheModelDir(e.name, home);
  return storedFiles(e).every((f) => existsSync(join(root, f.path)));
}

/** A data root (laid out like ../shared/data) holding every set in SETS: explicit → ../shared/data → cache. */
export function locateData(sets: readonly string[], opt: LocateOptions = {}): Found | Missing {
  if (opt.explicit !== undefined && opt.explicit !== null) return { dir: opt.explicit, from: "explicit" };
  const shared = opt.shared !== undefined ? opt.shared : sharedDir();
  if (shared !== null && sets.every((s) => existsSync(join(shared, "data", s)))) return { dir: join(shared, "data"), from: "shared" };
  const home = opt.home ?? kotodamaHome();
  const cat = opt.catalogue ?? loadCatalogue();
  const missing = sets.filter((s) => {
    const e = findEntry(cat, s);
    return e === null || !cacheHolds(e, home);
  });
  if (missing.length === 0) return { dir: cacheDataDir(home), from: "cache" };
  return { missing, hint: `${missing.join(", ")} not in ../shared/data or ${cacheDataDir(home)}; fetch with: ${pullCommand(missing)}` };
}

/** For readers that took ../shared/data when no --data-dir was given: ../shared/data, else the cache's data root
 *  when something was pulled into it, else null (the caller says what is absent). */
export function defaultDataDir(opt: LocateOptions = {}): string | null {
  const shared = opt.shared !== undefined ? opt.shared : sharedDir();
  if (shared !== null && existsSync(join(shared, "data"))) return join(shared, "data");
  const d = cacheDataDir(opt.home ?? kotodamaHome());
  return existsSync(d) && readdirSync(d).length > 0 ? d : null;
}

/** A model by path or name: an existing path; ../shared/reference/NAME; a catalogue model in the cache; a Hub
 *  reference pulled before (its folder, from the pull manifest); else the pull hint. */
export function locateModel(nameOrPath: string, opt: LocateOptions = {}): Found | Missing {
  if (existsSync(nameOrPath)) return { dir: nameOrPath, from: "explicit" };
  const shared = opt.shared !== undefined ? opt.shared : sharedDir();
  if (shared !== null && /^[A-Za-z0-9._-]+$/.test(nameOrPath) && existsSync(join(shared, "reference", nameOrPath))) return { dir: join(shared, "reference", nameOrPath), from: "shared" };
  const home = opt.home ?? kotodamaHome();
  const e = findEntry(opt.catalogue ?? loadCatalogue(), nameOrPath);
  if (e !== null && e.kind === "model" && cacheHolds(e, home)) return { dir: cacheModelDir(e.name, home), from: "cache" };
  if (e === null && isHubName(nameOrPath)) {
    const spec = parseHubSpec(nameOrPath);
    const man = join(cacheHubDir(spec.repo, home), ".kotodama-pull.json");
    if (existsSync(man)) {
      const pulls = (JSON.parse(readFileSync(man, "utf8")) as { pulls?: Record<string, { files: { path: string }[] }> }).pulls ?? {};
      const key = nameOrPath.replace(/^(hf:|hf\.co\/|https?:\/\/(huggingface\.co|hf\.co)\/)/, "");
      const hit = pulls[key];
      if (hit !== undefined) {
        const files = hit.files.map((f) => join(cacheHubDir(spec.repo, home), f.path));
        if (files.every((f) => existsSync(f))) return { dir: files.length === 1 && files[0] !== undefined ? files[0] : cacheHubDir(spec.repo, home), from: "cache" };
      }
    }
  }
  return { missing: [nameOrPath], hint: `${nameOrPath} is not a path, not in ../shared/reference and not in ${home}; fetch with: ${pullCommand([nameOrPath])}` };
}
