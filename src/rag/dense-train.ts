// A small bi-encoder trained contrastively here: a kotodama decoder whose mean-pooled, L2-normalised final hidden
// state (the same pooling as infer/embed.ts) is trained with InfoNCE over in-batch negatives (van den Oord et al.
// 2018; the DPR/E5 recipe): for B (query, passage) pairs, logits = q·dᵀ / τ (B × B), loss = ½ (CE(rows → diagonal) +
// CE(columns → diagonal)). It runs through the pretraining loop's Objective hook (train/loop.ts), as DPO does, so
// the run folder is an ordinary model folder (config.json, tokenizer.json, model.safetensors, metrics.jsonl,
// loss.svg) that `rag index --dense` loads. Pairs: built by the caller (bench/rag-dense.ts --train) from data
// that is not an evaluation set; this file has the generic builders (sentence ↔ paragraph, "inverse cloze task").
// Not here: evaluation (embed-eval.ts, bench), the index (dense-index.ts).
//
// Batch layout: 2B rows of T tokens, rows 0..B−1 the queries, B..2B−1 their passages, right-padded; targets hold
// 1 at real tokens and IGNORE_INDEX at padding (the pooling mask). With causal attention real tokens never see the
// padding after them, so a padded row pools exactly what embedText computes for the unpadded text.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Backend } from "../engine/ops.js";
import { decoderHidden, type DecoderWeights, type ModelConfig } from "../models/index.js";
import { crossEntropy, div, matmul, reshape, scale, sqrt, square, sum, add, addScalar, type Tensor } from "../tensor/index.js";
import { hfTokenizerConfig, type Tokenizer } from "../tokenizer/index.js";
import type { RunConfig } from "../train/config.js";
import { IGNORE_INDEX, type Batch, type BatchSource } from "../train/data.js";
import { baseIdentity, finetuneTrainConfig, openBase } from "../train/finetune.js";
import { train, type Objective, type Progress, type TrainResult } from "../train/loop.js";
import { KotodamaError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { splitSentences } from "./sentences.js";

export interface TextPair {
  readonly query: string;
  readonly passage: string;
  /** Where the pair came from (for counts in config.json). */
  readonly source: string;
}

/** Inverse cloze task (Lee, Chang & Toutanova 2019): from each paragraph of ≥ 3 sentences, one sentence (seeded)
 *  is the query and the paragraph is the passage — with the sentence removed with probability `removeP` (the
 *  paper's 0.9), so the model must match on meaning, not on the copied sentence. */
export function inverseClozePairs(paragraphs: readonly string[], source: string, rng: Rng, removeP = 0.9, maxPairs = Infinity): TextPair[] {
  const out: TextPair[] = [];
  for (const p of paragraphs) {
    if (out.length >= maxPairs) break;
    const spans = splitSentences(p);
    if (spans.length < 3) continue;
    const i = rng.int(spans.length);
    const s = spans[i]!;
    const query = p.slice(s.start, s.end).trim();
    const passage = rng.next() < removeP ? (p.slice(0, s.start) + p.slice(s.end)).trim() : p;
    if (query.length >= 8) out.push({ query, passage, source });
  }
  return out;
}

/** Rows of token ids for the pairs: queries cut to qLen, passages to T (both keep the tokenizer's BOS). */
interface PairRows {
  readonly q: number[][];
  readonly d: number[][];
}

function toRows(tok: Tokenizer, pairs: readonly TextPair[], qLen: number, T: number): PairRows {
  return { q: pairs.map((p) => tok.encode(p.query).slice(0, qLen)), d: pairs.map((p) => tok.encode(p.passage).slice(0, T)) };
}

/** Batches of B pairs: step s of the training set takes a seeded permutation's items s·B … (s+1)·B − 1 (epochs
 *  reshuffled), so a resumed run reads what an uninterrupted one would. */
export function pairBatchSource(tok: Tokenizer, trainPairs: readonly TextPair[], valPairs: readonly TextPair[], T: number, qLen: number, seed: number): BatchSource {
  const tr = toRows(tok, trainPairs, qLen, T);
  const va = toRows(tok, valPairs, qLen, T);
  const N = tr.q.length;
  if (N < 2) throw new KotodamaError(`bi-encoder: needs at least 2 training pairs, got ${N}`);
  const perms = new Map<number, Int32Array>();
  const perm = (epoch: number): Int32Array => {
    let p = perms.get(epoch);
    if (p === undefined) {
      const rng = new Rng(seed * 1000003 + epoch);
      p = Int32Array.from({ length: N }, (_, i) => i);
      for (let i = N - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [p[i], p[j]] = [p[j]!, p[i]!];
      }
      perms.set(epoch, p);
    }
    return p;
  };
  const fill = (rows: PairRows, items: readonly number[], B: number, out?: Batch): Batch => {
    const inputs = out?.inputs.length === 2 * B * T ? out.inputs : new Int32Array(2 * B * T);
    const targets = out?.targets.length === 2 * B * T ? out.targets : new Int32Array(2 * B * T);
    inputs.fill(0);
    targets.fill(IGNORE_INDEX);
    items.forEach((it, b) => {
      for (const [r, ids] of [[b, rows.q[it]!], [B + b, rows.d[it]!]] as const) {
        for (let t = 0; t < ids.length; t++) {
          inputs[r * T + t] = ids[t]!;
          targets[r * T + t] = 1;
        }
      }
    });
    return { inputs, targets };
  };
  return {
    seqLen: T,
    vocabSize: tok.vocabSize,
    description: `${N} train / ${va.q.length} held-out pairs, queries ≤ ${qLen} tokens, passages ≤ ${T}`,
    trainBatch(step, micro, A, B, out) {
      const items: number[] = [];
      const first = (step * A + micro) * B;
      for (let i = 0; i < B; i++) {
        const k = first + i;
        items.push(perm(Math.floor(k / N))[k % N]!);
      }
      return fill(tr, items, B, out);
    },
    valBatch(i, B, out) {
      const rows = va.q.length > 0 ? va : tr; // no held-out pairs: the training pairs
      return fill(rows, Array.from({ length: B }, (_, j) => (i * B + j) % rows.q.length), B, out);
    },
  };
}

/** (R, R·T) pooling matrix from a batch's targets: row r averages the real tokens of row r. */
function poolingMatrix(targets: Int32Array, R: number, T: number): Float32Array {
  const P = new Float32Array(R * R * T);
  for (let r = 0; r < R; r++) {
    let n = 0;
    for (let t = 0; t < T; t++) if (targets[r * T + t] !== IGNORE_INDEX) n++;
    if (n === 0) throw new KotodamaError(`bi-encoder: batch row ${r} has no tokens`);
    for (let t = 0; t < T; t++) if (targets[r * T + t] !== IGNORE_INDEX) P[r * R * T + r * T + t] = 1 / n;
  }
  return P;
}

/** Mean-pooled unit embeddings (R, C) of the R rows of a batch. */
export function pooledEmbeddings(c: ModelConfig, w: DecoderWeights, b: Batch, R: number, T: number): Tensor {
  const h = decoderHidden(c, w, b.inputs, R, T); // (R, T, C)
  const g = h.graph;
  const pooled = matmul(g.tensor(poolingMatrix(b.targets, R, T), [R, R * T]), reshape(h, [R * T, c.dim])); // (R, C)
  const norm = sqrt(addScalar(sum(square(pooled), [1], { keepDims: true }), 1e-12)); // (R, 1)
  return div(pooled, norm);
}

/** InfoNCE with in-batch negatives at temperature tau; stats: in-batch accuracy (query → its passage is the best). */
export function infoNceObjective(tau: number): Objective {
  if (!(tau > 0)) throw new KotodamaError(`bi-encoder: temperature must be > 0, got ${tau}`);
  let last = { accuracy: 0 };
  return {
    rowsPerItem: 2,
    loss(c, w, b, B, T) {
      const e = pooledEmbeddings(c, w, b, 2 * B, T); // (2B, C)
      const g = e.graph;
      const q = matmul(g.tensor(selector(B, 0), [B, 2 * B]), e); // (B, C)
      const d = matmul(g.tensor(selector(B, B), [B, 2 * B]), e); // (B, C)
      const logits = scale(matmul(q, d, { transB: true }), 1 / tau); // (B, B)
      const diag = Int32Array.from({ length: B }, (_, i) => i);
      const transposed = scale(matmul(d, q, { transB: true }), 1 / tau); // (B, B): passage → queries
      const loss = scale(add(crossEntropy(logits, diag), crossEntropy(transposed, diag)), 0.5);
      const L = logits.data;
      let acc = 0;
      for (let i = 0; i < B; i++) {
        let best = 0;
        for (let j = 1; j < B; j++) if (L[i * B + j]! > L[i * B + best]!) best = j;
        acc += best === i ? 1 : 0;
      }
      last = { accuracy: acc / B };
      return loss;
    },
    stats: () => last,
  };
}

/** (B, 2B) 0/1 matrix picking rows from..from+B−1. */
function selector(B: number, from: number): Float32Array {
  const s = new Float32Array(B * 2 * B);
  for (let i = 0; i < B; i++) s[i * 2 * B + from + i] = 1;
  return s;
}

export interface BiEncoderOptions {
  /** The starting model (a run folder, GGUF or HF folder). */
  readonly base: string;
  readonly train: readonly TextPair[];
  readonly val: readonly TextPair[];
  readonly outDir: string | null;
  readonly backend: Backend;
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly tau: number;
  /** Passage tokens (the rows' T). */
  readonly seqLen: number;
  readonly queryLen: number;
  readonly seed: number;
  /** Stop after this many seconds; the schedule's length is then fitted to the measured speed of the first steps. */
  readonly timeBudgetS?: number;
  readonly onProgress?: (p: Progress) => void;
  readonly log?: (line: string) => void;
}

/** Trains the bi-encoder; the run folder loads as a model (mean pooling, as the config records). */
export function trainBiEncoder(o: BiEncoderOptions): TrainResult & { tokenizer: Tokenizer } {
  const log = o.log ?? ((): void => {});
  const { m, init, templates, tokenizerJson } = openBase("bi-encoder", o.base, undefined, o.outDir, log);
  const model: ModelConfig = m.config;
  const T = Math.min(o.seqLen, model.context);
  const qLen = Math.min(o.queryLen, T);
  const tc = finetuneTrainConfig("bi-encoder", { lr: o.lr, maxSteps: o.steps, warmup: 0.1, batchSize: o.batchSize, valN: Math.min(o.val.length, 4 * o.batchSize), seed: o.seed });
  const run: RunConfig = { preset: "default", model, train: tc };
  const sources: Record<string, number> = {};
  for (const p of o.train) sources[p.source] = (sources[p.source] ?? 0) + 1;
  const configJson = `${JSON.stringify({ kind: "bi-encoder", base: baseIdentity(m), model, train: tc, biEncoder: { pooling: "mean", tau: o.tau, seqLen: T, queryLen: qLen, trainPairs: o.train.length, valPairs: o.val.length, sources, seed: o.seed } }, null, 2)}\n`;
  if (o.outDir !== null && existsSync(join(o.outDir, "config.json")) && readFileSync(join(o.outDir, "config.json"), "utf8") !== configJson) {
    throw new KotodamaError(`bi-encoder: ${o.outDir} holds a run with a different config; pass another --out, or the same settings to resume it`);
  }
  const batches = pairBatchSource(m.tokenizer, o.train, o.val, T, qLen, o.seed);
  log(`pairs: ${batches.description}`);
  const res = train({
    run, batches, backend: o.backend, outDir: o.outDir, init, configJson, title: `bi-encoder: InfoNCE, τ ${o.tau}`,
    objective: infoNceObjective(o.tau),
    tokenizerJson,
    extraFiles: new Map([["tokenizer_config.json", `${JSON.stringify(hfTokenizerConfig(m.tokenizer, templates), null, 2)}\n`]]),
    ...(o.timeBudgetS !== undefined ? { timeBudgetS: o.timeBudgetS, fitMaxStepsToBudget: true } : {}),
    ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
    log,
  });
  return { ...res, tokenizer: m.tokenizer };
}
