// File helpers of the data pipeline: atomic writes (temp file + rename), a buffered JSON-lines writer/reader,
// content hashes and input fingerprints. Not here: any format knowledge beyond "one JSON value a line".
import { createHash } from "node:crypto";
import { closeSync, openSync, renameSync, statSync, writeFileSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";

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

/** The file in chunks of whole lines (each ending in \n but perhaps the file's last), read 1 MiB at a time; a chunk
 *  is a view valid until the next one is asked for. One read and one decode per chunk: readline's per-line events
 *  were the largest cost of reading the pipeline's caches on the main thread. */
export async function* readLineChunks(file: string): AsyncGenerator<Buffer> {
  const fh = await open(file, "r");
  try {
    let buf = Buffer.allocUnsafe(1 << 20);
    let used = 0; // bytes carried over from the last chunk (a line without its newline yet)
    for (;;) {
      if (used === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]); // a line over the buffer
      const { bytesRead } = await fh.read(buf, used, buf.length - used, null);
      const end = used + bytesRead;
      const cut = bytesRead === 0 ? end : buf.lastIndexOf(10, end - 1) + 1;
      if (cut > 0) yield buf.subarray(0, cut);
      if (bytesRead === 0) return;
      used = end - cut;
      buf.copy(buf, 0, cut, end);
    }
  } finally {
    await fh.close();
  }
}

/** The JSON values of a file written one a line (LineWriter's caches): lines end in \n or \r\n, empty ones are
 *  skipped. */
export async function* readJsonl<T>(file: string): AsyncGenerator<T> {
  for await (const chunk of readLineChunks(file)) {
    for (const line of chunk.toString("utf8").split("\n")) {
      const l = line.endsWith("\r") ? line.slice(0, -1) : line;
      if (l !== "") yield JSON.parse(l) as T;
    }
  }
}

