// Which models a server serves: `--model PATH` (named after its folder, or its file without the extension) or
// `--model NAME=PATH`, each path resolved (symlinks followed) and confined to the --allow-dir folders when given.
// Requests name models by these names only, never by path. Not here: loading (registry.ts).
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { KotodamaError } from "../../util/errors.js";
import type { ModelSpec } from "./protocol.js";

export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The name a path is served under: its folder name, or its file name without a model extension. */
export const defaultModelName = (path: string): string => basename(resolve(path)).replace(/\.(gguf|bin|safetensors|json)$/i, "");

/** `NAME=PATH` or `PATH`. */
export function parseModelFlag(value: string): { name: string | null; path: string } {
  const eq = value.indexOf("=");
  if (eq > 0 && MODEL_NAME.test(value.slice(0, eq))) return { name: value.slice(0, eq), path: value.slice(eq + 1) };
  return { name: null, path: value };
}

/** Is `path` inside `dir` (or `dir` itself)? Both already resolved. */
export const isInside = (path: string, dir: string): boolean => {
  const r = relative(dir, path);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
};

/** The --allow-dir folders, resolved (symlinks followed); each must exist. */
function allowedDirs(allowDirs: readonly string[]): string[] {
  return allowDirs.map((d) => {
    if (!existsSync(d)) throw new KotodamaError(`kotodama serve: --allow-dir ${d} does not exist`);
    return realpathSync(d);
  });
}

/** One `--FLAG PATH` or `--FLAG NAME=PATH`: the path exists and lies inside an allowed folder (when any), the name
 *  is valid. */
function resolveSpec(flag: string, f: string, allowed: readonly string[]): ModelSpec {
  const { name: given, path } = parseModelFlag(f);
  if (!existsSync(path)) throw new KotodamaError(`kotodama serve: ${flag} ${f}: ${path} does not exist`);
  const real = realpathSync(path);
  if (allowed.length > 0 && !allowed.some((d) => isInside(real, d))) {
    throw new KotodamaError(`kotodama serve: ${flag} ${f}: ${real} is outside the --allow-dir folders (${allowed.join(", ")})`);
  }
  const name = given ?? defaultModelName(real);
  if (!MODEL_NAME.test(name)) throw new KotodamaError(`kotodama serve: ${flag} ${f}: the name "${name}" is not a valid model name (letters, digits, . _ : -); give one as NAME=PATH`);
  return { name, path: real };
}

/** The served models of the --model flags, checked: paths exist, lie inside an allowed folder (default: the given
 *  paths themselves), names are valid and distinct. */
export function resolveModelSpecs(flags: readonly string[], allowDirs: readonly string[]): ModelSpec[] {
  if (flags.length === 0) throw new KotodamaError("kotodama serve: --model PATH is required (repeat --model NAME=PATH to serve several)");
  const allowed = allowedDirs(allowDirs);
  const specs: ModelSpec[] = [];
  for (const f of flags) {
    const spec = resolveSpec("--model", f, allowed);
    if (specs.some((s) => s.name === spec.name)) throw new KotodamaError(`kotodama serve: two models are named "${spec.name}"; give one a name with --model NAME=PATH`);
    specs.push(spec);
  }
  return specs;
}

/** The CEFR classifier of `--cefr DIR` or `--cefr NAME=DIR` (a `kotodama cefr train --out` folder: config.json
 *  present), under the same --allow-dir rule as the models. */
export function resolveCefrSpec(flag: string, allowDirs: readonly string[]): ModelSpec {
  const spec = resolveSpec("--cefr", flag, allowedDirs(allowDirs));
  const cfg = join(spec.path, "config.json");
  const expected = `expected a folder from \`kotodama cefr train --out DIR\``;
  if (!existsSync(cfg)) throw new KotodamaError(`kotodama serve: --cefr ${flag}: ${spec.path} has no config.json; ${expected}`);
  let kind: unknown;
  try {
    kind = (JSON.parse(readFileSync(cfg, "utf8")) as { kind?: unknown }).kind;
  } catch (e) {
    throw new KotodamaError(`kotodama serve: --cefr ${flag}: ${cfg} is not valid JSON (${(e as Error).message})`);
  }
  // The full check (weights, head, labels) runs when the worker opens it, on the first /v1/cefr request.
  if (kind !== "cefr-classifier") throw new KotodamaError(`kotodama serve: --cefr ${flag}: ${cfg} has kind ${JSON.stringify(kind)}, not "cefr-classifier"; ${expected}`);
  return spec;
}
