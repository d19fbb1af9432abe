// Training data as two in-memory token streams (train, validation) and the deterministic batch order that
// both kotodama and bench/torch_ref.py use, so a run's data position is just its step count.
// Not here: tokenizer training or the data pipeline (data/pipeline.ts writes the shards read here).
//
// Batch order: micro-batch m of step s reads windows w = (s·A + m)·B + r for rows r < B (A = gradAccum).
// The stream of N tokens holds W = ⌊(N − 1)/T⌋ non-overlapping windows; window w is slot k = (w·S) mod W,
// starting at token k·T: inputs tokens[kT, kT+T), targets tokens[kT+1, kT+T+1]. S is the first integer
// ≥ ⌊0.618·W⌋ coprime with W, so each run of W consecutive windows (an epoch) visits every slot once, and
// consecutive windows lie far apart in the stream (a concatenation of corpora is mixed, not read in order).
// Validation batch i reads windows i·B + r of the validation stream the same way.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { I32 } from "../engine/ops.js";
import { openSplit, readManifest } from "../data/manifest.js";
import { SHARD_MAGIC, ShardReader } from "../data/shards.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { KotodamaError } from "../util/errors.js";

export type TokenArray = Uint16Array | Uint32Array | Int32Array;

export interface TokenData {
  readonly train: TokenArray;
  readonly val: TokenArray;
  /** Largest id + 1 the data may hold (the shards' or tokenizer's vocabulary). */
  readonly vocabSize: number;
  /** Where the tokens came from, for messages. */
  readonly description: string;
  /** A tokenizer.json path that belongs to the data (a prepared data folder's), or null. */
  readonly tokenizerPath: string | null;
}

export interface Batch {
  readonly inputs: I32; // (B, T)
  /** (B, T); IGNORE_INDEX where no loss is taken (SFT prompts and padding). */
  readonly targets: I32;
  /** Packed rows (SFT): a document id per position (B, T) and positions restarting per document (B, T). */
  readonly segments?: I32;
  readonly positions?: I32;
  /** (B) numbers per row that a custom objective reads (DPO: the reference model's log-probability of each row's
   *  answer). */
  readonly rowValues?: Float32Array;
  /** Per-position numbers (B·T each) an objective reads by name (RL: old and reference log-probs, advantages). */
  readonly aux?: Readonly<Record<string, Float32Array>>;
}

/** The target that puts no loss on a position (crossEntropy's default ignoreIndex, PyTorch's −100). */
export const IGNORE_INDEX = -100;

/** Where the loop's batches come from: pretraining windows (tokenBatchSource) or SFT examples (sft/batches.ts).
 *  Batches are a pure function of (step, micro-batch), so a resumed run reads exactly what an uninterrupted one
 *  would, with no data state in the checkpoint. */
export interface BatchSource {
  /** Sequence length T of every batch (≤ the model's context). */
  readonly seqLen: number;
  /** Largest id + 1 the inputs may hold. */
  readonly vocabSize: number;
  readonly description: string;
  /** Micro-batch m of step s; A = gradAccum. */
  trainBatch(step: number, micro: number, gradAccum: number, B: number, out?: Batch): Batch;
  /** Validation batch i. */
  valBatch(i: number, B: number, out?: Batch): Batch;
}

/** The pretraining source: windows of T = context tokens of the two streams (the header's order). */
export function tokenBatchSource(d: TokenData, T: number): BatchSource {
  return {
    seqLen: T,
    vocabSize: d.vocabSize,
    description: d.description,
    trainBatch: (step, micro, A, B, out) => trainBatch(d, step, micro, A, B, T, out),
    valBatch: (i, B, out) => valBatch(d, i, B, T, out),
  };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The window stride S of a stream with W windows (see the header). */
export function windowStride(W: number): number {
  let s = Math.max(1, Math.floor(0.6180339887498949 * W));
  while (gcd(s, W) !== 1) s++;
  return s;
}

/** Fills a batch of B windows of T tokens; window index of row r is firstWindow + r. */
export function windowBatch(tokens: TokenArray, firstWindow: number, B: number, T: number, out?: Batch): Batch {
  const W = Math.floor((tokens.length - 1) / T);
  if (W <= 0) throw new KotodamaError(`train data: ${tokens.length} tokens cannot fill one window of T + 1 = ${T + 1} tokens (more data, or a smaller context)`);
  const S = windowStride(W);
  const inputs = out?.inputs ?? new Int32Array(B * T);
  const targets = out?.targets ?? new Int32Array(B * T);
  for (let r = 0; r < B; r++) {
    const o = Number((BigInt(firstWindow + r) * BigInt(S)) % BigInt(W)) * T; // exact for any step count
    for (let t = 0; t < T; t++) {
      inputs[r * T + t] = tokens[o + t];
      targets[r * T + t] = tokens[o + t + 1];
    }
  }
  return { inputs, targets };
}

/** The micro-batch m of step s (see the header). */
export const trainBatch = (d: TokenData, step: number, micro: number, gradAccum: number, B: number, T: number, out?: Batch): Batch =>
  windowBatch(d.train, (step * gradAccum + micro) * B, B, T, out);

/** Validation batch i. */
export const valBatch = (d: TokenData, i: number, B: number, T: number, out?: Batch): Batch => windowBatch(d.val, i * B, B, T, out);

function readAll(r: ShardReader): Uint32Array {
  const out = new Uint32Array(r.tokenCount);
  const chunk = 1 << 20;
  const buf = new Int32Array(chunk);
  for (let s = 0; s < r.tokenCount; s += chunk) {
    const n = Math.min(chunk, r.tokenCount - s);
    r.read(s, n, buf);
    out.set(buf.subarray(0, n), s);
  }
  return out;
}

/** True when the file starts with the token-shard magic. */
function isShardFile(p: string): boolean {
  if (!statSync(p).isFile()) return false;
  const fd = openSync(p, "r");
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.toString("latin1") === SHARD_MAGIC;
  } finally {
    closeSync(fd);
  }
}

