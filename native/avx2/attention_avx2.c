/* AVX2+FMA versions of the attention/cross-entropy vector primitives (kd_attn_simd.h): register-tiled small GEMMs
 * (6 rows × 16 columns, masked column tails, A read with any strides), row dot products for decoding, and a
 * vectorized expf.
 * Not here: tiling, softmax bookkeeping, threading (native/generic/attention*.c) or the CPU check. */
#include <immintrin.h>
#include <math.h>
#include "kd_attn_simd.h"

/* expf to ~1 ulp: x = n·ln2 + r, |r| ≤ ln2/2, Cephes degree-6 polynomial, 2^n built in the exponent bits.
 * Inputs below −87.33 (and −inf) give 0 (no subnormal results); NaN stays NaN; inputs above 88 give exp(88). */
static inline __m256 exp_ps(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.3365447505531f);
  const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_set1_ps(88.0f), x); /* NaN passes through (second operand) */
  x = _mm256_max_ps(lo, x);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
  const __m256 y = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.0f));
  /* n ∈ [−126, 127] after the clamp, so (n + 127) << 23 is a normal power of two */
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(under, _mm256_mul_ps(y, _mm256_castsi256_ps(e)));
}

/* Lane mask for the first n (≤ 8) of 8 floats, for maskload/maskstore. */
static inline __m256i tail_mask(int64_t n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n >= 8 ? 8 : n)), idx);
}

/* C[mr × 8·nv] (=|+=) A·B for one register block; A[i][p] = a[i·ars + p·acs] (so Aᵀ costs nothing).
 * full: all 8·nv columns exist (plain loads); else mk masks the column vectors. */
static inline __attribute__((always_inline)) void nn_block(const int mr, const int nv, const int full, int64_t k,
                                                           const float *a, int64_t ars, int64_t acs, const float *b,
                                                           int64_t ldb, float *c, int64_t ldc, int acc,
                                                           const __m256i *mk) {
  __m256 r[6][2];
  for (int i = 0; i < mr; i++)
    for (int v = 0; v < nv; v++)
      r[i][v] = !acc ? _mm256_setzero_ps()
                : full ? _mm256_loadu_ps(c + i * ldc + 8 * v)
                       : _mm256_maskload_ps(c + i * ldc + 8 * v, mk[v]);
  for (int64_t p = 0; p < k; p++) {
    __m256 bv[2];
    for (int v = 0; v < nv; v++)
      bv[v] = full ? _mm256_loadu_ps(b + p * ldb + 8 * v) : _mm256_maskload_ps(b + p * ldb + 8 * v, mk[v]);
    for (int i = 0; i < mr; i++) {
      const __m256 ai = _mm256_broadcast_ss(a + i * ars + p * acs);
      for (int v = 0; v < nv; v++) r[i][v] = _mm256_fmadd_ps(ai, bv[v], r[i][v]);
    }
  }
  for (int i = 0; i < mr; i++)
    for (int v = 0; v < nv; v++)
      if (full) _mm256_storeu_ps(c + i * ldc + 8 * v, r[i][v]);
      else _mm256_maskstore_ps(c + i * ldc + 8 * v, mk[v], r[i][v]);
}

/* Every row is computed the same way whatever block it falls in (the backward's two schedules rely on this). */
#define NN_ROWS(NV, FULL)                                                                                        \
  do {                                                                                                           \
    int64_t i = 0;                                                                                               \
    for (; i + 6 <= m; i += 6) nn_block(6, NV, FULL, k, a + i * ars, ars, acs, bj, ldb, cj + i * ldc, ldc, acc, mk); \
    const float *ai = a + i * ars;                                                                               \
    float *ci = cj + i * ldc;                                                                                    \
    switch (m - i) {                                                                                             \
      case 5: nn_block(5, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                          \
      case 4: nn_block(4, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                          \
      case 3: nn_block(3, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                          \
      case 2: nn_block(2, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                          \
      case 1: nn_block(1, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                          \
      default: break;                                                                                            \
    }                                                                                                            \
  } while (0)

static void gemm_avx2(int64_t m, int64_t n, int64_t k, const float *a, int64_t ars, int64_t acs, const float *b,
                      int64_t ldb, float *c, int64_t ldc, int acc) {
  for (int64_t j = 0; j < n; j += 16) {
    const float *bj = b + j;
    float *cj = c + j;
    const int64_t rem = n - j;
    const __m256i mk[2] = {tail_mask(rem), tail_mask(rem > 8 ? rem - 8 : 0)};
    if (rem >= 16) NN_ROWS(2, 1);
    else if (rem > 8) NN_ROWS(2, 0);
    else if (rem == 8) NN_ROWS(1, 1);
    else NN_ROWS(1, 0);
  }
}

static inline float hsum(__m256 s) {
  const __m128 x = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  const __m128 y = _mm_add_ps(x, _mm_movehl_ps(x, x));
  return _mm_cvtss_f32(_mm_add_ss(y, _mm_movehdup_ps(y)));
}

/* Four 8-lane sums into one 128-bit vector. */
static inline __m128 hsum4(__m256 s0, __m256 s1, __m256 s2, __m256 s3) {
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(s0, s1), _mm256_hadd_ps(s2, s3));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* NB dot products of row a with rows b[0..NB) of B (ldb), into c[0..NB); NB independent FMA chains hide latency. */
static inline __attribute__((always_inline)) void nt_block(const int nb, int64_t kfull, __m256i mt, const float *a,
                                                           const float *b, int64_t ldb, float *c) {
  __m256 s[8];
  for (int u = 0; u < nb; u++) s[u] = _mm256_setzero_ps();
  int64_t p = 0;
  for (; p < kfull; p += 8) {
    const __m256 av = _mm256_loadu_ps(a + p);
    for (int u = 0; u < nb; u++) s[u] = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + u * ldb + p), s[u]);
  }
  const __m256 av = _mm256_maskload_ps(a + p, mt);
  for (int u = 0; u < nb; u++) s[u] = _mm256_fmadd_ps(av, _mm256_maskload_ps(b + u * ldb + p, mt), s[u]);
  if (nb == 8) {
    _mm_storeu_ps(c, hsum4(s[0], s[1], s[2], s[3]));
    _mm_storeu_ps(c + 4, hsum4(s[4], s[5], s[6], s[7]));
  } else {
    for (int u = 0; u < nb; u++) c[u] = hsum(s[u]);
  }
}

static void gemm_nt_avx2(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                         float *c, int64_t ldc) {
  const int64_t rem = k % 8 == 0 ? 8 : k % 8, kfull = k - rem; /* the last (possibly partial) vector is masked */
  const __m256i mt = tail_mask(rem);
  int64_t j = 0; /* key blocks outer, rows inner: a block's key rows stay in L1 for all rows */
  for (; j + 8 <= n; j += 8)
    for (int64_t i = 0; i < m; i++) nt_block(8, kfull, mt, a + i * lda, b + j * ldb, ldb, c + i * ldc + j);
  for (; j < n; j++)
    for (int64_t i = 0; i < m; i++) nt_block(1, kfull, mt, a + i * lda, b + j * ldb, ldb, c + i * ldc + j);
}

/* Loads x[i..i+8) with lanes at or past n set to `fill`. */
static inline __m256 load_tail(const float *x, int64_t count, float fill) {
  const __m256i mt = tail_mask(count);
  return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(x, mt), _mm256_castsi256_ps(mt));
}

static float max_avx2(const float *x, int64_t n) {
  __m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + i));
    m1 = _mm256_max_ps(m1, _mm256_loadu_ps(x + i + 8));
  }
  for (; i < n; i += 8) m0 = _mm256_max_ps(m0, load_tail(x + i, n - i, -INFINITY));
  m0 = _mm256_max_ps(m0, m1);
  __m128 y = _mm_max_ps(_mm256_castps256_ps128(m0), _mm256_extractf128_ps(m0, 1));
  y = _mm_max_ps(y, _mm_movehl_ps(y, y));
  return _mm_cvtss_f32(_mm_max_ss(y, _mm_movehdup_ps(y)));
}

