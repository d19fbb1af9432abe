// `kotodama bench data-filters`: the data filters measured on labelled sets, before and after in one run:
// repetition rules (Gopher's vs the recalibrated defaults) on clean held-out Aozora paragraphs and TinyStories and
// on the spam fixtures; boilerplate line removal (precision/recall) on the labelled pages; profanity on the
// profane/clean set; and the speed of judgeQuality and the boilerplate filter. Not here: the filters (src/data).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseFlags } from "../src/cli/command.js";
import { KotodamaError } from "../src/util/errors.js";
import { packageRoot, sharedPath } from "../src/util/paths.js";
import { judgeQuality, QUALITY_DEFAULTS, QUALITY_GOPHER, type QualityConfig } from "../src/data/quality.js";
import { createBoilerplateFilter, BOILERPLATE_DEFAULTS } from "../src/data/boilerplate.js";
import { createToxicityMatcher, TOXICITY_DEFAULTS, type ToxicityConfig } from "../src/data/toxicity.js";
import { aozoraParagraphs, readLabelledPages, readLabelledTexts, scoreBoilerplate, tinyStories } from "../src/data/labelled.js";
import { normalizeText } from "../src/data/normalize.js";

export const summary = "data filters on labelled sets: clean kept / spam removed, boilerplate P/R, profanity, MB/s";
export const help = [
  "Usage: kotodama bench data-filters [--json]",
  "",
  "Measures, in one run, Gopher's repetition rules and the recalibrated defaults on held-out Aozora paragraphs",
  "(≥ 40 chars, odd works), TinyStories (tiny-stories.json held out) and the spam fixtures; boilerplate line",
  "removal on tests/fixtures/data/boilerplate*.jsonl; profanity on profanity.jsonl; and judgeQuality and",
  "boilerplate speed (MB/s, one core) on TinyStories + Aozora as the pipeline sees them. Needs ../shared/data.",
  "  --json   one JSON object on stdout instead of the tables",
].join("\n");

const pct = (x: number): number => +(100 * x).toFixed(2);
const kept = (texts: readonly string[], cfg: QualityConfig): number => texts.filter((t) => judgeQuality(t, cfg).keep).length / texts.length;

/** MB per CPU-second of fn over texts, the best of 3 passes: CPU time (user + system) rather than wall time,
 *  because the machine is shared and wall time counts other people's jobs. */
