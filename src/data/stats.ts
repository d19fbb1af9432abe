// What each pipeline stage did: documents, characters and bytes in and out, time, reasons and examples, plus
// the language mix, document-length histograms and reader issues. Mergeable, so per-file results can be cached.
// Not here: rendering (report.ts). Examples are stored with PII masked (StageMeter masks them).
import type { ReadIssue } from "./readers.js";
import { scrubPii } from "./pii.js";

const bytesOf = (s: string): number => Buffer.byteLength(s, "utf8");
const clip = (s: string, n = 300): string => (s.length > n ? `${s.slice(0, n)}…` : s);

export interface Example {
  readonly id: string;
  readonly text: string;
  readonly note: string;
}

export interface StageStats {
  readonly name: string;
  docsIn: number;
  docsOut: number;
  charsIn: number;
  charsOut: number;
  /** UTF-8 bytes entering the stage (for MB/s). */
  bytesIn: number;
  /** Documents whose text the stage changed (normalize, pii). */
  changed: number;
  seconds: number;
  /** Drop (or change) reasons → count, e.g. quality rule names or PII kinds. */
  readonly reasons: Record<string, number>;
  readonly examples: Example[];
}

/** Log2 document-length histogram: bin i counts documents of [2^i, 2^(i+1)) characters (bin 0 includes 0). */
export const HIST_BINS = 24;

export interface RunStats {
  readonly stages: StageStats[];
  /** source → language → [docs, chars] after language identification. */
  readonly languages: Record<string, Record<string, [number, number]>>;
  /** source → histogram of input document lengths; and of documents reaching the shards. */
  readonly lengthsIn: Record<string, number[]>;
  readonly lengthsOut: Record<string, number[]>;
  readonly issueCounts: Record<string, number>;
  readonly issues: ReadIssue[];
}

export const MAX_ISSUES_LISTED = 200;

export function newStage(name: string): StageStats {
  return { name, docsIn: 0, docsOut: 0, charsIn: 0, charsOut: 0, bytesIn: 0, changed: 0, seconds: 0, reasons: {}, examples: [] };
}

export function newRunStats(): RunStats {
  return { stages: [], languages: {}, lengthsIn: {}, lengthsOut: {}, issueCounts: {}, issues: [] };
}

export const histBin = (chars: number): number => Math.min(HIST_BINS - 1, chars <= 1 ? 0 : Math.floor(Math.log2(chars)));

export function addToHist(h: Record<string, number[]>, source: string, chars: number): void {
  const arr = (h[source] ??= new Array<number>(HIST_BINS).fill(0));
  arr[histBin(chars)]!++;
}

/** The stage named name, created (in call order) when absent. */
export function stage(run: RunStats, name: string): StageStats {
  let s = run.stages.find((x) => x.name === name);
  if (s === undefined) {
    s = newStage(name);
    run.stages.push(s);
  }
  return s;
}

/** Adds b into a (stage by stage, in b's order for new stages). Examples are capped at maxExamples. */
export function mergeRunStats(a: RunStats, b: RunStats, maxExamples: number): void {
  for (const sb of b.stages) {
    const sa = stage(a, sb.name);
    sa.docsIn += sb.docsIn;
    sa.docsOut += sb.docsOut;
    sa.charsIn += sb.charsIn;
    sa.charsOut += sb.charsOut;
    sa.bytesIn += sb.bytesIn;
    sa.changed += sb.changed;
    sa.seconds += sb.seconds;
    for (const [k, v] of Object.entries(sb.reasons)) sa.reasons[k] = (sa.reasons[k] ?? 0) + v;
    for (const e of sb.examples) if (sa.examples.length < maxExamples) sa.examples.push(e);
  }
  for (const [src, langs] of Object.entries(b.languages)) {
    const la = (a.languages[src] ??= {});
    for (const [l, [d, c]] of Object.entries(langs)) {
      const cur = (la[l] ??= [0, 0]);
      cur[0] += d;
      cur[1] += c;
    }
  }
  for (const key of ["lengthsIn", "lengthsOut"] as const) {
    for (const [src, h] of Object.entries(b[key])) {
      const ha = (a[key][src] ??= new Array<number>(HIST_BINS).fill(0));
      h.forEach((v, i) => (ha[i]! += v));
    }
  }
  for (const [k, v] of Object.entries(b.issueCounts)) a.issueCounts[k] = (a.issueCounts[k] ?? 0) + v;
  for (const i of b.issues) if (a.issues.length < MAX_ISSUES_LISTED) a.issues.push(i);
}

/** Records a document entering and (maybe) leaving a stage, with timing and an example when dropped. */
export class StageMeter {
  constructor(
    private readonly s: StageStats,
    private readonly maxExamples: number,
  ) {}
  enter(text: string): number {
    this.s.docsIn++;
    this.s.charsIn += text.length;
    this.s.bytesIn += bytesOf(text);
    return performance.now();
  }
  /** enter() for a document known by its size (its text parsed elsewhere: a worker thread). */
  enterSized(chars: number, bytes: number): number {
    this.s.docsIn++;
    this.s.charsIn += chars;
    this.s.bytesIn += bytes;
    return performance.now();
  }
  /** leave() for a stage that keeps or drops a document unchanged, known by its size; text() is called only when
   *  an example is recorded (a dropped document, while there is room). */
  leaveSized(t0: number, kept: boolean, chars: number, id: string, text: () => string, reason: string | null, note = ""): void {
    this.s.seconds += (performance.now() - t0) / 1000;
    if (kept) {
      this.s.docsOut++;
      this.s.charsOut += chars;
    }
    if (reason !== null) {
      this.s.reasons[reason] = (this.s.reasons[reason] ?? 0) + 1;
      if (!kept && this.s.examples.length < this.maxExamples) this.s.examples.push({ id, text: clip(scrubPii(text()).text), note: note === "" ? reason : `${reason}: ${note}` });
    }
  }
  leave(t0: number, out: string | null, id: string, original: string, reason: string | null, note = ""): void {
    this.s.seconds += (performance.now() - t0) / 1000;
    if (out !== null) {
      this.s.docsOut++;
      this.s.charsOut += out.length;
      if (out !== original) this.s.changed++;
    }
    if (reason !== null) {
      this.s.reasons[reason] = (this.s.reasons[reason] ?? 0) + 1;
      if (this.s.examples.length < this.maxExamples && (out === null || out !== original)) {
        // Examples are shown in the report: mask PII in them whatever the stage.
        // A changed document is shown around its first change (which may be far into it).
        let shown = out === null ? original : out;
        if (out !== null) {
          let i = 0;
          while (i < out.length && out[i] === original[i]) i++;
          if (i > 150) shown = `…${out.slice(i - 100)}`;
        }
        this.s.examples.push({ id, text: clip(scrubPii(shown).text), note: note === "" ? reason : `${reason}: ${note}` });
      }
    }
  }
}

/** "…before… → …after…" around the first difference (for normalisation examples). */
export function diffNote(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  let ea = a.length;
  let eb = b.length;
  while (ea > i && eb > i && a[ea - 1] === b[eb - 1]) [ea, eb] = [ea - 1, eb - 1];
  const show = (s: string, from: number, to: number): string => JSON.stringify(s.slice(Math.max(0, from - 8), Math.min(s.length, Math.min(to, from + 24) + 8)));
  return `${show(a, i, ea)} → ${show(b, i, eb)}`;
}

