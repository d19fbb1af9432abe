// `kotodama eval simplify` as a library call: the first N sentences of ASSET test (10 references each) simplified
// by identity (the source copied), the SFT model greedy, greedy with the level constraint, and (beams > 1) six
// beam searches — alone, with the lexicon level mask (+lex), with edit constraints (+edits: the source's names kept
// as must-include spans, edits.ts), with both, deletion-only (+delete: infer/subsequence.ts, names kept) and
// deletion-only under the level mask (+delete+lex) — any subset of them (`runs`), each reported twice: its top hypothesis, and the CEFR classifier's
// level-aware choice among its n-best (+rerank, simplify.ts levelRerank) — scored
// with SARI (EASSE corpus_sari), BLEU (SacreBLEU 13a) and FKGL, plus the share of outputs whose level by the CEFR
// classifier (hardest sentence) is at or below the target; the references' share is the human reference point.
// Not here: the metrics (eval/sari.ts, bleu.ts, fkgl.ts), decoding (simplify.ts).
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { readAsset } from "../../data/instruct/sources.js";
import type { InferModel, SubsequenceOptions } from "../../infer/index.js";
import type { ChatResponder } from "../../infer/responder.js";
import { KotodamaError } from "../../util/errors.js";
import { writeAtomic } from "../../train/checkpoint.js";
import { corpusBleu } from "../bleu.js";
import { corpusFkgl } from "../fkgl.js";
import { corpusSari } from "../sari.js";
import { LEVELS } from "./data.js";
import type { Lexicon } from "./lexicon.js";
import type { OpenCefr } from "./model.js";
import { levelRerank, outputLevel, simplifyCandidates, simplifySentence, simplifyUserMessage, sourceNames } from "./simplify.js";

export interface SystemScores {
  readonly system: string;
  readonly sari: number;
  readonly add: number;
  readonly keep: number;
  readonly del: number;
  readonly bleu: number;
  readonly fkgl: number;
  /** Share of outputs at or below the target level by the classifier. */
  readonly atOrBelow: number;
  /** Mean words above the target per output, by the lexicon. */
  readonly aboveLevelWords: number;
  /** Sources where the level mask pruned every beam and the unmasked run's output stood in. */
  readonly fallbacks: number;
}

export interface SimplifyEvalResult {
  readonly n: number;
  readonly level: string;
  /** What decoded: a local model's path or the endpoint's name (URL and model). */
  readonly decoder: string;
  readonly systems: readonly SystemScores[];
  /** The references' own share at or below the target (reference 0 of each sentence) and their FKGL. */
  readonly references: { readonly atOrBelow: number; readonly fkgl: number };
  readonly seconds: number;
}

/** `model` decodes locally (every system); `responder` (an OpenAI-compatible endpoint) gives identity and the greedy
 *  `sft` system only, since the constrained and beam systems need the model's logits. Exactly one of them. */
interface BeamRun {
  /** Its `--runs` name; the system is `sft+beamB` followed by `+name` (nothing for "beam"). */
  readonly name: string;
  readonly lexicon: boolean;
  readonly edits: boolean;
  readonly del: boolean;
}

/** Beam search alone, and with the level mask, the names kept, both, deletion-only, deletion-only with the level
 *  mask, in the order they run (a masked run falls back to the unmasked one before it). */
const RUNS: readonly BeamRun[] = [
  { name: "beam", lexicon: false, edits: false, del: false }, { name: "lex", lexicon: true, edits: false, del: false },
  { name: "edits", lexicon: false, edits: true, del: false }, { name: "edits+lex", lexicon: true, edits: true, del: false },
  { name: "delete", lexicon: false, edits: false, del: true }, { name: "delete+lex", lexicon: true, edits: false, del: true },
];

/** Beam runs by name (`--runs`). */
export const BEAM_RUNS: readonly string[] = RUNS.map((r) => r.name);