function speed(texts: readonly string[], fn: (t: string) => unknown): number {
  let bytes = 0;
  for (const t of texts) bytes += Buffer.byteLength(t);
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    for (const t of texts) fn(t);
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1e6);
  }
  return +(bytes / 1e6 / best).toFixed(2);
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench data-filters", argv, { json: { type: "boolean" } }, false);
  const az = sharedPath("data", "aozora", "clean");
  const ts = sharedPath("data", "tinystories");
  if (az === null || ts === null) throw new KotodamaError("kotodama bench data-filters: needs ../shared/data/aozora/clean and ../shared/data/tinystories");
  const fx = (name: string): string => join(packageRoot(), "tests", "fixtures", "data", name);
  const paras = aozoraParagraphs(az, 40);
  const stories = tinyStories(ts);
  const spamJa = readLabelledTexts(fx("spam-ja.jsonl"), "kind").map((r) => normalizeText(r.text));
  const spamEn = readLabelledTexts(fx("spam-en.jsonl"), "kind").map((r) => normalizeText(r.text));
  const repetition = Object.fromEntries(
    (
      [
        ["before (Gopher)", QUALITY_GOPHER],
        ["after (defaults)", QUALITY_DEFAULTS],
      ] as const
    ).map(([name, cfg]) => [
      name,
      {
        aozoraHeldOutKeptPct: pct(kept(paras.heldOut, cfg)),
        aozoraCalibrationKeptPct: pct(kept(paras.calibration, cfg)),
        tinyStoriesHeldOutKeptPct: pct(kept(stories.heldOut, cfg)),
        tinyStoriesCalibrationKeptPct: pct(kept(stories.calibration, cfg)),
        spamJaRemovedPct: pct(1 - kept(spamJa, cfg)),
        spamEnRemovedPct: pct(1 - kept(spamEn, cfg)),
      },
    ]),
  );
  const sizes = { aozoraHeldOut: paras.heldOut.length, aozoraCalibration: paras.calibration.length, tinyStoriesHeldOut: stories.heldOut.length, tinyStoriesCalibration: stories.calibration.length, spamJa: spamJa.length, spamEn: spamEn.length };

  const bp = createBoilerplateFilter();
  const bpWeb = createBoilerplateFilter({ ...BOILERPLATE_DEFAULTS, webSources: ["web"] });
  const score = (f: typeof bp, file: string): Record<string, number> => {
    const s = scoreBoilerplate(f, readLabelledPages(fx(file)), "web");
    return { lines: s.tp + s.fp + s.fn + s.tn, boilerplate: s.tp + s.fn, precision: +s.precision.toFixed(3), recall: +s.recall.toFixed(3) };
  };
  // The pipeline's documents: Aozora works split at blank lines, TinyStories stories.
  const corpus: string[] = [...stories.calibration, ...stories.heldOut];
  for (const f of readdirSync(az).sort()) for (const p of readFileSync(join(az, f), "utf8").split("\n\n")) corpus.push(normalizeText(p));
  let lines = 0;
  let removed = 0;
  for (const d of corpus) {
    lines += d.split("\n").filter((l) => l.trim() !== "").length;
    removed += bp.clean(d, "corpus").removed.length;
  }
  const boilerplate = {
    tuning: score(bp, "boilerplate.jsonl"),
    heldOut: score(bp, "boilerplate-heldout.jsonl"),
    heldOutDeclaredWeb: score(bpWeb, "boilerplate-heldout.jsonl"),
    cleanCorpusLines: lines,
    cleanCorpusLinesRemoved: removed,
  };

  const prof = readLabelledTexts(fx("profanity.jsonl"), "label").map((r) => ({ ...r, text: normalizeText(r.text) }));
  const profanity = Object.fromEntries(
    (
      [
        ["before (naughty-words)", { ...TOXICITY_DEFAULTS, lists: ["en", "ja"] }],
        ["after (drop)", TOXICITY_DEFAULTS],
        ["after (mask)", { ...TOXICITY_DEFAULTS, mode: "mask" }],
      ] as const satisfies readonly (readonly [string, ToxicityConfig])[]
    ).map(([name, cfg]) => {
      const m = createToxicityMatcher(cfg);
      const p = prof.filter((r) => r.label === "profane").map((r) => ({ r, v: m.judge(r.text) }));
      const c = prof.filter((r) => r.label === "clean");
      return [name, { profane: p.length, found: p.filter((x) => x.v.hits > 0).length, dropped: p.filter((x) => !x.v.keep).length, masked: p.filter((x) => x.v.keep && x.v.text !== x.r.text).length, keptUnchanged: p.filter((x) => x.v.keep && x.v.text === x.r.text).length, clean: c.length, cleanFlagged: c.filter((r) => m.hits(r.text) > 0).length }];
    }),
  );

  const speedMBps = {
    judgeQualityGopher: speed(corpus, (t) => judgeQuality(t, QUALITY_GOPHER)),
    judgeQualityDefaults: speed(corpus, (t) => judgeQuality(t)),
    boilerplate: speed(corpus, (t) => bp.clean(t, "corpus")),
    corpusMB: +(corpus.reduce((s, t) => s + Buffer.byteLength(t), 0) / 1e6).toFixed(2),
  };
  const result = { bench: "data-filters", sizes, repetition, boilerplate, profanity, speedMBps };
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const out: string[] = [];
  out.push(`repetition rules (kept % of clean, removed % of spam); sizes ${JSON.stringify(sizes)}`);
  for (const [name, r] of Object.entries(repetition)) out.push(`  ${name.padEnd(18)} Aozora held-out ${r.aozoraHeldOutKeptPct}% (calib ${r.aozoraCalibrationKeptPct}%)  TinyStories held-out ${r.tinyStoriesHeldOutKeptPct}% (calib ${r.tinyStoriesCalibrationKeptPct}%)  spam ja ${r.spamJaRemovedPct}%  spam en ${r.spamEnRemovedPct}%`);
  out.push("boilerplate lines (precision / recall)");
  for (const k of ["tuning", "heldOut", "heldOutDeclaredWeb"] as const) out.push(`  ${k.padEnd(18)} ${boilerplate[k].precision} / ${boilerplate[k].recall}  (${boilerplate[k].boilerplate} boilerplate of ${boilerplate[k].lines} lines)`);
  out.push(`  clean TinyStories + Aozora: ${removed} of ${lines} lines removed`);
  out.push("profanity (labelled set)");
  for (const [name, r] of Object.entries(profanity)) out.push(`  ${name.padEnd(24)} profane found ${r.found}/${r.profane}, dropped ${r.dropped}, masked ${r.masked}, kept unchanged ${r.keptUnchanged}; clean flagged ${r.cleanFlagged}/${r.clean}`);
  out.push(`speed on ${speedMBps.corpusMB} MB (MB per CPU-second, best of 3): judgeQuality ${speedMBps.judgeQualityDefaults} MB/s (Gopher config ${speedMBps.judgeQualityGopher}), boilerplate ${speedMBps.boilerplate} MB/s`);
  process.stdout.write(`${out.join("\n")}\n`);
  return 0;
}
