// The decoder's weights laid out for inference, for every family: per layer one fused q|k|v matrix and one fused
// gate|up matrix (fewer kernel calls per token), every Linear (out, in), biases and norms beside them. Built once from the
// Hugging Face-named tensors of models/load.ts; immutable afterwards. Not here: the forward pass (forward.ts),
// reading files (models/).
import type { QuantType } from "../engine/ops.js";
import type { ModelConfig } from "../models/config.js";
import { headDim, isGated, kvDim, qDim, ropeDims, weightNaming } from "../models/config.js";
import { tensorValues, type ModelTensors, type QuantTensor } from "../models/load.js";
import { namedWeights, topNames, type DecoderWeights } from "../models/weights.js";
import { ShapeError } from "../util/errors.js";

type F32 = Float32Array;

/** Quantized (out, in) rows read by the engine's quantMatmul. */
export interface QuantRows {
  readonly type: QuantType;
  readonly bytes: Uint8Array;
  readonly rows: number;
  readonly cols: number;
  readonly rowBytes: number;
}

/** A weight matrix (out, in): f32 values or quantized rows. */
export type Matrix = F32 | QuantRows;

export interface NormWeights {
  readonly weight: F32; // (C)
  readonly bias: F32 | null; // (C), LayerNorm only
}

export interface InferLayer {
  readonly norm1: NormWeights;
  /** Rows [q (H·D); k (Hkv·D); v (Hkv·D)] of an (out, in) = ((H + 2·Hkv)·D, C) matrix: stacked from separate
   *  q/k/v projections, or a family's fused one (GPT-2 c_attn, Phi-3 qkv_proj). */
  readonly wqkv: Matrix | MatrixParts;
  readonly bqkv: F32 | null; // ((H + 2·Hkv)·D)
  /** RMSNorm weights (D) over each q and k head (qkNorm). */
  readonly qNorm: F32 | null;
  readonly kNorm: F32 | null;
  readonly wo: Matrix; // (C, H·D)
  readonly bo: F32 | null; // (C)
  readonly postAttnNorm: NormWeights | null; // postNorms
  readonly norm2: NormWeights;
  /** Gated MLPs: rows [gate (F); up (F)] of a (2F, C) matrix; GELU: the up (c_fc) rows (F, C). */
  readonly wUp: Matrix | MatrixParts;
  readonly bUp: F32 | null; // (2F) or (F), like wUp
  readonly wDown: Matrix; // (C, F)
  readonly bDown: F32 | null; // (C)
  readonly postFfnNorm: NormWeights | null; // postNorms
}

export interface InferWeights {
  readonly config: ModelConfig;
  /** (V, C): f32, or the file's quantized rows (a row is dequantized when a token is looked up; a tied head
   *  multiplies them as stored, as llama.cpp does). */
  readonly embed: Matrix;
  readonly posEmbed: F32 | null; // (context, C) for learned positions
  readonly layers: readonly InferLayer[];
  readonly normF: NormWeights;
  readonly lmHead: Matrix; // (V, C); the embedding itself when tied
  /** Per-pair RoPE frequency divisors (rotaryDim/2) of the global layers: Llama 3.1's rope_freqs, or linear
   *  scaling's constant factor; null = plain RoPE. */
  readonly ropeFreqs: F32 | null;
}

const isQuant = (m: Matrix): m is QuantRows => !(m instanceof Float32Array);

/** Rows [r0, r1) of a matrix as a view. */
export function matrixRows(m: Matrix, cols: number, r0: number, r1: number): Matrix {
  if (!isQuant(m)) return m.subarray(r0 * cols, r1 * cols);
  return { ...m, bytes: m.bytes.subarray(r0 * m.rowBytes, r1 * m.rowBytes), rows: r1 - r0 };
}

/** Row blocks of one projection kept apart because their types differ (a Q4_K_M file stores attn_v and ffn_down
 *  as Q6_K beside Q4_K): the forward multiplies each part as stored — as llama.cpp does — instead of
 *  dequantizing the group to f32. */
export type MatrixParts = readonly Matrix[];

/** Rows of several matrices stacked into one when they share one type (f32, or one quantized type); otherwise
 *  the parts as they are. A single part is used as is. */
