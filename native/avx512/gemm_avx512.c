/* AVX-512 GEMM kernels: the register-tiled micro-kernel (MR rows × NV·16 columns of C held in zmm registers,
 * one FMA chain per element in k order) and the matrix-vector kernels. Not here: packing, blocking, threads
 * (native/generic/gemm.c). Compiled with -mavx512f/bw/vl/dq -mfma; only called when kd_cpu_isa() allows it. */
#include <immintrin.h>
#include "kd_gemm_internal.h"
#include "kd_gemm_pack_x86.h"

#define AI static inline __attribute__((always_inline))

static inline __mmask16 tail_mask(int64_t n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1); }

/* The micro-kernel body; MR and NV are compile-time constants after inlining, so acc[][] lives in registers. */
AI void ukr_impl(const int MR, const int NV, int64_t kc, const float *restrict pa, const float *restrict pb,
                 float *restrict c, int64_t ldc, int64_t mr, int64_t nr, float alpha, float beta) {
  __m512 acc[16][4];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
    if (i < mr) {
      _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
      _mm_prefetch((const char *)(c + i * ldc + NV * 16 - 1), _MM_HINT_T0);
    }
  }
  int64_t k = 0;
#pragma GCC unroll 4
  for (; k < kc; k++) {
    __m512 b[4];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) b[v] = _mm512_load_ps(pb + v * 16);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      __m512 a = _mm512_set1_ps(pa[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
    }
    pa += MR;
    pb += NV * 16;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  if (nr == NV * 16) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      if (i >= mr) break;
      float *ci = c + i * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        __m512 r;
        if (beta == 0.0f) r = _mm512_mul_ps(va, acc[i][v]);
        else if (beta == 1.0f) r = _mm512_fmadd_ps(va, acc[i][v], _mm512_loadu_ps(ci + v * 16));
        else r = _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci + v * 16), _mm512_mul_ps(va, acc[i][v]));
        _mm512_storeu_ps(ci + v * 16, r);
      }
    }
  } else {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      if (i >= mr) break;
      float *ci = c + i * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        const __mmask16 m = tail_mask(nr - v * 16 > 0 ? nr - v * 16 : 0);
        __m512 r;
        if (beta == 0.0f) r = _mm512_mul_ps(va, acc[i][v]);
        else if (beta == 1.0f) r = _mm512_fmadd_ps(va, acc[i][v], _mm512_maskz_loadu_ps(m, ci + v * 16));
        else r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m, ci + v * 16), _mm512_mul_ps(va, acc[i][v]));
        _mm512_mask_storeu_ps(ci + v * 16, m, r);
      }
    }
  }
}

#define UKR(MR, NV)                                                                                            \
  void kd_ukr_avx512_##MR##x##NV(int64_t kc, const float *pa, const float *pb, float *c, int64_t ldc, int64_t mr, \
                                 int64_t nr, float alpha, float beta) {                                         \
    ukr_impl(MR, NV, kc, pa, pb, c, ldc, mr, nr, alpha, beta);                                                 \
  }
/* 6×4 (6 rows × 64 columns, 24 accumulators) is the one in use: on Zen 5 all five shapes reach ≈ 250
 * GFLOP/s per core; it needs the fewest broadcasts per FMA and 64 divides the usual model widths. The others
 * stay for `dev/gemm/gemm_lab ukr` (re-tuning on another CPU). */
UKR(6, 4)
UKR(14, 2)
UKR(8, 3)
UKR(12, 2)
UKR(9, 3)

/* y[j] = Σ_k x[k]·w[k·ldw + j]: y (≤ 8 KiB, in L1) takes four rows per pass, each row read as one long
 * contiguous stretch (good for the DRAM prefetchers); every y[j] is still one FMA chain in k order. */
