// Reading the files a report card gathers: JSON and JSONL with errors that name the file (and line), and small
// typed accessors for fields that may be absent (a field of the wrong type is an error naming file and field).
// Not here: what any file means (the section files), writing.
import { existsSync, readFileSync } from "node:fs";
import { FormatError } from "../../util/errors.js";
import type { Est } from "./card.js";

export type Obj = Readonly<Record<string, unknown>>;

export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new FormatError(file, `cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new FormatError(file, `not JSON: ${(e as Error).message}`);
  }
}

export function readJsonObj(file: string): Obj {
  const v = readJson(file);
  if (!isObj(v)) throw new FormatError(file, "expected a JSON object");
  return v;
}

/** Rows of a JSONL file; a bad line is an error naming it, except a cut last line (a run killed mid-append). */
export function readJsonl(file: string): Obj[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n");
  const out: Obj[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      if (i >= lines.length - 2) return;
      throw new FormatError(file, `line ${i + 1} is not JSON`);
    }
    if (!isObj(v)) throw new FormatError(file, `line ${i + 1}: expected a JSON object`);
    out.push(v);
  });
  return out;
}

/** Field accessors: undefined/null → null; another type → an error naming the file and the field. */
export function optNum(o: Obj, key: string, file: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "number") throw new FormatError(file, `'${key}' should be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function optStr(o: Obj, key: string, file: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw new FormatError(file, `'${key}' should be a string, got ${JSON.stringify(v)}`);
  return v;
}

export function optObj(o: Obj, key: string, file: string): Obj | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (!isObj(v)) throw new FormatError(file, `'${key}' should be an object`);
  return v;
}

/** An estimate ({value, n, lo, hi}) as eval/stats.ts writes it; NaN was written as null. */
export function est(v: unknown, file: string, where: string): Est {
  if (!isObj(v) || typeof v.n !== "number") throw new FormatError(file, `'${where}' should be an estimate {value, n, lo, hi}`);
  const num = (x: unknown): number | null => (typeof x === "number" ? x : null);
  return { value: num(v.value), n: v.n, lo: num(v.lo), hi: num(v.hi) };
}

export function optEst(o: Obj, key: string, file: string, where = key): Est | null {
  const v = o[key];
  return v === undefined || v === null ? null : est(v, file, where);
}

/** Every entry of an object of estimates. */
export function estMap(v: unknown, file: string, where: string): Record<string, Est> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new FormatError(file, `'${where}' should be an object of estimates`);
  return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, est(e, file, `${where}.${k}`)]));
}
