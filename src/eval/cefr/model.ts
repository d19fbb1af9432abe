// The CEFR sentence classifier: a kotodama decoder (a pretrained run as base, or a fresh tiny one for tests) plus a
// 6-way sequence head (models/seq-head.ts: the last token's final hidden state → A1…C2 logits), fine-tuned whole
// with cross-entropy on CEFR-SP train, rare levels repeated (repeat = min(maxRepeat, round(sqrt(n_max / n_level))))
// so that macro-F1 is not lost to B1. Saved as a run directory (model.safetensors, tokenizer.json, head.*,
// config.json with kind "cefr-classifier", lexicon.json), which openCefr reads back. Not here: scoring
// (report.ts), the baseline (baseline.ts), the CLI's tables.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rngFor, shuffled } from "../../data/instruct/split.js";
import { loadBackend } from "../../engine/backend.js";
import type { Backend } from "../../engine/ops.js";
import { decoderWeightsOf, loadModel } from "../../models/load.js";
import { initDecoderWeights, namedWeights, resolveModelConfig, saveWeights, type NamedWeight } from "../../models/index.js";
import { openSeqClassifier, type OpenSeqClassifier } from "../../models/seq-classifier.js";
import { createSeqHead, saveSeqHead, sequenceScores } from "../../models/seq-head.js";
import { AdamW } from "../../nn/optim/adamw.js";
import { clipGradNorm } from "../../nn/optim/clip.js";
import { splitSentences } from "../../rag/sentences.js";
import { crossEntropy, Graph } from "../../tensor/index.js";
import { ByteLevelBpe, hfTokenizerJson, trainBpe, type Tokenizer } from "../../tokenizer/index.js";
import { writeAtomic } from "../../train/checkpoint.js";
import { lrAt } from "../../train/schedule.js";
import { KotodamaError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";
import { padRows } from "../../safety/evaluator-model.js";
import { LEVELS, type CefrRow, type Level } from "./data.js";
import { deriveLexicon, lexiconJson } from "./lexicon.js";

export interface CefrSettings {
  readonly seed: number;
  readonly maxSteps: number;
  readonly batchSize: number;
  readonly lr: number;
  /** Tokens read per sentence at most. */
  readonly context: number;
  /** Cap on how often a rare level's sentences repeat per epoch. */
  readonly maxRepeat: number;
  /** A fresh decoder's shape (ignored with a base). */
  readonly vocabSize: number;
  readonly dim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  /** Minimum support of the word lexicon written beside the model (lexicon.ts). */
  readonly lexiconSupport: number;
}

/** 600 steps of 16 sentences (~1.3 epochs of the 7,178 training sentences with repeats), lr 3e-4 for a pretrained
 *  base: ~3 minutes for the 5.5M npm-start model on 2 loaded cores. */
export const CEFR_DEFAULTS: CefrSettings = { seed: 1, maxSteps: 600, batchSize: 16, lr: 3e-4, context: 64, maxRepeat: 8, vocabSize: 2048, dim: 128, nLayers: 2, nHeads: 4, lexiconSupport: 2 };

export function resolveCefrSettings(s: Partial<CefrSettings>): CefrSettings {
  for (const k of Object.keys(s)) if (!(k in CEFR_DEFAULTS)) throw new KotodamaError(`cefr settings: unknown key '${k}'; expected ${Object.keys(CEFR_DEFAULTS).join(", ")}`);
  const r = { ...CEFR_DEFAULTS, ...s };
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== "number" || !Number.isFinite(v) || (k === "seed" ? v < 0 : v <= 0) || (k !== "lr" && !Number.isInteger(v))) throw new KotodamaError(`cefr settings: '${k}' must be a positive ${k === "lr" ? "number" : "integer"}, got ${String(v)}`);
  }
  return r;
}

/** A loaded CEFR classifier (models/seq-classifier.ts). */
export type OpenCefr = OpenSeqClassifier;

const encode = (tok: Tokenizer, text: string, T: number): Int32Array => {
  const ids = tok.encode(text);
  return Int32Array.from(ids.length > T ? ids.slice(0, T) : ids);
};

