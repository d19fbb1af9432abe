// Reference GEMM: C[b] = alpha · op(A[b]) · op(B[b]) + beta · C[b], the triple loop with double accumulation.
// Not here: blocking, packing or threads (native/), and the backward, which callers compose from gemm itself
// (dA = dC · op(B)ᵀ, dB = op(A)ᵀ · dC with beta = 1 to accumulate).

import type { GemmArgs } from "../../ops.js";

/** As BLAS does, beta = 0 means C is not read (so stale NaN/inf in C never leaks into the result). */
export function gemm(args: GemmArgs): void {
  const { transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, c, ldc, strideC, batch, bias } = args;
  // bias: C prefilled with the bias rows, then beta = 1 (the definition in ops.ts).
  if (bias != null) for (let bi = 0; bi < batch; bi++) for (let i = 0; i < m; i++) c.set(bias.subarray(0, n), bi * strideC + i * ldc);
  const beta = bias != null ? 1 : args.beta;
  // Element (i, p) of op(A) and (p, j) of op(B), as (row step, column step) in the stored layout.
  const aRow = transA ? 1 : lda;
  const aCol = transA ? lda : 1;
  const bRow = transB ? 1 : ldb;
  const bCol = transB ? ldb : 1;
  for (let bi = 0; bi < batch; bi++) {
    const a0 = bi * strideA;
    const b0 = bi * strideB;
    const c0 = bi * strideC;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0; // double
        let ia = a0 + i * aRow;
        let ib = b0 + j * bCol;
        for (let p = 0; p < k; p++) {
          acc += a[ia] * b[ib];
          ia += aCol;
          ib += bRow;
        }
        const ic = c0 + i * ldc + j;
        c[ic] = beta === 0 ? alpha * acc : alpha * acc + beta * c[ic];
      }
    }
  }
}