static float exp_sum_avx2(float *dst, const float *x, int64_t n, float shift) {
  const __m256 sh = _mm256_set1_ps(shift);
  __m256 s0 = _mm256_setzero_ps(), s1 = s0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 e0 = exp_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), sh));
    const __m256 e1 = exp_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), sh));
    if (dst) _mm256_storeu_ps(dst + i, e0), _mm256_storeu_ps(dst + i + 8, e1);
    s0 = _mm256_add_ps(s0, e0);
    s1 = _mm256_add_ps(s1, e1);
  }
  for (; i < n; i += 8) {
    const __m256 e = exp_ps(_mm256_sub_ps(load_tail(x + i, n - i, -INFINITY), sh)); /* exp(−inf) = 0 */
    if (dst) _mm256_maskstore_ps(dst + i, tail_mask(n - i), e);
    s0 = _mm256_add_ps(s0, e);
  }
  return hsum(_mm256_add_ps(s0, s1));
}

static void exp_axpy_avx2(float *dx, const float *x, int64_t n, float shift, float g) {
  const __m256 sh = _mm256_set1_ps(shift), gv = _mm256_set1_ps(g);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = exp_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), sh));
    _mm256_storeu_ps(dx + i, _mm256_fmadd_ps(gv, e, _mm256_loadu_ps(dx + i)));
  }
  if (i < n) {
    const __m256i mt = tail_mask(n - i);
    const __m256 e = exp_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, mt), sh));
    _mm256_maskstore_ps(dx + i, mt, _mm256_fmadd_ps(gv, e, _mm256_maskload_ps(dx + i, mt)));
  }
}

/* In-register 8×8 transpose: dst row x = column x of the 8×8 block of src. */
static inline void transpose8x8(const float *src, int64_t lds, float *dst, int64_t ldd) {
  __m256 r[8], t[8], u[8];
  for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * lds);
  for (int i = 0; i < 4; i++) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; i++) { /* rows 4i..4i+3 */
    u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int x = 0; x < 4; x++) {
    _mm256_storeu_ps(dst + x * ldd, _mm256_permute2f128_ps(u[x], u[4 + x], 0x20));
    _mm256_storeu_ps(dst + (x + 4) * ldd, _mm256_permute2f128_ps(u[x], u[4 + x], 0x31));
  }
}

static void transpose_avx2(const float *src, int64_t rows, int64_t cols, int64_t lds, float *dst, int64_t ldd) {
  const int64_t r8 = rows / 8 * 8, c8 = cols / 8 * 8;
  for (int64_t j = 0; j < r8; j += 8)
    for (int64_t x = 0; x < c8; x += 8) transpose8x8(src + j * lds + x, lds, dst + x * ldd + j, ldd);
  if (c8 < cols) kd_attn_transpose_generic(src + c8, rows, cols - c8, lds, dst + c8 * ldd, ldd); /* last columns */
  if (r8 < rows) kd_attn_transpose_generic(src + r8 * lds, rows - r8, c8, lds, dst + r8, ldd);   /* last rows */
}

const kd_attn_simd kd_attn_simd_avx2 = {
    "avx2", gemm_avx2, gemm_nt_avx2, max_avx2, exp_sum_avx2, exp_axpy_avx2,
    transpose_avx2,
};
