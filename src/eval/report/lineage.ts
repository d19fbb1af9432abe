// A model's lineage: the chain of kotodama run directories it came from, followed through each config.json's
// `base` (SFT and DPO runs record the path and the sha256 of the base's model.safetensors). A recorded path that
// no longer resolves (a relative path written from another working directory) is looked for in the parent folder,
// and accepted only when its weights hash to the recorded sha256. Not here: what each run measured (training.ts).
import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { FormatError } from "../../util/errors.js";
import { sha256OfFile } from "./model-facts.js";
import { optObj, optStr, readJsonObj, type Obj } from "./read.js";

export interface LineageRun {
  readonly dir: string;
  readonly config: Obj;
  readonly kind: string;
  readonly base: { readonly path: string; readonly sha256: string; readonly found: string | null; readonly verified: boolean } | null;
}

export const isRunDir = (dir: string): boolean => existsSync(join(dir, "config.json")) && existsSync(join(dir, "model.safetensors"));

const real = (p: string): string => realpathSync(p);

function findBase(recorded: string, sha: string, child: string): { found: string | null; verified: boolean } {
  const candidates = [isAbsolute(recorded) ? recorded : resolve(recorded), dirname(resolve(child))];
  for (const c of candidates) {
    if (!existsSync(c) || !statSync(c).isDirectory() || !isRunDir(c) || real(c) === real(child)) continue;
    const verified = sha !== "" && sha256OfFile(join(c, "model.safetensors")) === sha;
    // The recorded path itself is taken even when its weights changed since (verified false says so); the parent
    // folder is only a guess, so it must match the hash.
    if (c === candidates[0] || verified) return { found: c, verified };
  }
  return { found: null, verified: false };
}

/** The runs from the oldest ancestor found to `dir` itself; empty when `dir` is not a run directory. */
export function lineage(dir: string, maxDepth = 8): LineageRun[] {
  const out: LineageRun[] = [];
  const seen = new Set<string>();
  let cur: string | null = dir;
  while (cur !== null && out.length < maxDepth && statSync(cur).isDirectory() && isRunDir(cur) && !seen.has(real(cur))) {
    seen.add(real(cur));
    const file = join(cur, "config.json");
    const config = readJsonObj(file);
    const kind = optStr(config, "kind", file) ?? "pretrain";
    const b = optObj(config, "base", file);
    let base: LineageRun["base"] = null;
    if (b !== null) {
      const path = optStr(b, "path", file);
      if (path === null) throw new FormatError(file, "'base.path' should be a string");
      const sha = optStr(b, "sha256", file) ?? "";
      base = { path, sha256: sha, ...findBase(path, sha, cur) };
    }
    out.unshift({ dir: cur, config, kind, base });
    cur = base?.found ?? null;
  }
  return out;
}
