// File helpers of the data pipeline: atomic writes (temp file + rename), a buffered JSON-lines writer/reader,
// content hashes and input fingerprints. Not here: any format knowledge beyond "one JSON value a line".
import { createHash } from "node:crypto";
import { closeSync, createReadStream, openSync, renameSync, statSync, writeFileSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";

/** Writes data to path.tmp, then renames it over path: readers see the old file or the whole new one. */
export function atomicWrite(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Stable JSON (sorted keys) for hashing configs. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

export const sha256 = (...parts: (string | Uint8Array)[]): string => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
};

/** A cheap fingerprint of an input file: path, size and modification time (content is not read). */
export function fingerprint(file: string): string {
  const st = statSync(file);
  return `${file}|${st.size}|${st.mtimeMs}`;
}

/** Buffered line writer to PATH.tmp, renamed to PATH on close. */
export class LineWriter {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly path: string) {
    this.fd = openSync(`${path}.tmp`, "w");
  }
  write(line: string): void {
    this.parts.push(line, "\n");
    this.size += line.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  private flush(): void {
    if (this.parts.length > 0) writeSync(this.fd, this.parts.join(""));
    this.parts = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

export async function* readJsonl<T>(file: string): AsyncGenerator<T> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) if (line !== "") yield JSON.parse(line) as T;
}

