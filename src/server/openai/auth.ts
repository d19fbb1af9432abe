// API keys of the server: `Authorization: Bearer KEY` checked against every configured key in constant time
// (SHA-256 digests compared with timingSafeEqual, no early exit, so neither a key's length nor its prefix leaks
// through timing), keys from flags or a file of one key per line. Not here: which routes need a key (app.ts).
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { KotodamaError } from "../../util/errors.js";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/** Keys of a file: one per line; blank lines and lines starting with # are skipped. */
export function readKeyFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new KotodamaError(`--api-key-file ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const keys = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  if (keys.length === 0) throw new KotodamaError(`--api-key-file ${path}: no keys in it (expected one key per line)`);
  keys.forEach((k, i) => {
    if (/\s/.test(k)) throw new KotodamaError(`--api-key-file ${path}: key ${i + 1} contains whitespace`);
  });
  return keys;
}

export class ApiKeys {
  private readonly digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    for (const k of keys) if (k.length < 8) throw new KotodamaError("an API key must have at least 8 characters");
    this.digests = keys.map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  /** Whether an Authorization header carries one of the keys. */
  check(header: string | undefined): boolean {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    const given = digest(m?.[1] ?? "");
    let ok = false;
    for (const d of this.digests) ok = timingSafeEqual(d, given) || ok;
    return ok && m !== null;
  }
}
