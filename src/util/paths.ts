// Where things are: the package root (for the native addon) and ../shared (reference models and data).
// Not here: reading files; callers decide what to do when ../shared is absent (tests skip, start falls back).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function isKotodamaRoot(dir: string): boolean {
  const p = join(dir, "package.json");
  if (!existsSync(p)) return false;
  try {
    return (JSON.parse(readFileSync(p, "utf8")) as { name?: unknown }).name === "kotodama";
  } catch {
    return false;
  }
}

/** The directory holding kotodama's package.json, found by walking up from this file (works from src/ via a
 *  loader, from dist/ and from any .dist-* build folder). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isKotodamaRoot(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("kotodama: cannot find the package root (package.json named kotodama)");
    dir = up;
  }
}

/** ../shared next to the package (or $KOTODAMA_SHARED), or null when absent (a user's clone). */
export function sharedDir(): string | null {
  const env = process.env.KOTODAMA_SHARED;
  const dir = env !== undefined && env !== "" ? resolve(env) : resolve(packageRoot(), "..", "shared");
  return existsSync(dir) ? dir : null;
}

/** A path inside ../shared, or null when ../shared or that path is absent. */
export function sharedPath(...parts: string[]): string | null {
  const base = sharedDir();
  if (base === null) return null;
  const p = join(base, ...parts);
  return existsSync(p) ? p : null;
}

/** For tests: a path inside ../shared, or null after `t.skip` saying what is absent. Under
 *  KOTODAMA_REQUIRE_SHARED=1 (set by .ci/run) an absent path throws instead, so that CI cannot go green on a
 *  clone that lost its reference data. */
export function sharedOrSkip(t: { skip(message: string): void }, ...parts: string[]): string | null {
  const p = sharedPath(...parts);
  if (p !== null) return p;
  const what = `../shared/${parts.join("/")} is absent`;
  if (process.env.KOTODAMA_REQUIRE_SHARED === "1") throw new Error(`${what} (KOTODAMA_REQUIRE_SHARED=1: reference data is required here)`);
  t.skip(`${what}; skipped`);
  return null;
}
