// The causal self-attention module: input projections (GPT-2's fused c_attn, or Llama's q/k/v), optional
// RoPE, fused grouped-query attention, output projection. Not here: the KV cache and decoding (infer/).
import type { I32 } from "../engine/ops.js";
import type { Tensor } from "../tensor/index.js";
import { attention, reshape, split } from "../tensor/index.js";
import { linearForward, type LinearWeights } from "./linear.js";
import { normForward, type NormWeights } from "./norm.js";
import { ropeForward, type RopeSettings } from "./rope.js";

/** The input projection: fused rows [q (H·D); k (Hkv·D); v (Hkv·D)] of one (out, in) matrix, or three. */
export type QkvWeights =
  | { readonly kind: "fused"; readonly qkv: LinearWeights }
  | { readonly kind: "split"; readonly q: LinearWeights; readonly k: LinearWeights; readonly v: LinearWeights };

export interface AttentionWeights {
  readonly qkv: QkvWeights;
  readonly o: LinearWeights; // (C, H·D)
  /** RMSNorm over each q and k head (D) before RoPE (Qwen3, Gemma 3), or null. */
  readonly qNorm: NormWeights | null;
  readonly kNorm: NormWeights | null;
}

export interface AttentionShape {
  readonly nHeads: number; // H
  readonly nKvHeads: number; // Hkv
  readonly headDim: number; // D
  /** Score scale (default 1/√D), sliding window (0 = none) and score soft-cap (0 = none) of this layer. */
  readonly scale?: number;
  readonly window?: number;
  readonly softcap?: number;
}

/** q (B, T, H·D), k and v (B, T, Hkv·D) from h (B, T, C). */
export function projectQkv(w: QkvWeights, h: Tensor, s: AttentionShape): { q: Tensor; k: Tensor; v: Tensor } {
  if (w.kind === "split") return { q: linearForward(w.q, h), k: linearForward(w.k, h), v: linearForward(w.v, h) };
  const qd = s.nHeads * s.headDim;
  const kd = s.nKvHeads * s.headDim;
  const [q, k, v] = split(linearForward(w.qkv, h), [qd, kd, kd], -1);
  return { q, k, v };
}

/** Causal self-attention of h (B, T, C) → (B, T, C). rope: settings and positions (T, or B·T per row), or null.
 *  segments: document ids (B·T) of packed examples, each attending only within itself (see AttentionArgs), with
 *  positions from packedPositions(segments, T) for RoPE; null = one sequence per row. */
export function attentionForward(w: AttentionWeights, h: Tensor, s: AttentionShape, rope: { settings: RopeSettings; pos: I32 } | null, segments: I32 | null = null): Tensor {
  const [B, T] = h.shape;
  const { nHeads: H, nKvHeads: Hkv, headDim: D } = s;
  const p = projectQkv(w.qkv, h, s);
  let q = reshape(p.q, [B, T, H, D]);
  let k = reshape(p.k, [B, T, Hkv, D]);
  const v = reshape(p.v, [B, T, Hkv, D]);
  if (w.qNorm !== null) q = normForward(w.qNorm, q); // over D, per head
  if (w.kNorm !== null) k = normForward(w.kNorm, k);
  if (rope !== null) {
    q = ropeForward(q, rope.pos, rope.settings);
    k = ropeForward(k, rope.pos, rope.settings);
  }
  const y = attention(q, k, v, { causal: true, ...(s.scale === undefined ? {} : { scale: s.scale }), window: s.window ?? 0, softcap: s.softcap ?? 0, segments }); // (B, T, H, D)
  return linearForward(w.o, reshape(y, [B, T, H * D]));
}
