// The document ids of a clean JSONL file (clean.ts writes `{"id":…,"source":…,…}`, id first), read without
// parsing the documents: dedup's first pass under a memory cap needs only the ids (the keys come from the
// workers' .keys files), and a full JSON.parse of every document there was the main thread's largest serial cost.
// Not here: the documents themselves (files.ts readJsonl).
import { readLineChunks } from "./files.js";

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
  for await (const chunk of readLineChunks(file)) {
    for (let s = 0; s < chunk.length; ) {
      const nl = chunk.indexOf(10, s);
      const next = nl < 0 ? chunk.length : nl + 1;
      let e = nl < 0 ? chunk.length : nl;
      if (e > s && chunk[e - 1] === 13) e--;
      if (e > s) yield { id: idOf(chunk, s, e), bytes: next - s };
      s = next;
    }
  }
}