/** Deletion-only settings of the +delete runs, chosen on ASSET valid (docs/applications.md). */
export const DELETE_DEFAULTS: SubsequenceOptions = { minKeep: 0.5, deletePenalty: 1 };
/** The level mask of +delete+lex as a penalty (log-probability per token that completes a word above the level):
 *  disallowing them outright leaves most ASSET sentences under minKeep (6 of the first 8 in a trial). */
export const DELETE_LEVEL_PENALTY = 3;

export async function evaluateSimplify(o: { readonly assetDir: string; readonly model?: InferModel; readonly responder?: ChatResponder; readonly checker: OpenCefr; readonly lexicon: Lexicon; readonly level: number; readonly limit: number; readonly outDir: string; readonly maxTokens?: number; readonly beams?: number; readonly runs?: readonly string[]; readonly deleteOnly?: SubsequenceOptions; readonly deleteLevelPenalty?: number; readonly log?: (s: string) => void }): Promise<SimplifyEvalResult> {
  const t0 = performance.now();
  const log = o.log ?? ((): void => {});
  const rows = readAsset(o.assetDir, "test").slice(0, o.limit);
  const orig = rows.map((r) => r.original), refs = rows.map((r) => r.references);
  const forbidden = new Set([...o.lexicon.levels].filter(([, l]) => l > o.level).map(([w]) => w));
  const above = (t: string): number => (t.toLowerCase().match(/\p{L}+(?:['’-]\p{L}+)*/gu) ?? []).filter((w) => forbidden.has(w)).length;
  const levelOk = (t: string): boolean => (outputLevel(o.checker, t) ?? 0) <= o.level;
  const score = (system: string, outs: readonly string[]): Omit<SystemScores, "fallbacks"> => {
    const s = corpusSari(orig, outs, refs);
    return { system, sari: s.sari, add: s.add, keep: s.keep, del: s.del, bleu: corpusBleu(outs, refs).bleu, fkgl: corpusFkgl(outs), atOrBelow: outs.filter(levelOk).length / Math.max(1, outs.length), aboveLevelWords: outs.reduce((a, t) => a + above(t), 0) / Math.max(1, outs.length) };
  };
  if ((o.model === undefined) === (o.responder === undefined)) throw new KotodamaError("eval simplify: give a local model or an endpoint responder, exactly one");
  const beams = o.model === undefined ? 1 : o.beams ?? 4, maxTokens = o.maxTokens ?? 96;
  const b = `sft+beam${beams}`;
  // Each beam run gives two systems: its top hypothesis, and the classifier's level-aware choice among its n-best.
  const wanted = o.runs ?? BEAM_RUNS;
  for (const w of wanted) if (!BEAM_RUNS.includes(w)) throw new KotodamaError(`eval simplify: unknown beam run "${w}"; expected some of ${BEAM_RUNS.join(", ")}`);
  const beamRuns = beams > 1 ? RUNS.filter((r) => wanted.includes(r.name)).map((r) => ({ ...r, key: r.name === "beam" ? b : `${b}+${r.name}` })) : [];
  // Truncation to the deletion runs' minimum share of words: the trivial deletion baseline they must beat
  // (SARI rewards deleting; EASSE reports such a baseline too).
  const keepShare = (o.deleteOnly ?? DELETE_DEFAULTS).minKeep ?? 0.5;
  const truncate = (t: string): string => { const w = t.split(/\s+/); return w.slice(0, Math.ceil(keepShare * w.length)).join(" "); };
  const outputs: Record<string, string[]> = { identity: [...orig], ...(beamRuns.some((r) => r.del) ? { truncate: orig.map(truncate) } : {}), sft: [], ...(o.model !== undefined ? { "sft+constraint": [] } : {}) };
  for (const r of beamRuns) [outputs[r.key], outputs[`${r.key}+rerank`]] = [[], []];
  const fallbacks: Record<string, number> = {};
  if (o.responder !== undefined) {
    const answers = await o.responder.answer(orig.map((src) => [{ role: "user", content: simplifyUserMessage(src) }]), { maxTokens, onProgress: (d) => void (d % 10 === 0 && log(`eval simplify: ${d}/${orig.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)`)) });
    outputs.sft!.push(...answers.map((a) => a.text.trim()));
  }
  for (const [i, src] of (o.model === undefined ? [] : orig).entries()) {
    const model = o.model!;
    outputs.sft!.push((await simplifySentence(model, src, { level: o.level, maxTokens })).output);
    outputs["sft+constraint"]!.push((await simplifySentence(model, src, { level: o.level, lexicon: o.lexicon, maxTokens })).output);
    const keep = [...new Set(sourceNames(src))];
    const last = new Map<string, readonly string[]>();
    for (const r of beamRuns) {
      let texts: readonly string[];
      try {
        ({ texts } = await simplifyCandidates(model, src, { level: o.level, beams, maxTokens, ...(r.lexicon ? { lexicon: o.lexicon, ...(r.del ? { penalty: o.deleteLevelPenalty ?? DELETE_LEVEL_PENALTY } : {}) } : {}), ...(r.edits ? { edits: { keep, delete: [], replace: [] } } : {}), ...(r.del ? { deleteOnly: o.deleteOnly ?? DELETE_DEFAULTS } : {}) }));
      } catch (e) {
        // The level mask can leave a hypothesis no continuation (every beam pruned): the system falls back to the
        // same decoding without the mask (run just before it), and the fallback is counted.
        const unmasked = last.get(`${r.edits}/${r.del}`);
        if (!(e instanceof KotodamaError && /every hypothesis was pruned|found no output/.test(e.message)) || !r.lexicon || unmasked === undefined) throw e;
        log(`eval simplify: line ${rows[i]!.line}, ${r.key}: every beam pruned under the level mask; the unmasked run's output stands in`);
        fallbacks[r.key] = (fallbacks[r.key] ?? 0) + 1;
        texts = unmasked;
      }
      last.set(`${r.edits}/${r.del}`, texts);
      outputs[r.key]!.push(texts[0]!);
      outputs[`${r.key}+rerank`]!.push(texts[levelRerank(o.checker, texts, o.level)]!);
    }
    if ((i + 1) % 10 === 0) log(`eval simplify: ${i + 1}/${orig.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const systems = Object.entries(outputs).map(([k, v]) => ({ ...score(k, v), fallbacks: fallbacks[k.replace(/\+rerank$/, "")] ?? 0 }));
  const r0 = refs.map((r) => r[0]!);
  const result: SimplifyEvalResult = { n: rows.length, level: LEVELS[o.level]!, decoder: o.model !== undefined ? `kotodama model ${o.model.path}` : o.responder!.name, systems, references: { atOrBelow: r0.filter(levelOk).length / Math.max(1, r0.length), fkgl: corpusFkgl(r0) }, seconds: (performance.now() - t0) / 1000 };
  mkdirSync(o.outDir, { recursive: true });
  writeAtomic(join(o.outDir, "simplify-eval.json"), (tmp) => writeFileSync(tmp, `${JSON.stringify({ ...result, config: { level: LEVELS[o.level], limit: o.limit, maxTokens, beams, runs: beamRuns.map((r) => r.key), deleteOnly: o.deleteOnly ?? DELETE_DEFAULTS, deleteLevelPenalty: o.deleteLevelPenalty ?? DELETE_LEVEL_PENALTY, decoder: o.model !== undefined ? { model: o.model.path } : o.responder!.settings }, metrics: { sari: "EASSE corpus_sari (lowercase, 13a, macro over orders 1-4, deletion F1)", bleu: "SacreBLEU corpus BLEU, 13a, exp smoothing, case kept", fkgl: "EASSE corpus_fkgl rules (see src/eval/fkgl.ts)" } }, null, 2)}\n`));
  const lines = orig.map((src, i) => JSON.stringify({ line: rows[i]!.line, source: src, ...Object.fromEntries(Object.entries(outputs).filter(([k]) => k !== "identity").map(([k, v]) => [k, v[i]])) }));
  writeAtomic(join(o.outDir, "simplify-outputs.jsonl"), (tmp) => writeFileSync(tmp, `${lines.join("\n")}\n`));
  return result;
}
