// Step 1 of the pipeline for one input file: read → normalise → language ID → boilerplate lines → quality → toxicity
// → PII, the kept
// documents written as JSON Lines (CleanDoc) with the file's stage statistics. Not here: caching and the order of
// files (pipeline.ts), the stages' logic (one file each beside this one).
import type { PipelineConfig } from "./config.js";
import { readFile, type ReadIssue, type ReadOptions, type SourceConfig } from "./readers.js";
import { normalizeText } from "./normalize.js";
import { keepLanguage, type LanguageIdentifier } from "./langid.js";
import { createBoilerplateFilter } from "./boilerplate.js";
import { judgeQuality } from "./quality.js";
import { createToxicityMatcher } from "./toxicity.js";
import { scrubPii } from "./pii.js";
import { LineWriter } from "./files.js";
import { addToHist, diffNote, newRunStats, stage, StageMeter, MAX_ISSUES_LISTED, type RunStats } from "./stats.js";

/** One document as the clean step writes it (a line of the clean cache). */
export interface CleanDoc {
  readonly id: string;
  readonly source: string;
  readonly lang: string;
  readonly text: string;
  /** WARC/WET input: the record's WARC-Identified-Content-Language (Common Crawl's CLD2 guess, e.g. "jpn,eng"). */
  readonly warcLang?: string;
}

const bytesOf = (s: string): number => Buffer.byteLength(s, "utf8");

/** Documents per language-ID batch, and the characters a batch may hold (a document is up to maxDocChars; a clean
 *  worker's heap is bounded). About one document in ten misses the script fast path on web-like text and goes to
 *  the model, so a batch is about one request to a shared identifier (langid-server.ts BATCH samples each). */
const LANGID_BATCH = 1024;
const LANGID_BATCH_CHARS = 1 << 21;

/** Counts a reader issue in stats (and lists it, up to MAX_ISSUES_LISTED). */
export function addIssue(stats: RunStats, i: ReadIssue): void {
  stats.issueCounts[i.kind] = (stats.issueCounts[i.kind] ?? 0) + 1;
  if (stats.issues.length < MAX_ISSUES_LISTED) stats.issues.push(i);
}


