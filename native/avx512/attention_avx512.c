/* AVX-512 versions of the attention/cross-entropy vector primitives (kd_attn_simd.h): register-tiled small GEMMs
 * (6 rows × 64 columns, masked column tails, A read with any strides), row dot products for decoding, and a
 * vectorized expf.
 * Not here: tiling, softmax bookkeeping, threading (native/generic/attention*.c) or the CPU check. */
#include <immintrin.h>
#include <math.h>
#include "kd_attn_simd.h"

/* expf to ~1 ulp: x = n·ln2 + r, |r| ≤ ln2/2, Cephes degree-6 polynomial, 2^n by scalef (exact under/overflow).
 * Inputs below −104 (and −inf) give 0; NaN stays NaN. */
static inline __m512 exp_ps(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x); /* NaN in x passes through (second operand) */
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500E-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507E-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073E-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894E-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459E-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201E-1f));
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(y, n);
}

static inline __mmask16 tail_mask(int64_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u); }

/* C[mr × 16·nv] (=|+=) A·B for one register block; A[i][p] = a[i·ars + p·acs] (so Aᵀ costs nothing);
 * mk masks the column vectors (all ones except in the last block). */
static inline __attribute__((always_inline)) void nn_block(const int mr, const int nv, const int full, int64_t k,
                                                           const float *a, int64_t ars, int64_t acs, const float *b,
                                                           int64_t ldb, float *c, int64_t ldc, int acc,
                                                           const __mmask16 *mk) {
  __m512 r[8][4];
  for (int i = 0; i < mr; i++)
    for (int v = 0; v < nv; v++)
      r[i][v] = !acc ? _mm512_setzero_ps()
                : full ? _mm512_loadu_ps(c + i * ldc + 16 * v)
                       : _mm512_maskz_loadu_ps(mk[v], c + i * ldc + 16 * v);
  for (int64_t p = 0; p < k; p++) {
    __m512 bv[4];
    for (int v = 0; v < nv; v++)
      bv[v] = full ? _mm512_loadu_ps(b + p * ldb + 16 * v) : _mm512_maskz_loadu_ps(mk[v], b + p * ldb + 16 * v);
    for (int i = 0; i < mr; i++) {
      const __m512 ai = _mm512_set1_ps(a[i * ars + p * acs]);
      for (int v = 0; v < nv; v++) r[i][v] = _mm512_fmadd_ps(ai, bv[v], r[i][v]);
    }
  }
  for (int i = 0; i < mr; i++)
    for (int v = 0; v < nv; v++)
      if (full) _mm512_storeu_ps(c + i * ldc + 16 * v, r[i][v]);
      else _mm512_mask_storeu_ps(c + i * ldc + 16 * v, mk[v], r[i][v]);
}

/* All rows of one column block: MR-row register blocks (MR·NV ≤ 24 accumulators), then the remaining rows. Every
 * row is computed the same way whatever block it falls in, so results do not depend on how rows are grouped (the
 * backward's two schedules rely on this to be bit-identical). */
