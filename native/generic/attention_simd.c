/* Portable C versions of the attention/cross-entropy vector primitives, and the run-time choice of ISA table.
 * Not here: the AVX2 and AVX-512 tables (native/avx2/attention_avx2.c, native/avx512/attention_avx512.c). */
#include <math.h>
#include <string.h>
#include "kd_attn_simd.h"
#include "kd_cpu.h"

static void gemm_generic(int64_t m, int64_t n, int64_t k, const float *a, int64_t ars, int64_t acs, const float *b,
                         int64_t ldb, float *c, int64_t ldc, int accumulate) {
  for (int64_t i = 0; i < m; i++) {
    float *ci = c + i * ldc;
    if (!accumulate) memset(ci, 0, (size_t)n * sizeof(float));
    for (int64_t p = 0; p < k; p++) {
      const float aip = a[i * ars + p * acs];
      const float *bp = b + p * ldb;
      for (int64_t j = 0; j < n; j++) ci[j] += aip * bp[j];
    }
  }
}

static void gemm_nt_generic(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                            float *c, int64_t ldc) {
  for (int64_t i = 0; i < m; i++) {
    const float *ai = a + i * lda;
    for (int64_t j = 0; j < n; j++) {
      const float *bj = b + j * ldb;
      float acc[4] = {0, 0, 0, 0};
      int64_t p = 0;
      for (; p + 4 <= k; p += 4)
        for (int u = 0; u < 4; u++) acc[u] += ai[p + u] * bj[p + u];
      for (; p < k; p++) acc[0] += ai[p] * bj[p];
      c[i * ldc + j] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
  }
}

static float max_generic(const float *x, int64_t n) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
  return m;
}

static float exp_sum_generic(float *dst, const float *x, int64_t n, float shift) {
  double s = 0.0; /* a plain float running sum loses ~1e-5 relative over a 150k vocabulary */
  for (int64_t i = 0; i < n; i++) {
    const float e = expf(x[i] - shift);
    if (dst) dst[i] = e;
    s += e;
  }
  return (float)s;
}

static void exp_axpy_generic(float *dx, const float *x, int64_t n, float shift, float g) {
  for (int64_t i = 0; i < n; i++) dx[i] += g * expf(x[i] - shift);
}

void kd_attn_transpose_generic(const float *src, int64_t rows, int64_t cols, int64_t lds, float *dst, int64_t ldd) {
  for (int64_t j0 = 0; j0 < rows; j0 += 16) /* 16 rows at a time: reads stay in few cache lines */
    for (int64_t x = 0; x < cols; x++)
      for (int64_t j = j0; j < (rows < j0 + 16 ? rows : j0 + 16); j++) dst[x * ldd + j] = src[j * lds + x];
}

const kd_attn_simd kd_attn_simd_generic = {
    "generic", gemm_generic, gemm_nt_generic, max_generic, exp_sum_generic, exp_axpy_generic,
    kd_attn_transpose_generic,
};

/* The table for the ISA in use (kd_cpu.h: the best the CPU and OS support, lowered by KOTODAMA_ISA or
 * kd_cpu_force_isa); asked on every call, which is cheap, so a forced switch takes effect at once. */
const kd_attn_simd *kd_attn_simd_best(void) {
#if defined(__x86_64__) || defined(__i386__) /* elsewhere (e.g. WebAssembly) only the portable table is built */
  switch (kd_cpu_isa()) {
    case KD_ISA_AVX512: return &kd_attn_simd_avx512;
    case KD_ISA_AVX2: return &kd_attn_simd_avx2;
    default: break;
  }
#endif
  return &kd_attn_simd_generic;
}
