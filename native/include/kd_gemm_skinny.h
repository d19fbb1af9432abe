/* The skinny GEMM of batched decode: C = alpha·A·Wᵀ + beta·C for a few rows of A (one per sequence) against a
 * row-major weight matrix W, each element summed as the m = 1 matrix-vector path sums it (bitwise equal rows).
 * Not here: the blocked GEMM (gemm.c) and its micro-kernels. */
#ifndef KD_GEMM_SKINNY_H
#define KD_GEMM_SKINNY_H
#include <stdint.h>
#include "kd_gemm_internal.h"

/* Rows of A up to which the skinny path is taken (above it the blocked product amortizes its packing). */
#define KD_SKINNY_MAX_M 32

/* Runs g on the skinny path and returns 1 when it applies (kernel set `kern` is AVX-512, one product,
 * op(A) = A, op(B) = Wᵀ, 2 ≤ m ≤ KD_SKINNY_MAX_M, k > 0, alpha ≠ 0); returns 0 and does nothing otherwise. */
int kd_sgemm_skinny(const kd_gemm_args *g, const kd_gemm_kernel *kern);
/* Whether kd_sgemm_skinny would take g (its conditions above), without running it. */
int kd_sgemm_skinny_applies(const kd_gemm_args *g, const kd_gemm_kernel *kern);

/* Columns [j0, j1) of C for all m rows, on the calling thread (native/avx512/gemm_skinny_avx512.c). */
void kd_sgemm_skinny_avx512(int64_t m, int64_t j0, int64_t j1, int64_t k, float alpha, float beta, const float *a,
                            int64_t lda, const float *w, int64_t ldw, float *c, int64_t ldc);

#endif