#define NN_ROWS(MR, NV, FULL)                                                                                          \
  do {                                                                                                           \
    int64_t i = 0;                                                                                               \
    for (; i + MR <= m; i += MR) nn_block(MR, NV, FULL, k, a + i * ars, ars, acs, bj, ldb, cj + i * ldc, ldc, acc, mk); \
    const float *ai = a + i * ars;                                                                               \
    float *ci = cj + i * ldc;                                                                                    \
    switch (m - i) {                                                                                             \
      case 7: nn_block(7, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                                \
      case 6: nn_block(6, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                                \
      case 5: nn_block(5, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                                \
      case 4: nn_block(4, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                                \
      case 3: nn_block(3, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                                \
      case 2: nn_block(2, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                                \
      case 1: nn_block(1, NV, FULL, k, ai, ars, acs, bj, ldb, ci, ldc, acc, mk); break;                                \
      default: break;                                                                                            \
    }                                                                                                            \
  } while (0)

static void gemm_avx512(int64_t m, int64_t n, int64_t k, const float *a, int64_t ars, int64_t acs, const float *b,
                        int64_t ldb, float *c, int64_t ldc, int acc) {
  for (int64_t j = 0; j < n; j += 64) {
    const float *bj = b + j;
    float *cj = c + j;
    const int64_t rem = n - j;
    __mmask16 mk[4];
    for (int v = 0; v < 4; v++) mk[v] = rem > 16 * v ? tail_mask(rem - 16 * v) : 0;
    if (rem >= 64) NN_ROWS(6, 4, 1);
    else if (rem > 48) NN_ROWS(6, 4, 0);
    else if (rem > 32) NN_ROWS(8, 3, 0);
    else if (rem > 16) NN_ROWS(8, 2, 0);
    else NN_ROWS(8, 1, 0);
  }
}

/* Four dot products (each a sum of a 16-lane vector) into one 128-bit vector. */
static inline __m128 hsum4(__m512 a0, __m512 a1, __m512 a2, __m512 a3) {
  const __m256 y0 = _mm256_add_ps(_mm512_castps512_ps256(a0), _mm512_extractf32x8_ps(a0, 1));
  const __m256 y1 = _mm256_add_ps(_mm512_castps512_ps256(a1), _mm512_extractf32x8_ps(a1, 1));
  const __m256 y2 = _mm256_add_ps(_mm512_castps512_ps256(a2), _mm512_extractf32x8_ps(a2, 1));
  const __m256 y3 = _mm256_add_ps(_mm512_castps512_ps256(a3), _mm512_extractf32x8_ps(a3, 1));
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(y0, y1), _mm256_hadd_ps(y2, y3));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* NB dot products of row a with rows b[0..NB) of B (ldb), into c[0..NB); NB independent FMA chains hide latency. */
static inline __attribute__((always_inline)) void nt_block(const int nb, int64_t kfull, __mmask16 mt, const float *a,
                                                           const float *b, int64_t ldb, float *c) {
  __m512 s[8];
  for (int u = 0; u < nb; u++) s[u] = _mm512_setzero_ps();
  int64_t p = 0;
  for (; p < kfull; p += 16) {
    const __m512 av = _mm512_loadu_ps(a + p);
    for (int u = 0; u < nb; u++) s[u] = _mm512_fmadd_ps(av, _mm512_loadu_ps(b + u * ldb + p), s[u]);
  }
  const __m512 av = _mm512_maskz_loadu_ps(mt, a + p);
  for (int u = 0; u < nb; u++) s[u] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(mt, b + u * ldb + p), s[u]);
  if (nb == 8) {
    _mm_storeu_ps(c, hsum4(s[0], s[1], s[2], s[3]));
    _mm_storeu_ps(c + 4, hsum4(s[4], s[5], s[6], s[7]));
  } else {
    for (int u = 0; u < nb; u++) c[u] = _mm512_reduce_add_ps(s[u]);
  }
}

static void gemm_nt_avx512(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                           float *c, int64_t ldc) {
  const __mmask16 mt = tail_mask(k % 16 == 0 ? 16 : k % 16);
  const int64_t kfull = k % 16 == 0 ? k - 16 : k - k % 16; /* the last (possibly partial) vector is masked */
  int64_t j = 0; /* key blocks outer, rows inner: a block's key rows stay in L1 for all rows */
  for (; j + 8 <= n; j += 8)
    for (int64_t i = 0; i < m; i++) nt_block(8, kfull, mt, a + i * lda, b + j * ldb, ldb, c + i * ldc + j);
  for (; j < n; j++)
    for (int64_t i = 0; i < m; i++) nt_block(1, kfull, mt, a + i * lda, b + j * ldb, ldb, c + i * ldc + j);
}

static float max_avx512(const float *x, int64_t n) {
  const __m512 ninf = _mm512_set1_ps(-INFINITY);
  __m512 m0 = ninf, m1 = ninf;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + i));
    m1 = _mm512_max_ps(m1, _mm512_loadu_ps(x + i + 16));
  }
  for (; i < n; i += 16) m0 = _mm512_max_ps(m0, _mm512_mask_loadu_ps(ninf, tail_mask(n - i), x + i));
  return _mm512_reduce_max_ps(_mm512_max_ps(m0, m1));
}

static float exp_sum_avx512(float *dst, const float *x, int64_t n, float shift) {
  const __m512 sh = _mm512_set1_ps(shift), ninf = _mm512_set1_ps(-INFINITY);
  __m512 s0 = _mm512_setzero_ps(), s1 = s0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 e0 = exp_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), sh));
    const __m512 e1 = exp_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i + 16), sh));
    if (dst) _mm512_storeu_ps(dst + i, e0), _mm512_storeu_ps(dst + i + 16, e1);
    s0 = _mm512_add_ps(s0, e0);
    s1 = _mm512_add_ps(s1, e1);
  }
  for (; i < n; i += 16) {
    const __mmask16 mt = tail_mask(n - i);
    const __m512 e = exp_ps(_mm512_sub_ps(_mm512_mask_loadu_ps(ninf, mt, x + i), sh));
    if (dst) _mm512_mask_storeu_ps(dst + i, mt, e);
    s0 = _mm512_add_ps(s0, _mm512_maskz_mov_ps(mt, e));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

static void exp_axpy_avx512(float *dx, const float *x, int64_t n, float shift, float g) {
  const __m512 sh = _mm512_set1_ps(shift), gv = _mm512_set1_ps(g);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 e0 = exp_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), sh));
    const __m512 e1 = exp_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i + 16), sh));
    _mm512_storeu_ps(dx + i, _mm512_fmadd_ps(gv, e0, _mm512_loadu_ps(dx + i)));
    _mm512_storeu_ps(dx + i + 16, _mm512_fmadd_ps(gv, e1, _mm512_loadu_ps(dx + i + 16)));
  }
  for (; i < n; i += 16) {
    const __mmask16 mt = tail_mask(n - i);
    const __m512 e = exp_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(mt, x + i), sh));
    _mm512_mask_storeu_ps(dx + i, mt, _mm512_fmadd_ps(gv, e, _mm512_maskz_loadu_ps(mt, dx + i)));
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

static void transpose_avx512(const float *src, int64_t rows, int64_t cols, int64_t lds, float *dst, int64_t ldd) {
  const int64_t r8 = rows / 8 * 8, c8 = cols / 8 * 8;
  for (int64_t j = 0; j < r8; j += 8)
    for (int64_t x = 0; x < c8; x += 8) transpose8x8(src + j * lds + x, lds, dst + x * ldd + j, ldd);
  if (c8 < cols) kd_attn_transpose_generic(src + c8, rows, cols - c8, lds, dst + c8 * ldd, ldd); /* last columns */
  if (r8 < rows) kd_attn_transpose_generic(src + r8 * lds, rows - r8, c8, lds, dst + r8, ldd);   /* last rows */
}

const kd_attn_simd kd_attn_simd_avx512 = {
    "avx512", gemm_avx512, gemm_nt_avx512, max_avx512, exp_sum_avx512, exp_axpy_avx512,
    transpose_avx512,
};