/** Step 1 for one file: read → normalize → langid → boilerplate → quality → toxicity → PII, kept docs to out (JSONL). */
export async function cleanFile(
  file: string,
  src: SourceConfig,
  limit: number,
  out: string,
  cfg: PipelineConfig,
  baseDir: string,
  langId: LanguageIdentifier | null,
  onBytes: (b: number) => void,
  range?: ReadOptions["range"],
): Promise<RunStats> {
  const st = newRunStats();
  const ex = cfg.reportExamples;
  const read = new StageMeter(stage(st, "read"), ex);
  const norm = new StageMeter(stage(st, "normalize"), ex);
  const lang = new StageMeter(stage(st, "langid"), ex);
  const boil = new StageMeter(stage(st, "boilerplate"), ex);
  const qual = new StageMeter(stage(st, "quality"), ex);
  const tox = new StageMeter(stage(st, "toxicity"), ex);
  const pii = new StageMeter(stage(st, "pii"), ex);
  const toxicity = cfg.toxicity.enabled ? createToxicityMatcher(cfg.toxicity) : null;
  const boilerplate = cfg.boilerplate.enabled ? createBoilerplateFilter(cfg.boilerplate) : null;
  const w = new LineWriter(out);
  let bytes = 0;
  let n = 0;
  let t = performance.now();
  // Documents go through read and normalize one by one, then language ID a batch at a time (one request to a
  // shared identifier per batch: langid-server.ts), then the rest one by one, in input order.
  let batch: { id: string; text: string; warcLang: string | undefined }[] = [];
  let batchChars = 0;
  const flush = (): void => {
    let langs: string[] | null = null;
    if (langId !== null && batch.length > 0) {
      const t2 = performance.now();
      langs = langId.detectMany(batch.map((d) => d.text));
      stage(st, "langid").seconds += (performance.now() - t2) / 1000;
    }
    batch.forEach((d, i) => rest(d.id, d.text, d.warcLang, langs === null ? null : langs[i]!));
    batch = [];
    batchChars = 0;
  };
  const rest = (id: string, normalized: string, warcLang: string | undefined, detected: string | null): void => {
    let text = normalized;
    let language = "und";
    if (detected !== null) {
      // The batch's detect time is charged above; the meter here counts documents and characters.
      const t2 = lang.enter(text);
      language = detected;
      const keep = keepLanguage(language, cfg.langid);
      lang.leave(t2, keep ? text : null, id, text, keep ? null : `lang=${language}`);
      const l = (st.languages[src.name] ??= {});
      const cur = (l[language] ??= [0, 0]);
      cur[0]++;
      cur[1] += text.length;
      if (!keep) return;
    }
    let keep = true;
    if (boilerplate !== null) {
      // Line-level: removed lines are counted per rule ("line:RULE") and shown as examples, one per rule.
      const tb = boil.enter(text);
      const r = boilerplate.clean(text, src.name);
      const bs = stage(st, "boilerplate");
      for (const { line, rule } of r.removed) {
        const why = `line:${rule}`;
        bs.reasons[why] = (bs.reasons[why] ?? 0) + 1;
        if (bs.examples.length < ex && !bs.examples.some((e) => e.note === why)) bs.examples.push({ id, text: scrubPii(line.slice(0, 300)).text, note: why });
      }
      const out2 = r.text === "" ? null : r.text;
      boil.leave(tb, out2, id, text, out2 === null ? "all-lines-removed" : null);
      if (out2 === null) keep = false;
      else text = out2;
    }
    if (keep && cfg.quality.enabled) {
      const t3 = qual.enter(text);
      const v = judgeQuality(text, cfg.quality);
      qual.leave(t3, v.keep ? text : null, id, text, v.keep ? null : v.rule, v.keep ? "" : `value ${+v.value.toFixed(3)}`);
      keep = v.keep;
    }
    if (keep && toxicity !== null) {
      const t4 = tox.enter(text);
      const v = toxicity.judge(text);
      const masked = v.keep && v.text !== text;
      const note = v.keep && !masked ? "" : `${v.hits} hits (${toxicity.matches(text, 3).join(", ")}), ratio ${v.ratio.toFixed(3)}`;
      tox.leave(t4, v.keep ? v.text : null, id, text, !v.keep ? "word-list" : masked ? "masked" : null, note);
      keep = v.keep;
      text = v.text;
    }
    if (keep && cfg.pii.enabled) {
      const t5 = pii.enter(text);
      const r = scrubPii(text, cfg.pii);
      const kinds = Object.entries(r.counts).filter(([, c]) => c > 0);
      pii.leave(t5, r.text, id, text, kinds.length > 0 ? kinds.map(([k]) => k).join("+") : null);
      for (const [k, c] of kinds) stage(st, "pii").reasons[`masked:${k}`] = (stage(st, "pii").reasons[`masked:${k}`] ?? 0) + c;
      text = r.text;
    }
    if (keep) w.write(JSON.stringify({ id, source: src.name, lang: language, text, ...(warcLang !== undefined ? { warcLang } : {}) } satisfies CleanDoc));
  };
  for await (const doc of readFile(file, src, { baseDir, maxDocChars: cfg.maxDocChars, onIssue: (i) => addIssue(st, i), ...(range === undefined ? {} : { range }) })) {
    // "read" time is the reader's own time between documents.
    const t0 = read.enter(doc.text);
    stage(st, "read").seconds += (t0 - t) / 1000;
    read.leave(t0, doc.text, doc.id, doc.text, null);
    addToHist(st.lengthsIn, src.name, doc.text.length);
    bytes += bytesOf(doc.text);
    if (++n % 256 === 0) onBytes(bytes);
    let text = doc.text;
    let empty = false;
    if (cfg.normalize.enabled) {
      const t1 = norm.enter(text);
      const out1 = normalizeText(text, cfg.normalize);
      norm.leave(t1, out1 === "" ? null : out1, doc.id, text, out1 === text ? null : out1 === "" ? "empty" : "changed", out1 === text ? "" : diffNote(text, out1));
      empty = out1 === "";
      text = out1;
    }
    if (!empty) {
      if (langId === null) rest(doc.id, text, doc.warcLang, null);
      else {
        batch.push({ id: doc.id, text, warcLang: doc.warcLang });
        batchChars += text.length;
        if (batch.length >= LANGID_BATCH || batchChars >= LANGID_BATCH_CHARS) flush();
      }
    }
    t = performance.now();
    if (n >= limit) break;
  }
  flush();
  w.close();
  onBytes(bytes);
  return st;
}
