// Matrix products with their gradient rules: batched matmul with transposes and a broadcast operand, and
// linear (x·Wᵀ + b with the Hugging Face weight layout (out, in)). Not here: attention (attention.ts).
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
}

/** One batched gemm; when C is broadcast (strideC 0, a gradient summed over the batch) the items run one by
 *  one, each accumulating, so that no kernel ever races on a shared output. */
function gemm(g: Graph, p: GemmCall): void {
  if (p.strideC !== 0 || p.batch <= 1) {
    g.backend.gemm({ ...p, alpha: 1 });
    return;
  }
  for (let i = 0; i < p.batch; i++) {
    const a = p.a.subarray(i * p.strideA);
    const b = p.b.subarray(i * p.strideB);
    g.backend.gemm({ ...p, a, b, batch: 1, beta: i === 0 ? p.beta : 1, alpha: 1 });
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
  if (bias !== null) g.backend.broadcast({ x: bias.data, xShape: bias.shape, out: out.data, outShape: [rows, nOut] });
  const beta = bias !== null ? 1 : 0;
  gemm(g, { transA: false, transB: true, m: rows, n: nOut, k: nIn, a: x.data, lda: nIn, strideA: 0, b: weight.data, ldb: nIn, strideB: 0, c: out.data, ldc: nOut, strideC: 0, batch: 1, beta });
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
