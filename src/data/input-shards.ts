// Input shards: one input file cut into byte ranges at document boundaries, so that one large file is cleaned
// by several workers. Not here: reading documents (readers.ts), running the shards (pipeline.ts, clean-pool.ts).
//
// The cuts depend only on the file's bytes, the source's format/separator and the shard size, never on the
// worker count, so the clean caches and the merged output are the same for any number of workers. A cut is
// made after the first line that ends at or past start + shardBytes and that closes a document:
//   text, separator "\n\n"   a blank line (valid UTF-8, nothing but whitespace once trimmed);
//   text, other separator    a line that ends with the separator (the text after it on that line is empty);
//   jsonl                    any line end;
//   json, WARC/WET, separator null, compressed (.gz, .zst) files: never cut (one shard per file).
// Reading a range from its first byte with the line counter started at its first line gives exactly the
// documents (and "file:line" ids) that reading the whole file gives, which readers.test/pipeline tests check.
import { isUtf8 } from "node:buffer";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { formatOf, type SourceConfig } from "./readers.js";
import { compressionOf } from "./decompress.js";

/** Bytes [start, end) of a file; `line` = number of lines before start (the reader's line counter). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
  readonly line: number;
}

/** Candidate lines longer than this are not inspected (they cannot be blank or a separator line in practice). */
const MAX_CUT_LINE = 4096;

type CutRule = { readonly kind: "none" } | { readonly kind: "line" } | { readonly kind: "blank" } | { readonly kind: "sep"; readonly sep: string };

function cutRule(file: string, src: SourceConfig): CutRule {
  if (compressionOf(file) !== "none") return { kind: "none" };
  const format = formatOf(src, file);
  if (format === "jsonl") return { kind: "line" };
  if (format !== "text" || src.separator === null) return { kind: "none" };
  return src.separator === "\n\n" ? { kind: "blank" } : { kind: "sep", sep: src.separator };
}

function closesDoc(line: Buffer, rule: CutRule): boolean {
  if (rule.kind === "line") return true;
  if (rule.kind === "none" || line.length > MAX_CUT_LINE) return false;
  if (!isUtf8(line)) return false; // the reader skips such a line
  let s = line.toString("utf8");
  if (s.endsWith("\r")) s = s.slice(0, -1);
  return rule.kind === "blank" ? s.trim() === "" : s.endsWith(rule.sep);
}

/** The byte ranges of one input file (one range covering it when it is small or cannot be cut). Reads the file
 *  once, sequentially, counting lines. */
export function planInputShards(file: string, src: SourceConfig, shardBytes: number): ByteRange[] {
  const size = statSync(file).size;
  const rule = cutRule(file, src);
  if (rule.kind === "none" || size <= shardBytes) return [{ start: 0, end: size, line: 0 }];
  const ranges: ByteRange[] = [];
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 22);
    let pos = 0; // file offset of buf[0]
    let lines = 0; // newlines before the current line
    let carry: Buffer | null = null; // the current line's bytes from earlier chunks (only near a target)
    let cutStart = 0;
    let cutLine = 0;
    let target = shardBytes;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      let i = 0;
      for (;;) {
        const nl = buf.indexOf(10, i);
        if (nl < 0 || nl >= n) break;
        const end = pos + nl + 1; // the line ends here, after its "\n"
        lines++;
        if (end >= target && end < size) {
          const part = buf.subarray(i, nl);
          const line = carry === null ? part : Buffer.concat([carry, part]);
          if (closesDoc(line, rule)) {
            ranges.push({ start: cutStart, end, line: cutLine });
            cutStart = end;
            cutLine = lines;
            target = end + shardBytes;
          }
        }
        carry = null;
        i = nl + 1;
      }
      // Keep the unfinished line only when it may be a candidate (short, and near a target).
      if (i < n && pos + n >= target - MAX_CUT_LINE) {
        const rest = buf.subarray(i, n);
        carry = carry === null ? Buffer.from(rest) : carry.length > MAX_CUT_LINE ? carry : Buffer.concat([carry, rest]);
      } else if (i < n) carry = Buffer.alloc(MAX_CUT_LINE + 1); // a line too long to inspect
      pos += n;
    }
    ranges.push({ start: cutStart, end: size, line: cutLine });
  } finally {
    closeSync(fd);
  }
  return ranges;
}
