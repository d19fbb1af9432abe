// Matrix products with their gradient rules: batched matmul with transposes and a broadcast operand, linear
// (x·Wᵀ + b with the Hugging Face weight layout (out, in)), and lowRankLinear (a Linear with a LoRA-style update
// B·A folded into its weight). Not here: attention (attention.ts), LoRA's modules and dropout (nn/lora.ts).
//
// Both backwards are gemm again (dA = dC·op(B)ᵀ, dB = op(A)ᵀ·dC, with the transposes folded into the gemm
// flags), writing with beta = 0 into a fresh gradient and beta = 1 to accumulate into a live one.

import type { F32 } from "../engine/ops.js";
import { ShapeError } from "../util/errors.js";
import type { Graph, Tensor } from "./tensor.js";
import { graphOf } from "./kit.js";
import { numel, sameShape, shapeStr } from "./shape.js";

export interface MatmulOptions {
  /** Use a's last two dims transposed. */
  readonly transA?: boolean;
  /** Use b's last two dims transposed. */
  readonly transB?: boolean;
}

interface GemmCall {
  readonly transA: boolean;
  readonly transB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: F32;
  readonly lda: number;
  readonly strideA: number;
  readonly b: F32;
  readonly ldb: number;
  readonly strideB: number;
  readonly c: F32;
  readonly ldc: number;
  readonly strideC: number;
  readonly batch: number;
  readonly beta: number;
  /** Default 1. */
  readonly alpha?: number;
  /** Rows of C start from it (beta must be 0): a Linear's bias, added by the gemm (see GemmArgs). */
  readonly bias?: F32 | null;
}

/** One batched gemm; when C is broadcast (strideC 0, a gradient summed over the batch) the items run one by
 *  one, each accumulating, so that no kernel ever races on a shared output. */
function gemm(g: Graph, p: GemmCall): void {
  if (p.strideC !== 0 || p.batch <= 1) {
    g.backend.gemm({ ...p, alpha: p.alpha ?? 1 });
    return;
  }
  for (let i = 0; i < p.batch; i++) {
    const a = p.a.subarray(i * p.strideA);
    const b = p.b.subarray(i * p.strideB);
    g.backend.gemm({ ...p, a, b, batch: 1, beta: i === 0 ? p.beta : 1, alpha: p.alpha ?? 1, bias: i === 0 ? p.bias : null });
  }
}

/** The gradient buffer of t for a gemm output: beta 0 when fresh (overwrite), 1 when live (accumulate). */
function gradTarget(g: Graph, t: Tensor): { c: F32; beta: number } {
  const { buf, fresh } = g.claimGrad(t);
  return { c: buf, beta: fresh ? 0 : 1 };
}

/** C = op(A)·op(B) over the last two dims. Leading (batch) dims must be equal, or one operand is 2-D and is
 *  broadcast over the other's batch (a stride-0 weight). a (..., M, K) · b (..., K, N) → (..., M, N). */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const g = graphOf("matmul", a, b);
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const bad = (why: string): ShapeError =>
    new ShapeError(`matmul: a ${shapeStr(a.shape)}${transA ? "ᵀ" : ""} and b ${shapeStr(b.shape)}${transB ? "ᵀ" : ""}: ${why}`);
  if (a.ndim < 2 || b.ndim < 2) throw bad("both operands need at least 2 dims");
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) throw bad(`inner dims ${k} and ${kb} differ`);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  if (aBatch.length > 0 && bBatch.length > 0 && !sameShape(aBatch, bBatch)) throw bad("batch dims differ");
  const batchShape = aBatch.length > 0 ? aBatch : bBatch;
  let batch = numel(batchShape);
  let mm = m;
  let strideA = aBatch.length > 0 ? m * k : 0;
  const strideB = bBatch.length > 0 ? k * n : 0;
  if (strideB === 0 && !transA) {
    // b is one matrix and a's items are stacked rows: a single (batch·M × K) product.
    mm = m * batch;
    batch = 1;
    strideA = 0;
  }
  const out = g.empty([...batchShape, m, n]);
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const strideC = mm * n;
  gemm(g, { transA, transB, m: mm, n, k, a: a.data, lda, strideA, b: b.data, ldb, strideB, c: out.data, ldc: n, strideC, batch, beta: 0 });
  if (g.needsGrad(a, b)) {
    g.record(out, (dC) => {
      if (a.requiresGrad) {
        const { c, beta } = gradTarget(g, a);
        if (!transA) {
          gemm(g, { transA: false, transB: !transB, m: mm, n: k, k: n, a: dC, lda: n, strideA: strideC, b: b.data, ldb, strideB, c, ldc: k, strideC: strideA, batch, beta });
        } else {
          gemm(g, { transA: transB, transB: true, m: k, n: mm, k: n, a: b.data, lda: ldb, strideA: strideB, b: dC, ldb: n, strideB: strideC, c, ldc: mm, strideC: strideA, batch, beta });
        }
      }
      if (b.requiresGrad) {
        const { c, beta } = gradTarget(g, b);
        if (!transB) {
          gemm(g, { transA: !transA, transB: false, m: k, n, k: mm, a: a.data, lda, strideA, b: dC, ldb: n, strideB: strideC, c, ldc: n, strideC: strideB, batch, beta });
        } else {
          gemm(g, { transA: true, transB: transA, m: n, n: k, k: mm, a: dC, lda: n, strideA: strideC, b: a.data, ldb: lda, strideB: strideA, c, ldc: k, strideC: strideB, batch, beta });
        }
      }
    });
  }
  return out;
}

