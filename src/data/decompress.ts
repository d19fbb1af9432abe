// The bytes of an input file, streamed and decompressed by suffix: .gz (node:zlib; multi-member gzip, as Common
// Crawl writes one member per WARC record), .zst (the pure-JS `fzstd` package: Node 20 has no zstd; several
// frames in a row are read in turn), anything else as is. Not here: text decoding (encoding.ts) or record and
// line splitting (readers.ts, warc.ts).
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";

export type Compression = "gzip" | "zstd" | "none";

export const compressionOf = (file: string): Compression => (/\.gz$/i.test(file) ? "gzip" : /\.zst$/i.test(file) ? "zstd" : "none");

/** The file name without its compression suffix (`x.warc.wet.gz` → `x.warc.wet`), for format detection. */
export const withoutCompression = (file: string): string => file.replace(/\.(gz|zst)$/i, "");

/** Decompressed byte chunks of a file (1 MiB reads). A read or decompression error rejects the iteration, and
 *  a truncated .zst is an error ("unexpected EOF") rather than silently short. */
export async function* byteChunks(file: string): AsyncGenerator<Buffer> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const kind = compressionOf(file);
  if (kind === "gzip") {
    // pipeline (not .pipe) so that a read error on the file destroys the gunzip stream and reaches the reader.
    const gz = createGunzip();
    pipeline(raw, gz, () => {});
    for await (const c of gz) yield c as Buffer;
    return;
  }
  if (kind === "zstd") {
    const ready: Buffer[] = [];
    const z = new Decompress((data) => {
      ready.push(Buffer.from(data));
    });
    try {
      for await (const c of raw) {
        z.push(c as Buffer);
        while (ready.length > 0) yield ready.shift()!;
      }
      z.push(new Uint8Array(0), true);
      while (ready.length > 0) yield ready.shift()!;
    } finally {
      raw.destroy();
    }
    return;
  }
  for await (const c of raw) yield c as Buffer;
}
