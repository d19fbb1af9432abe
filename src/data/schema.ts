// The one way data configs are validated: a user's JSON merged over a typed default, keys and types checked
// against that default (unknown keys and wrong types are errors naming the file and the key).
// Not here: any particular config (config.ts for `data prepare`, instruct/config.ts for `data instruct`).
import { KotodamaError } from "../util/errors.js";

export const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export function fail(file: string, path: string, msg: string): never {
  throw new KotodamaError(`${file}: ${path === "" ? "config" : `'${path}'`} ${msg}`);
}

/** Merges a user value over a default, checking keys and types against the default. `nullable` names the keys
 *  (array elements written `[]`, e.g. "sources[].maxDocs") whose default is one type but that also accept null. */
export function mergeOverDefaults(def: unknown, user: unknown, path: string, file: string, nullable: Readonly<Record<string, "string" | "number">> = {}): unknown {
  if (user === undefined) return def;
  const generic = path.replace(/\[\d+\]/g, "[]");
  const orNull = nullable[generic];
  if (orNull !== undefined) {
    if (user === null) return null;
    if (typeof user !== orNull) fail(file, path, `expects a ${orNull} or null, got ${JSON.stringify(user)}`);
    return user;
  }
  if (isPlain(def)) {
    if (!isPlain(user)) fail(file, path, `expects an object, got ${JSON.stringify(user)}`);
    const out: Record<string, unknown> = { ...def };
    for (const [k, v] of Object.entries(user)) {
      const p = path === "" ? k : `${path}.${k}`;
      if (!(k in def)) fail(file, p, `is not a known key; expected one of: ${Object.keys(def).join(", ")}`);
      out[k] = mergeOverDefaults(def[k], v, p, file, nullable);
    }
    return out;
  }
  if (Array.isArray(def)) {
    if (!Array.isArray(user)) fail(file, path, `expects an array, got ${JSON.stringify(user)}`);
    const sample: unknown = def[0];
    user.forEach((el, i) => {
      const p = `${path}[${i}]`;
      if (Array.isArray(sample)) {
        if (!Array.isArray(el) || el.length !== sample.length || el.some((x) => typeof x !== "number")) fail(file, p, `expects [${sample.map(() => "number").join(", ")}]`);
      } else if (typeof el !== (sample === undefined ? "string" : typeof sample)) fail(file, p, `expects a ${sample === undefined ? "string" : typeof sample}, got ${JSON.stringify(el)}`);
    });
    return user;
  }
  if (typeof user !== typeof def) fail(file, path, `expects a ${typeof def}, got ${JSON.stringify(user)}`);
  return user;
}

/** Throws the same error shape as the merge when a derived check fails. */
export function check(cond: boolean, file: string, path: string, msg: string): void {
  if (!cond) fail(file, path, msg);
}