/** y = x·Wᵀ + b: x (..., in), weight (out, in) as Hugging Face stores nn.Linear, bias (out) or null. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const g = graphOf("linear", x, weight, bias);
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight ${shapeStr(weight.shape)} must be 2-D (out, in)`);
  const [nOut, nIn] = weight.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== nIn) throw new ShapeError(`linear: x ${shapeStr(x.shape)} does not end in weight's in-dim ${nIn} (weight ${shapeStr(weight.shape)})`);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== nOut)) throw new ShapeError(`linear: bias ${shapeStr(bias.shape)} must be (${nOut})`);
  const rows = x.size / nIn; // N
  const out = g.empty([...x.shape.slice(0, -1), nOut]);
  // The bias rides in the gemm (C's rows start from it: the same sums as broadcasting it into C with beta = 1).
  gemm(g, { transA: false, transB: true, m: rows, n: nOut, k: nIn, a: x.data, lda: nIn, strideA: 0, b: weight.data, ldb: nIn, strideB: 0, c: out.data, ldc: nOut, strideC: 0, batch: 1, beta: 0, bias: bias?.data ?? null });
  if (g.needsGrad(x, weight, bias)) {
    g.record(out, (dy) => {
      if (x.requiresGrad) {
        const t = gradTarget(g, x); // dx (N, in) = dy (N, out) · W (out, in)
        gemm(g, { transA: false, transB: false, m: rows, n: nIn, k: nOut, a: dy, lda: nOut, strideA: 0, b: weight.data, ldb: nIn, strideB: 0, c: t.c, ldc: nIn, strideC: 0, batch: 1, beta: t.beta });
      }
      if (weight.requiresGrad) {
        const t = gradTarget(g, weight); // dW (out, in) = dyᵀ (out, N) · x (N, in)
        gemm(g, { transA: true, transB: false, m: nOut, n: nIn, k: rows, a: dy, lda: nOut, strideA: 0, b: x.data, ldb: nIn, strideB: 0, c: t.c, ldc: nIn, strideC: 0, batch: 1, beta: t.beta });
      }
      if (bias !== null && bias.requiresGrad) {
        g.writeGrad(bias, (dst) => g.backend.reduce({ op: "sum", x: dy, shape: [rows, nOut], axes: [0], out: dst }));
      }
    });
  }
  return out;
}

/** y = x·(W + s·B·A)ᵀ + b: x (N.., in), weight (out, in), bias (out) or null, a (r, in), b (out, r); the low-rank
 *  update of LoRA (Hu et al. 2021) without dropout. The update is folded into a copy of W for this call (one
 *  out×in×r product), so that the forward is one x·W'ᵀ product and dx one dy·W' product, as for a plain Linear,
 *  instead of two more products with an inner or outer dimension of r each way (slow, and memory-bound) and an
 *  add. Gradients of A and B are those of the unfolded form: with u = x·Aᵀ (N, r), dB = s·dyᵀ·u and
 *  dA = s·(dy·B)ᵀ·x; W and b get theirs when they require them (frozen in LoRA: skipped). Equals
 *  linear(x, W, b) + linear(scale(linear(x, A), s), B) up to the f32 rounding of W + s·B·A. */
