/* Single-precision GEMM of kotodama: C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] for b < batch, row-major.
 * Not here: argument checking (the caller, native/binding/, validates sizes against buffer lengths).
 *
 * Semantics are those of GemmArgs in src/engine/ops.ts: op(X) = X or Xᵀ (trans_*), op(A) is m×k, op(B) is
 * k×n, C is m×n with leading dimension ldc; A[b] starts at a + b·stride_a (stride 0 = one A for every batch;
 * same for B and C). beta == 0 overwrites C (NaN/Inf already in C are ignored). Runs on the kd_threadpool;
 * results depend on the shapes and the ISA path, never on the thread count.
 * bias (n floats, or NULL; only with beta == 0): every row of every C[b] starts from bias instead, rounded exactly
 * as beta = 1 on a C prefilled with the bias rows (the linear layer's y = x·Wᵀ + b), but filled tile by tile in
 * cache by the blocked product rather than by a separate pass over C. */
#ifndef KD_GEMM_H
#define KD_GEMM_H
#include <stdint.h>

typedef struct {
  int trans_a, trans_b;
  int64_t m, n, k;
  float alpha, beta;
  const float *a; int64_t lda, stride_a;
  const float *b; int64_t ldb, stride_b;
  float *c; int64_t ldc, stride_c;
  int64_t batch;
  const float *bias; /* last, so that positional initializers leave it NULL */
} kd_gemm_args;

void kd_sgemm(const kd_gemm_args *args);

#endif