export interface LoadDataOptions {
  /** Training inputs: a prepared data folder (manifest.json), token shard files, or text files. */
  readonly paths: readonly string[];
  /** Validation inputs of the same kinds; default: the folder's val split, else the last valFraction of train. */
  readonly valPaths?: readonly string[];
  /** Needed for text files. */
  readonly tokenizer?: Tokenizer | null;
  /** Held-out share of the train stream when there is no validation input (default 0.1). */
  readonly valFraction?: number;
}

interface Loaded {
  tokens: TokenArray;
  vocabSize: number;
  val: TokenArray | null;
  tokenizerPath: string | null;
}

function loadPaths(paths: readonly string[], tok: Tokenizer | null, role: string): Loaded {
  if (paths.length === 0) throw new KotodamaError(`train: no ${role} data given (--data FILE_OR_DIR ...)`);
  for (const p of paths) if (!existsSync(p)) throw new KotodamaError(`train: ${role} data '${p}' does not exist`);
  if (paths.length === 1 && statSync(paths[0]).isDirectory()) {
    const dir = paths[0];
    const m = readManifest(dir);
    const tr = openSplit(dir, "train");
    const tokens = readAll(tr);
    tr.close();
    let val: TokenArray | null = null;
    if (m.splits.val.shards.length > 0) {
      const vr = openSplit(dir, "val");
      val = readAll(vr);
      vr.close();
    }
    let tokenizerPath: string | null = null;
    if (m.tokenizer !== null) {
      const cands = [isAbsolute(m.tokenizer.path) ? m.tokenizer.path : join(dir, m.tokenizer.path), join(dir, "tokenizer.json")];
      tokenizerPath = cands.find((c) => existsSync(c)) ?? null;
    }
    return { tokens, vocabSize: m.tokenizer?.vocabSize ?? tr.vocabSize, val, tokenizerPath };
  }
  for (const p of paths) if (statSync(p).isDirectory()) throw new KotodamaError(`train: ${role} data '${p}' is a folder: pass one prepared data folder alone, or files`);
  const shards = paths.filter(isShardFile);
  if (shards.length === paths.length) {
    const r = new ShardReader(shards);
    const tokens = readAll(r);
    r.close();
    const guess = join(dirname(shards[0]), "tokenizer.json");
    return { tokens, vocabSize: r.vocabSize, val: null, tokenizerPath: existsSync(guess) ? guess : null };
  }
  if (shards.length > 0) throw new KotodamaError(`train: ${role} data mixes token shards and text files; pass one kind`);
  if (tok === null) throw new KotodamaError(`train: ${role} data are text files; give a tokenizer (--tokenizer FILE) or let train build one`);
  return { tokens: tokenStream(tok, paths.map((p) => readFileSync(p, "utf8"))), vocabSize: tok.vocabSize, val: null, tokenizerPath: null };
}

/** One token stream from documents: each encoded without BOS and followed by the tokenizer's EOS (if any). */
export function tokenStream(tok: Tokenizer, docs: Iterable<string>): TokenArray {
  const parts: number[][] = [];
  let total = 0;
  for (const d of docs) {
    const ids = tok.encode(d, { addBos: false });
    if (tok.special.eos !== undefined) ids.push(tok.special.eos);
    parts.push(ids);
    total += ids.length;
  }
  const tokens = tok.vocabSize <= 65536 ? new Uint16Array(total) : new Uint32Array(total);
  let at = 0;
  for (const ids of parts) {
    tokens.set(ids, at);
    at += ids.length;
  }
  return tokens;
}

/** Loads train and validation token streams. */
export function loadTokenData(o: LoadDataOptions): TokenData {
  const tok = o.tokenizer ?? null;
  const train = loadPaths(o.paths, tok, "train");
  let val = train.val;
  let trainTokens = train.tokens;
  if (o.valPaths !== undefined && o.valPaths.length > 0) {
    const v = loadPaths(o.valPaths, tok, "validation");
    if (v.vocabSize !== train.vocabSize) throw new KotodamaError(`train: validation data vocabulary ${v.vocabSize} differs from the train data's ${train.vocabSize}`);
    val = v.tokens;
  } else if (val === null) {
    const f = o.valFraction ?? 0.1;
    if (!(f > 0 && f < 1)) throw new KotodamaError(`train: valFraction must be in (0, 1), got ${f}`);
    const cut = Math.floor(trainTokens.length * (1 - f));
    val = trainTokens.subarray(cut);
    trainTokens = trainTokens.subarray(0, cut);
  }
  const description = `${o.paths.join(", ")} (${trainTokens.length} train / ${val.length} val tokens)`;
  return { train: trainTokens, val, vocabSize: train.vocabSize, description, tokenizerPath: train.tokenizerPath };
}

/** Largest token id in the stream + 1 (0 when empty). */
export function maxId(tokens: TokenArray): number {
  let m = -1;
  for (let i = 0; i < tokens.length; i++) if (tokens[i] > m) m = tokens[i];
  return m + 1;
}
