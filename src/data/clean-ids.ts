// The document ids of a clean JSONL file (clean.ts writes `{"id":…,"source":…,…}`, id first), read without
// parsing the documents: dedup's first pass under a memory cap needs only the ids (the keys come from the
// workers' .keys files), and a full JSON.parse of every document there was the main thread's largest serial cost.
// Not here: the documents themselves (files.ts readJsonl).
import { open } from "node:fs/promises";

const PREFIX = Buffer.from('{"id":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The id of one clean line (bytes [s, e) of buf), from its leading `{"id":"…"` alone when it has one. */
function idOf(buf: Buffer, s: number, e: number): string {
  if (e - s > PREFIX.length && buf.compare(PREFIX, 0, PREFIX.length, s, s + PREFIX.length) === 0) {
    for (let i = s + PREFIX.length; i < e; i++) {
      const c = buf[i]!;
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) return JSON.parse(buf.toString("utf8", s + PREFIX.length - 1, i + 1)) as string;
    }
  }
  return (JSON.parse(buf.toString("utf8", s, e)) as { id: string }).id;
}

/** Each line's id and its length in bytes (newline included), in file order; empty lines skipped. */
export async function* readCleanIds(file: string): AsyncGenerator<{ readonly id: string; readonly bytes: number }> {
  const fh = await open(file, "r");
  try {
    let buf = Buffer.allocUnsafe(1 << 20);
    let used = 0; // bytes carried over from the last chunk (a line without its newline yet)
    for (;;) {
      if (used === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]); // a line over the buffer
      const { bytesRead } = await fh.read(buf, used, buf.length - used, null);
      const end = used + bytesRead;
      let s = 0;
      for (;;) {
        let nl = buf.indexOf(10, s);
        if (nl < 0 || nl >= end) {
          if (bytesRead !== 0) break;
          nl = end; // the last line, without a newline
        }
        let e = nl;
        if (e > s && buf[e - 1] === 13) e--;
        if (e > s) yield { id: idOf(buf, s, e), bytes: Math.min(nl + 1, end) - s };
        s = nl + 1;
        if (s >= end) break;
      }
      if (bytesRead === 0) return;
      used = Math.max(0, end - s);
      buf.copy(buf, 0, s, end);
    }
  } finally {
    await fh.close();
  }
}