static void gemv_rows(int64_t k, int64_t n, const float *x, const float *w, int64_t ldw, float *y) {
  const int64_t n16 = n & ~(int64_t)15;
  const __mmask16 mt = tail_mask(n - n16);
  for (int64_t j = 0; j < n; j++) y[j] = 0.0f;
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) {
    const __m512 x0 = _mm512_set1_ps(x[p]), x1 = _mm512_set1_ps(x[p + 1]), x2 = _mm512_set1_ps(x[p + 2]),
                 x3 = _mm512_set1_ps(x[p + 3]);
    const float *w0 = w + p * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
    for (int64_t j = 0; j < n16; j += 16) {
      __m512 v = _mm512_loadu_ps(y + j);
      v = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + j), v);
      v = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w1 + j), v);
      v = _mm512_fmadd_ps(x2, _mm512_loadu_ps(w2 + j), v);
      v = _mm512_fmadd_ps(x3, _mm512_loadu_ps(w3 + j), v);
      _mm512_storeu_ps(y + j, v);
    }
    if (mt) {
      __m512 v = _mm512_maskz_loadu_ps(mt, y + n16);
      v = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(mt, w0 + n16), v);
      v = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(mt, w1 + n16), v);
      v = _mm512_fmadd_ps(x2, _mm512_maskz_loadu_ps(mt, w2 + n16), v);
      v = _mm512_fmadd_ps(x3, _mm512_maskz_loadu_ps(mt, w3 + n16), v);
      _mm512_mask_storeu_ps(y + n16, mt, v);
    }
  }
  for (; p < k; p++) {
    const __m512 x0 = _mm512_set1_ps(x[p]);
    const float *w0 = w + p * ldw;
    for (int64_t j = 0; j < n; j += 16) {
      const __mmask16 m = tail_mask(n - j);
      _mm512_mask_storeu_ps(y + j, m, _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, w0 + j), _mm512_maskz_loadu_ps(m, y + j)));
    }
  }
}

/* One row's dot product: two 16-lane accumulators over k (stride 32), masked tail, fixed reduction tree. */
AI __m512 dot_partial(int64_t k, const float *x, const float *r) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  int64_t p = 0;
  for (; p + 32 <= k; p += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + p), _mm512_loadu_ps(r + p), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + p + 16), _mm512_loadu_ps(r + p + 16), s1);
  }
  if (p + 16 <= k) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + p), _mm512_loadu_ps(r + p), s0);
    p += 16;
  }
  if (p < k) {
    const __mmask16 m = tail_mask(k - p);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + p), _mm512_maskz_loadu_ps(m, r + p), s1);
  }
  return _mm512_add_ps(s0, s1);
}

/* y[j] = Σ_k x[k]·w[j·ldw + k]: four rows interleaved (independent loads in flight), each reduced alike. */
static void gemv_dots(int64_t k, int64_t n, const float *x, const float *w, int64_t ldw, float *y) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    const float *r0 = w + j * ldw, *r1 = r0 + ldw, *r2 = r1 + ldw, *r3 = r2 + ldw;
    int64_t p = 0;
    for (; p + 32 <= k; p += 32) {
      const __m512 x0 = _mm512_loadu_ps(x + p), x1 = _mm512_loadu_ps(x + p + 16);
      s0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r0 + p), s0);
      t0 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(r0 + p + 16), t0);
      s1 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r1 + p), s1);
      t1 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(r1 + p + 16), t1);
      s2 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r2 + p), s2);
      t2 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(r2 + p + 16), t2);
      s3 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r3 + p), s3);
      t3 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(r3 + p + 16), t3);
    }
    if (p + 16 <= k) {
      const __m512 x0 = _mm512_loadu_ps(x + p);
      s0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r0 + p), s0);
      s1 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r1 + p), s1);
      s2 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r2 + p), s2);
      s3 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r3 + p), s3);
      p += 16;
    }
    if (p < k) {
      const __mmask16 m = tail_mask(k - p);
      const __m512 x0 = _mm512_maskz_loadu_ps(m, x + p);
      t0 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, r0 + p), t0);
      t1 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, r1 + p), t1);
      t2 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, r2 + p), t2);
      t3 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, r3 + p), t3);
    }
    y[j] = _mm512_reduce_add_ps(_mm512_add_ps(s0, t0));
    y[j + 1] = _mm512_reduce_add_ps(_mm512_add_ps(s1, t1));
    y[j + 2] = _mm512_reduce_add_ps(_mm512_add_ps(s2, t2));
    y[j + 3] = _mm512_reduce_add_ps(_mm512_add_ps(s3, t3));
  }
  for (; j < n; j++) y[j] = _mm512_reduce_add_ps(dot_partial(k, x, w + j * ldw));
}

void kd_ukr_avx512_6x4(int64_t, const float *, const float *, float *, int64_t, int64_t, int64_t, float, float);
static void pack_a(int mr, const float *a, int64_t lda, int trans, int64_t i0, int64_t mb, int64_t p0, int64_t kb,
                   float *dst) {
  kd_pack_a_x86(mr, a, lda, trans, i0, mb, p0, kb, dst);
}
static void pack_b(int nr, const float *b, int64_t ldb, int trans, int64_t p0, int64_t kb, int64_t j0, int64_t nb,
                   float *dst) {
  kd_pack_b_x86(nr, b, ldb, trans, p0, kb, j0, nb, dst);
}

const kd_gemm_kernel kd_gemm_kernel_avx512 = {
    "avx512", 6, 64, 1536, 384, 384, kd_ukr_avx512_6x4, pack_a, pack_b, gemv_rows, gemv_dots,
};
