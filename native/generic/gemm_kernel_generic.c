/* Portable C GEMM kernels (any CPU; the compiler vectorizes what it can): a 4×8 micro-kernel (8 SSE
 * accumulators, so it fits 16 registers) and the matrix-vector kernels. Not here: packing, blocking and
 * threads (gemm.c); the SIMD paths (avx2/, avx512/). */
#include <math.h>
#include "kd_gemm_internal.h"

#define MR 4
#define NR 8

static void ukr(int64_t kc, const float *restrict pa, const float *restrict pb, float *restrict c, int64_t ldc,
                int64_t mr, int64_t nr, float alpha, float beta) {
  float acc[MR][NR] = {{0}};
  for (int64_t k = 0; k < kc; k++) {
    for (int i = 0; i < MR; i++) {
      const float a = pa[i];
      for (int j = 0; j < NR; j++) acc[i][j] += a * pb[j];
    }
    pa += MR;
    pb += NR;
  }
  for (int64_t i = 0; i < mr; i++) {
    float *ci = c + i * ldc;
    for (int64_t j = 0; j < nr; j++) {
      const float t = alpha * acc[i][j];
      ci[j] = beta == 0.0f ? t : beta == 1.0f ? ci[j] + t : beta * ci[j] + t;
    }
  }
}

static void gemv_rows(int64_t k, int64_t n, const float *x, const float *w, int64_t ldw, float *y) {
  for (int64_t j = 0; j < n; j++) y[j] = 0.0f;
  for (int64_t p = 0; p < k; p++) {
    const float xp = x[p];
    const float *r = w + p * ldw;
    for (int64_t j = 0; j < n; j++) y[j] += xp * r[j];
  }
}

/* Eight partial sums per row (lane = k mod 8), reduced pairwise: the same order for every row. */
static void gemv_dots(int64_t k, int64_t n, const float *x, const float *w, int64_t ldw, float *y) {
  for (int64_t j = 0; j < n; j++) {
    const float *r = w + j * ldw;
    float s[8] = {0};
    int64_t p = 0;
    for (; p + 8 <= k; p += 8)
      for (int l = 0; l < 8; l++) s[l] += x[p + l] * r[p + l];
    for (int l = 0; p < k; p++, l++) s[l] += x[p] * r[p];
    y[j] = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
  }
}

const kd_gemm_kernel kd_gemm_kernel_generic = {"generic", MR, NR, 256, 256, 512, ukr, kd_gemm_pack_a_generic,
                                                  kd_gemm_pack_b_generic, gemv_rows, gemv_dots};
