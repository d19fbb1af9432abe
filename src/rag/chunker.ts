// Chunking by structure: paragraphs (blank lines) and Markdown headings, then sentences (sentences.ts), packed to a
// target size with an overlap of whole trailing sentences; every chunk is one contiguous span of the document.
// Not here: reading files (ingest.ts), terms (analyzer.ts).
import { splitSentences, type Span } from "./sentences.js";
import type { Chunk, SourceDoc } from "./types.js";

export interface ChunkConfig {
  /** Target chunk length in characters (UTF-16 units); a chunk closes before a sentence that would pass it. */
  readonly targetChars: number;
  /** Trailing sentences of a chunk, up to this many characters, are repeated at the start of the next. */
  readonly overlapChars: number;
}

export const CHUNK_DEFAULTS: ChunkConfig = { targetChars: 512, overlapChars: 64 };

interface Unit extends Span {
  /** First sentence of a paragraph: a good place to close a chunk. */
  readonly blockStart: boolean;
  /** A Markdown heading: always starts a new chunk. */
  readonly heading: boolean;
}

const HEADING = /^#{1,6}[ \t]/;

/** Paragraph blocks: spans between blank lines; in Markdown, each heading line is a block of its own. */
function blocks(text: string, markdown: boolean): { span: Span; heading: boolean }[] {
  const out: { span: Span; heading: boolean }[] = [];
  const re = /\n[ \t\r]*\n/g;
  let start = 0;
  const push = (s: number, e: number): void => {
    if (!markdown) {
      out.push({ span: { start: s, end: e }, heading: false });
      return;
    }
    let ls = s;
    let paraStart = s;
    while (ls < e) {
      const nl = text.indexOf("\n", ls);
      const le = nl === -1 || nl > e ? e : nl;
      if (HEADING.test(text.slice(ls, le))) {
        if (ls > paraStart) out.push({ span: { start: paraStart, end: ls }, heading: false });
        out.push({ span: { start: ls, end: le }, heading: true });
        paraStart = le;
      }
      ls = le + 1;
    }
    if (e > paraStart) out.push({ span: { start: paraStart, end: e }, heading: false });
  };
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    push(start, m.index);
    start = m.index + m[0].length;
  }
  push(start, text.length);
  return out;
}

/** Sentence units of the document, with sentences longer than the target cut into target-sized pieces. */
function units(text: string, markdown: boolean, target: number): Unit[] {
  const out: Unit[] = [];
  for (const b of blocks(text, markdown)) {
    const body = text.slice(b.span.start, b.span.end);
    const spans = b.heading ? [{ start: 0, end: body.trimEnd().length }] : splitSentences(body);
    spans.forEach((s, i) => {
      for (let p = s.start; p < s.end; p += target) {
        const end = Math.min(s.end, p + target);
        out.push({ start: b.span.start + p, end: b.span.start + end, blockStart: i === 0 && p === s.start, heading: b.heading });
      }
    });
  }
  return out.filter((u) => u.end > u.start);
}

/** UTF-16 index → code-point index for text (identity when it has no surrogate pairs). */
export function codePointIndex(text: string): (i: number) => number {
  if (!/[\uD800-\uDBFF]/.test(text)) return (i) => i;
  const map = new Uint32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    map[i] = cp;
    const c = text.charCodeAt(i);
    if (!(c >= 0xd800 && c <= 0xdbff && i + 1 < text.length)) cp++;
  }
  map[text.length] = cp;
  return (i) => map[i] as number;
}

/** Chunks of one document, in order. Offsets are code points into doc.text. */
export function chunkDocument(doc: SourceDoc, cfg: ChunkConfig = CHUNK_DEFAULTS): Chunk[] {
  const us = units(doc.text, doc.markdown, cfg.targetChars);
  const cpAt = codePointIndex(doc.text);
  const out: Chunk[] = [];
  const emit = (cur: Unit[]): void => {
    const s = (cur[0] as Unit).start;
    const e = (cur[cur.length - 1] as Unit).end;
    out.push({ docId: doc.id, source: doc.source, start: cpAt(s), end: cpAt(e), text: doc.text.slice(s, e) });
  };
  let cur: Unit[] = [];
  for (const u of us) {
    if (cur.length > 0) {
      const first = cur[0] as Unit;
      const over = u.end - first.start > cfg.targetChars;
      const paragraphBreak = u.blockStart && (cur[cur.length - 1] as Unit).end - first.start >= cfg.targetChars / 2;
      if (u.heading || over || paragraphBreak) {
        emit(cur);
        let tail = cur.length;
        while (tail > 0 && !u.heading && (cur[cur.length - 1] as Unit).end - (cur[tail - 1] as Unit).start <= cfg.overlapChars && !(cur[tail - 1] as Unit).heading) tail--;
        cur = cur.slice(tail === 0 ? 1 : tail);
        if (u.heading) cur = [];
      }
    }
    cur.push(u); // cur always ends with a unit not yet emitted
  }
  if (cur.length > 0) emit(cur);
  return out;
}