export function lowRankLinear(x: Tensor, weight: Tensor, bias: Tensor | null, a: Tensor, b: Tensor, s: number): Tensor {
  const g = graphOf("lowRankLinear", x, weight, bias);
  graphOf("lowRankLinear", x, a, b);
  if (weight.ndim !== 2) throw new ShapeError(`lowRankLinear: weight ${shapeStr(weight.shape)} must be 2-D (out, in)`);
  const [nOut, nIn] = weight.shape;
  const r = a.shape[0];
  if (a.ndim !== 2 || a.shape[1] !== nIn || b.ndim !== 2 || b.shape[0] !== nOut || b.shape[1] !== r) {
    throw new ShapeError(`lowRankLinear: A ${shapeStr(a.shape)} and B ${shapeStr(b.shape)} must be (r, ${nIn}) and (${nOut}, r) for weight ${shapeStr(weight.shape)}`);
  }
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== nIn) throw new ShapeError(`lowRankLinear: x ${shapeStr(x.shape)} does not end in weight's in-dim ${nIn}`);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== nOut)) throw new ShapeError(`lowRankLinear: bias ${shapeStr(bias.shape)} must be (${nOut})`);
  const rows = x.size / nIn; // N
  const merged = g.empty([nOut, nIn]); // W' = W + s·B·A
  merged.data.set(weight.data);
  gemm(g, { transA: false, transB: false, m: nOut, n: nIn, k: r, a: b.data, lda: r, strideA: 0, b: a.data, ldb: nIn, strideB: 0, c: merged.data, ldc: nIn, strideC: 0, batch: 1, beta: 1, alpha: s });
  const out = g.empty([...x.shape.slice(0, -1), nOut]);
  gemm(g, { transA: false, transB: true, m: rows, n: nOut, k: nIn, a: x.data, lda: nIn, strideA: 0, b: merged.data, ldb: nIn, strideB: 0, c: out.data, ldc: nOut, strideC: 0, batch: 1, beta: 0, bias: bias?.data ?? null });
  if (!(g.needsGrad(x, weight, bias) || g.needsGrad(a, b))) return out;
  let u: Tensor | null = null; // x·Aᵀ (N, r), kept for dB
  if (b.requiresGrad) {
    u = g.empty([rows, r]);
    gemm(g, { transA: false, transB: true, m: rows, n: r, k: nIn, a: x.data, lda: nIn, strideA: 0, b: a.data, ldb: nIn, strideB: 0, c: u.data, ldc: r, strideC: 0, batch: 1, beta: 0 });
  }
  g.record(out, (dy) => {
    if (x.requiresGrad) {
      const t = gradTarget(g, x); // dx (N, in) = dy (N, out) · W' (out, in)
      gemm(g, { transA: false, transB: false, m: rows, n: nIn, k: nOut, a: dy, lda: nOut, strideA: 0, b: merged.data, ldb: nIn, strideB: 0, c: t.c, ldc: nIn, strideC: 0, batch: 1, beta: t.beta });
    }
    if (weight.requiresGrad) {
      const t = gradTarget(g, weight); // dW (out, in) = dyᵀ · x
      gemm(g, { transA: true, transB: false, m: nOut, n: nIn, k: rows, a: dy, lda: nOut, strideA: 0, b: x.data, ldb: nIn, strideB: 0, c: t.c, ldc: nIn, strideC: 0, batch: 1, beta: t.beta });
    }
    if (bias !== null && bias.requiresGrad) {
      g.writeGrad(bias, (dst) => g.backend.reduce({ op: "sum", x: dy, shape: [rows, nOut], axes: [0], out: dst }));
    }
    if (u !== null) {
      const t = gradTarget(g, b); // dB (out, r) = s · dyᵀ · u
      gemm(g, { transA: true, transB: false, m: nOut, n: r, k: rows, a: dy, lda: nOut, strideA: 0, b: u.data, ldb: r, strideB: 0, c: t.c, ldc: r, strideC: 0, batch: 1, beta: t.beta, alpha: s });
    }
    if (a.requiresGrad) {
      const dyB = g.empty([rows, r]); // dy (N, out) · B (out, r)
      gemm(g, { transA: false, transB: false, m: rows, n: r, k: nOut, a: dy, lda: nOut, strideA: 0, b: b.data, ldb: r, strideB: 0, c: dyB.data, ldc: r, strideC: 0, batch: 1, beta: 0 });
      const t = gradTarget(g, a); // dA (r, in) = s · (dy·B)ᵀ · x
      gemm(g, { transA: true, transB: false, m: r, n: nIn, k: rows, a: dyB.data, lda: r, strideA: 0, b: x.data, ldb: nIn, strideB: 0, c: t.c, ldc: nIn, strideC: 0, batch: 1, beta: t.beta, alpha: s });
    }
  });
  return out;
}
