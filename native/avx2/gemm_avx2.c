/* AVX2+FMA GEMM kernels: a 6×16 micro-kernel (12 ymm accumulators, one FMA chain per element in k order) and
 * the matrix-vector kernels. Not here: packing, blocking, threads (native/generic/gemm.c). Compiled with
 * -mavx2 -mfma; only called when kd_cpu_isa() allows it. */
#include <immintrin.h>
#include <math.h>
#include "kd_gemm_internal.h"
#include "kd_gemm_pack_x86.h"

#define MR 6
#define NR 16

static inline float finish(float t, float c, float alpha, float beta) {
  return beta == 0.0f ? alpha * t : beta == 1.0f ? fmaf(alpha, t, c) : fmaf(beta, c, alpha * t);
}

static void ukr(int64_t kc, const float *restrict pa, const float *restrict pb, float *restrict c, int64_t ldc,
                int64_t mr, int64_t nr, float alpha, float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
         c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t i = 0; i < mr; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_load_ps(pb), b1 = _mm256_load_ps(pb + 8);
    __m256 a;
    a = _mm256_broadcast_ss(pa + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(pa + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(pa + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(pa + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(pa + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(pa + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
    pa += MR;
    pb += NR;
  }
  const __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (nr == NR) {
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    for (int64_t i = 0; i < mr; i++) {
      float *ci = c + i * ldc;
      for (int v = 0; v < 2; v++) {
        __m256 r;
        if (beta == 0.0f) r = _mm256_mul_ps(va, acc[i][v]);
        else if (beta == 1.0f) r = _mm256_fmadd_ps(va, acc[i][v], _mm256_loadu_ps(ci + 8 * v));
        else r = _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci + 8 * v), _mm256_mul_ps(va, acc[i][v]));
        _mm256_storeu_ps(ci + 8 * v, r);
      }
    }
  } else { /* edge tile: same arithmetic, one element at a time (fmaf is the same fused operation) */
    float t[MR][NR];
    for (int i = 0; i < MR; i++) {
      _mm256_storeu_ps(t[i], acc[i][0]);
      _mm256_storeu_ps(t[i] + 8, acc[i][1]);
    }
    for (int64_t i = 0; i < mr; i++)
      for (int64_t j = 0; j < nr; j++) c[i * ldc + j] = finish(t[i][j], c[i * ldc + j], alpha, beta);
  }
}

static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* y[j] = Σ_k x[k]·w[k·ldw + j]: y (in L1) takes four rows per pass, each row read as one contiguous stretch;
 * every y[j] is one FMA chain in k order (fmaf in the scalar tail is the same fused operation). */
static void gemv_rows(int64_t k, int64_t n, const float *x, const float *w, int64_t ldw, float *y) {
  const int64_t n8 = n & ~(int64_t)7;
  for (int64_t j = 0; j < n; j++) y[j] = 0.0f;
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) {
    const __m256 x0 = _mm256_broadcast_ss(x + p), x1 = _mm256_broadcast_ss(x + p + 1),
                 x2 = _mm256_broadcast_ss(x + p + 2), x3 = _mm256_broadcast_ss(x + p + 3);
    const float *w0 = w + p * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
    for (int64_t j = 0; j < n8; j += 8) {
      __m256 v = _mm256_loadu_ps(y + j);
      v = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + j), v);
      v = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + j), v);
      v = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w2 + j), v);
      v = _mm256_fmadd_ps(x3, _mm256_loadu_ps(w3 + j), v);
      _mm256_storeu_ps(y + j, v);
    }
    for (int64_t j = n8; j < n; j++)
      y[j] = fmaf(x[p + 3], w3[j], fmaf(x[p + 2], w2[j], fmaf(x[p + 1], w1[j], fmaf(x[p], w0[j], y[j]))));
  }
  for (; p < k; p++) {
    const __m256 x0 = _mm256_broadcast_ss(x + p);
    const float *w0 = w + p * ldw;
    int64_t j = 0;
    for (; j < n8; j += 8) _mm256_storeu_ps(y + j, _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + j), _mm256_loadu_ps(y + j)));
    for (; j < n; j++) y[j] = fmaf(x[p], w0[j], y[j]);
  }
}

/* y[j] = Σ_k x[k]·w[j·ldw + k]: two 8-lane partial sums per row (stride 16), scalar tail, same for every row. */
static void gemv_dots(int64_t k, int64_t n, const float *x, const float *w, int64_t ldw, float *y) {
  int64_t j = 0;
  const int64_t k16 = k & ~(int64_t)15;
  for (; j + 2 <= n; j += 2) {
    const float *r0 = w + j * ldw, *r1 = r0 + ldw;
    __m256 s0 = _mm256_setzero_ps(), t0 = s0, s1 = s0, t1 = s0;
    for (int64_t p = 0; p < k16; p += 16) {
      const __m256 x0 = _mm256_loadu_ps(x + p), x1 = _mm256_loadu_ps(x + p + 8);
      s0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r0 + p), s0);
      t0 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r0 + p + 8), t0);
      s1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r1 + p), s1);
      t1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r1 + p + 8), t1);
    }
    float y0 = hsum(_mm256_add_ps(s0, t0)), y1 = hsum(_mm256_add_ps(s1, t1));
    for (int64_t p = k16; p < k; p++) {
      y0 = fmaf(x[p], r0[p], y0);
      y1 = fmaf(x[p], r1[p], y1);
    }
    y[j] = y0;
    y[j + 1] = y1;
  }
  for (; j < n; j++) {
    const float *r0 = w + j * ldw;
    __m256 s0 = _mm256_setzero_ps(), t0 = s0;
    for (int64_t p = 0; p < k16; p += 16) {
      s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + p), _mm256_loadu_ps(r0 + p), s0);
      t0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + p + 8), _mm256_loadu_ps(r0 + p + 8), t0);
    }
    float y0 = hsum(_mm256_add_ps(s0, t0));
    for (int64_t p = k16; p < k; p++) y0 = fmaf(x[p], r0[p], y0);
    y[j] = y0;
  }
}

static void pack_a(int mr, const float *a, int64_t lda, int trans, int64_t i0, int64_t mb, int64_t p0, int64_t kb,
                   float *dst) {
  kd_pack_a_x86(mr, a, lda, trans, i0, mb, p0, kb, dst);
}
static void pack_b(int nr, const float *b, int64_t ldb, int trans, int64_t p0, int64_t kb, int64_t j0, int64_t nb,
                   float *dst) {
  kd_pack_b_x86(nr, b, ldb, trans, p0, kb, j0, nb, dst);
}

const kd_gemm_kernel kd_gemm_kernel_avx2 = {"avx2", MR, NR, 1536, 256, 384, ukr, pack_a, pack_b, gemv_rows, gemv_dots};