function softmax(z: ArrayLike<number>, from: number, n: number): number[] {
  let mx = -Infinity;
  for (let k = 0; k < n; k++) mx = Math.max(mx, z[from + k]!);
  const e = Array.from({ length: n }, (_, k) => Math.exp(z[from + k]! - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** P(level) per text, batched, no gradients. */
export function predictProbs(m: OpenCefr, texts: readonly string[], batchSize = 32): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const rows = texts.slice(i, i + batchSize).map((t) => encode(m.tokenizer, t, m.context));
    const { ids, lengths, T } = padRows(rows);
    const z = m.graph.noGrad(() => m.graph.scope(() => sequenceScores(m.config, m.weights, m.head, ids, lengths, rows.length, T).data.slice()));
    for (let b = 0; b < rows.length; b++) out.push(softmax(z, b * 6, 6));
  }
  return out;
}

export const argmaxLevel = (p: readonly number[]): number => p.indexOf(Math.max(...p));

export interface CefrTrainOptions {
  readonly train: readonly CefrRow[];
  readonly outDir: string;
  readonly backend: Backend;
  readonly settings?: Partial<CefrSettings>;
  /** A kotodama run directory whose decoder and tokenizer to start from; none: a fresh decoder + BPE. */
  readonly base?: string;
  readonly log?: (line: string) => void;
}

/** Fine-tunes the classifier, writes the directory, returns it open. */
export function trainCefr(o: CefrTrainOptions): OpenCefr & { readonly steps: number; readonly seconds: number } {
  const log = o.log ?? ((): void => {});
  const s = resolveCefrSettings(o.settings ?? {});
  const t0 = performance.now();
  const base = o.base === undefined ? null : loadModel(o.base);
  const tok = base !== null ? base.tokenizer : trainBpe({ texts: o.train.map((r) => r.text), vocabSize: s.vocabSize });
  const c = base !== null ? base.config : resolveModelConfig("default", { vocabSize: tok.vocabSize, dim: s.dim, nLayers: s.nLayers, nHeads: s.nHeads, nKvHeads: s.nHeads, hiddenDim: 3 * s.dim, context: s.context });
  if (s.context > c.context) throw new KotodamaError(`cefr: context ${s.context} exceeds the base's context ${c.context}`);
  if (!(tok instanceof ByteLevelBpe)) throw new KotodamaError(`cefr: the base's ${tok.kind} tokenizer cannot be stored as tokenizer.json`);
  const g = new Graph(o.backend);
  const rng = new Rng(s.seed);
  const w = initDecoderWeights(g, c, rng);
  if (base !== null) {
    const from = new Map(namedWeights(decoderWeightsOf(base)).map((n) => [n.name, n.tensor.data]));
    for (const n of namedWeights(w)) n.tensor.data.set(from.get(n.name)!);
  }
  const head = createSeqHead(g, rng, c, LEVELS);
  const named: NamedWeight[] = [...namedWeights(w), { name: "score.weight", tensor: head.weight, hfTransposed: false, decay: true }];
  const opt = new AdamW(
    [{ params: named.filter((n) => n.decay).map((n) => n.tensor), weightDecay: 0.01 }, { params: named.filter((n) => !n.decay).map((n) => n.tensor), weightDecay: 0 }],
    { lr: s.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
  );
  const rows = o.train.map((r) => ({ ids: encode(tok, r.text, s.context), label: r.label }));
  const perLevel = LEVELS.map((_, l) => rows.filter((r) => r.label === l).length);
  const nMax = Math.max(...perLevel);
  const repeat = perLevel.map((n) => (n === 0 ? 0 : Math.min(s.maxRepeat, Math.max(1, Math.round(Math.sqrt(nMax / n))))));
  const pool = rows.flatMap((r, i) => Array<number>(repeat[r.label]!).fill(i));
  log(`cefr: ${rows.length} training sentences, per level ${perLevel.join("/")}, repeats ${repeat.join("/")} → ${pool.length} per epoch`);
  mkdirSync(o.outDir, { recursive: true });
  const configJson = `${JSON.stringify({ kind: "cefr-classifier", model: c, cefr: s, base: o.base ?? null, labels: LEVELS, label: "floor((A + B) / 2)", trainSentences: rows.length }, null, 2)}\n`;
  writeAtomic(join(o.outDir, "config.json"), (tmp) => writeFileSync(tmp, configJson));
  writeAtomic(join(o.outDir, "tokenizer.json"), (tmp) => writeFileSync(tmp, hfTokenizerJson(tok)));
  const metricsPath = join(o.outDir, "metrics.jsonl");
  writeFileSync(metricsPath, "");
  let order: number[] = [];
  let epoch = -1;
  const params = named.map((n) => n.tensor);
  for (let step = 0; step < s.maxSteps; step++) {
    const batch = Array.from({ length: s.batchSize }, (_, j) => {
      const pos = step * s.batchSize + j;
      if (Math.floor(pos / pool.length) !== epoch) {
        epoch = Math.floor(pos / pool.length);
        order = shuffled(pool, rngFor(s.seed, `cefr-epoch-${epoch}`));
      }
      return rows[order[pos % pool.length]!]!;
    });
    const loss = g.scope(() => {
      const { ids, lengths, T } = padRows(batch.map((r) => r.ids));
      const l = crossEntropy(sequenceScores(c, w, head, ids, lengths, batch.length, T), Int32Array.from(batch, (r) => r.label));
      g.backward(l);
      return l.item();
    });
    if (!Number.isFinite(loss)) throw new KotodamaError(`cefr: loss became ${loss} at step ${step + 1} (lower --lr)`);
    const norm = clipGradNorm(params, 1);
    const lr = lrAt(step, { lr: s.lr, minLr: s.lr / 10, warmupSteps: Math.min(30, Math.floor(s.maxSteps / 10)), maxSteps: s.maxSteps });
    opt.step(lr);
    opt.zeroGrad();
    writeFileSync(metricsPath, `${JSON.stringify({ step: step + 1, lr, train_loss: loss, grad_norm: norm, elapsed_s: Number(((performance.now() - t0) / 1000).toFixed(3)) })}\n`, { flag: "a" });
    if ((step + 1) % 50 === 0) log(`cefr: step ${step + 1}/${s.maxSteps} loss ${loss.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  writeAtomic(join(o.outDir, "model.safetensors"), (tmp) => saveWeights(tmp, w, new Map([["format", "pt"], ["kotodama.step", String(s.maxSteps)]])));
  saveSeqHead(o.outDir, head, { kind: "cefr-classifier", step: s.maxSteps });
  writeAtomic(join(o.outDir, "lexicon.json"), (tmp) => writeFileSync(tmp, lexiconJson(deriveLexicon(o.train, s.lexiconSupport))));
  return { dir: o.outDir, config: c, tokenizer: tok, graph: g, weights: w, head, context: s.context, steps: s.maxSteps, seconds: (performance.now() - t0) / 1000 };
}

/** Opens a directory written by trainCefr; errors name the directory and what is missing. */
export function openCefr(dir: string, backend: Backend = loadBackend()): OpenCefr {
  return openSeqClassifier(dir, { kind: "cefr-classifier", what: "a CEFR classifier", trainHint: "kotodama cefr train --base RUN --out DIR", labels: LEVELS, section: "cefr" }, backend);
}

export interface SentenceLevel {
  readonly sentence: string;
  readonly level: Level;
  /** Σ_k k · P(k), 0 (A1) … 5 (C2): orders sentences by difficulty beyond the argmax. */
  readonly expected: number;
  readonly probs: readonly number[];
}

export interface TextLevels {
  readonly sentences: readonly SentenceLevel[];
  /** How many sentences at each level A1…C2. */
  readonly distribution: Readonly<Record<Level, number>>;
  /** The hardest sentences (highest expected level), at most `hardest`. */
  readonly hardest: readonly SentenceLevel[];
  /** The level of the 80th-percentile sentence (a text is as hard as most of what it asks a reader to read). */
  readonly level: Level;
}

/** Levels of each sentence of the texts; a text with several sentences is split (rag/sentences.ts). */
export function assessSentences(m: OpenCefr, texts: readonly string[]): SentenceLevel[] {
  const sents = texts.flatMap((t) => splitSentences(t).map((sp) => t.slice(sp.start, sp.end).trim())).filter((x) => x !== "");
  return predictProbs(m, sents).map((p, i) => ({ sentence: sents[i]!, level: LEVELS[argmaxLevel(p)]!, expected: p.reduce((a, v, k) => a + k * v, 0), probs: p }));
}

/** A whole text: the distribution of its sentences' levels and its hardest sentences. */
export function assessText(m: OpenCefr, text: string, hardest = 3): TextLevels {
  const sentences = assessSentences(m, [text]);
  if (sentences.length === 0) throw new KotodamaError("cefr: the text has no sentence");
  const distribution = Object.fromEntries(LEVELS.map((l) => [l, sentences.filter((s) => s.level === l).length])) as Record<Level, number>;
  const sorted = [...sentences].sort((a, b) => b.expected - a.expected);
  const byLevel = sentences.map((s) => LEVELS.indexOf(s.level)).sort((a, b) => a - b);
  const level = LEVELS[byLevel[Math.min(byLevel.length - 1, Math.floor(0.8 * byLevel.length))]!]!;
  return { sentences, distribution, hardest: sorted.slice(0, hardest), level };
}