function stackRows(parts: readonly Matrix[], cols: number): Matrix | MatrixParts {
  if (parts.length === 1) return parts[0]!;
  const q = parts.filter(isQuant);
  if (q.length === parts.length && q.every((p) => p.type === q[0]!.type)) {
    const bytes = new Uint8Array(q.reduce((s, p) => s + p.bytes.length, 0));
    let at = 0;
    for (const p of q) {
      bytes.set(p.bytes, at);
      at += p.bytes.length;
    }
    return { type: q[0]!.type, bytes, rows: q.reduce((s, p) => s + p.rows, 0), cols, rowBytes: q[0]!.rowBytes };
  }
  if (q.length > 0) return parts;
  const f = parts as readonly F32[];
  const out = new Float32Array(f.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of f) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function stackF32(parts: readonly F32[]): F32 {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Lays out weights by kotodama name (models/families/: Llama's or GPT-2's HF names; matrices (out, in), f32 or
 *  quantized rows) for inference. Missing or mis-sized weights are errors naming them. */
export function packWeights(config: ModelConfig, t: ModelTensors): InferWeights {
  const { dim: C, vocabSize: V, hiddenDim: F } = config;
  const qd = qDim(config);
  const kv = kvDim(config);
  const D = headDim(config);
  const naming = weightNaming(config);
  const top = topNames(naming);
  const need = (name: string, rows: number, cols: number): Matrix => {
    const x = t.get(name);
    if (x === undefined) throw new ShapeError(`model weights: missing "${name}"`);
    const q = x as QuantTensor;
    if (x instanceof Float32Array) {
      if (x.length !== rows * cols) throw new ShapeError(`model weights: "${name}" has ${x.length} values, expected ${rows}×${cols}`);
      return x;
    }
    if (q.shape[0] !== rows || q.shape[1] !== cols) throw new ShapeError(`model weights: "${name}" is [${q.shape.join(", ")}], expected [${rows}, ${cols}]`);
    return { type: q.type, bytes: q.bytes, rows, cols, rowBytes: q.bytes.length / rows };
  };
  const f32 = (name: string, n: number): F32 => {
    const m = need(name, 1, n);
    return isQuant(m) ? tensorValues({ type: m.type, bytes: m.bytes, shape: [1, n] }) : m;
  };
  const opt = (name: string, n: number): F32 | null => (config.bias ? f32(name, n) : null);
  const norm = (prefix: string): NormWeights => ({ weight: f32(`${prefix}.weight`, C), bias: config.norm === "layer" ? f32(`${prefix}.bias`, C) : null });
  const embed = need(top.tokEmb, V, C);
  const gated = isGated(config);
  const layers: InferLayer[] = [];
  for (let i = 0; i < config.nLayers; i++) {
    let wqkv: Matrix | MatrixParts;
    let bqkv: F32 | null;
    let n1: string, n2: string, o: string, down: string;
    let wUp: Matrix | MatrixParts, bUp: F32 | null;
    if (naming === "gpt2") {
      const p = `transformer.h.${i}`;
      wqkv = need(`${p}.attn.c_attn.weight`, qd + 2 * kv, C);
      bqkv = opt(`${p}.attn.c_attn.bias`, qd + 2 * kv);
      [n1, n2, o, down] = [`${p}.ln_1`, `${p}.ln_2`, `${p}.attn.c_proj`, `${p}.mlp.c_proj`];
      wUp = need(`${p}.mlp.c_fc.weight`, F, C);
      bUp = opt(`${p}.mlp.c_fc.bias`, F);
    } else {
      const p = `model.layers.${i}`;
      const a = (x: string): string => `${p}.self_attn.${x}_proj`;
      const fused = t.has(`${a("qkv")}.weight`); // Phi-3
      wqkv = fused ? need(`${a("qkv")}.weight`, qd + 2 * kv, C) : stackRows([need(`${a("q")}.weight`, qd, C), need(`${a("k")}.weight`, kv, C), need(`${a("v")}.weight`, kv, C)], C);
      bqkv = config.bias || config.qkvBias ? stackF32([f32(`${a("q")}.bias`, qd), f32(`${a("k")}.bias`, kv), f32(`${a("v")}.bias`, kv)]) : null;
      [n1, n2, o, down] = [`${p}.input_layernorm`, `${p}.post_attention_layernorm`, a("o"), `${p}.mlp.down_proj`];
      const m = (x: string): string => `${p}.mlp.${x}`;
      if (t.has(`${m("gate_up_proj")}.weight`)) {
        wUp = need(`${m("gate_up_proj")}.weight`, 2 * F, C); // Phi-3: rows [gate; up]
        bUp = null;
      } else if (gated) {
        wUp = stackRows([need(`${m("gate_proj")}.weight`, F, C), need(`${m("up_proj")}.weight`, F, C)], C);
        bUp = config.bias ? stackF32([f32(`${m("gate_proj")}.bias`, F), f32(`${m("up_proj")}.bias`, F)]) : null;
      } else {
        wUp = need(`${m("up_proj")}.weight`, F, C);
        bUp = opt(`${m("up_proj")}.bias`, F);
      }
    }
    const p = `model.layers.${i}`;
    layers.push({
      norm1: norm(n1), wqkv, bqkv,
      qNorm: config.qkNorm ? f32(`${p}.self_attn.q_norm.weight`, D) : null,
      kNorm: config.qkNorm ? f32(`${p}.self_attn.k_norm.weight`, D) : null,
      wo: need(`${o}.weight`, C, qd), bo: opt(`${o}.bias`, C),
      postAttnNorm: config.postNorms ? norm(`${p}.post_attn_norm`) : null,
      norm2: norm(n2), wUp, bUp,
      wDown: need(`${down}.weight`, C, F), bDown: opt(`${down}.bias`, C),
      postFfnNorm: config.postNorms ? norm(`${p}.post_ffn_norm`) : null,
    });
  }
  const R = ropeDims(config) / 2;
  const freqs = t.get("model.rope_freqs");
  const ropeFreqs = freqs !== undefined ? f32("model.rope_freqs", R) : config.ropeScale !== 1 ? new Float32Array(R).fill(config.ropeScale) : null;
  return {
    config, embed, posEmbed: config.pos === "learned" ? f32(top.posEmb, config.context * C) : null, layers,
    normF: norm(top.finalNorm), lmHead: config.tieEmbeddings ? embed : need(top.lmHead, V, C), ropeFreqs,
  };
}

/** packWeights for the training decoder's weights (e.g. samples during training); shares their storage
 *  except for the fused q|k|v and gate|up copies. */
export function packDecoderWeights(config: ModelConfig, w: DecoderWeights): InferWeights {
  return packWeights(config, new Map(namedWeights(w).map((n) => [n.name, n.tensor.data])));
}
