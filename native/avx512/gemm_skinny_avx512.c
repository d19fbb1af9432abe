/* AVX-512 skinny GEMM for batched decode: C (m × n) = alpha·A·Wᵀ + beta·C with few rows (m ≤ KD_SKINNY_MAX_M, one
 * row per sequence) against a weight matrix W (n × k, row-major, as a Linear stores it), with no packing: every
 * weight row is read once from memory and dotted with all m rows while it sits in L1. Not here: the choice of
 * when to use it and the threads (native/generic/gemm_skinny.c), the blocked product for tall A (gemm.c).
 *
 * Each C element is summed exactly as the AVX-512 matrix-vector kernel (gemm_avx512.c gemv_dots, the m = 1 path
 * that decodeStep takes) sums it: two 16-lane FMA chains over alternate 16-float chunks of k, a whole chunk then
 * a masked tail, the same fixed reduction tree (_mm512_reduce_add_ps), the same alpha/beta formula. So row i of
 * a batched product is bitwise the m = 1 product of row i alone, and batched greedy decoding picks the same ids
 * as decoding one sequence at a time. Tiles: RJ ≤ 3 weight rows × RI ≤ 4 activation rows, 2·RJ·RI ≤ 24 zmm
 * accumulators, 7 loads per 12 FMAs. */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#define AI static inline __attribute__((always_inline))
/* Keeps a loaded vector in a register: without it GCC folds the load into each of the RJ FMAs that use it (RJ
 * loads instead of one), and the loop becomes load-bound. */
#define KEEP(v) __asm__("" : "+v"(v))

static inline __mmask16 tail_mask(int64_t n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1); }

/* c = alpha·sum + beta·c as gemm.c's gemv_range writes it (beta 0: c ignored). */
AI void store(float *c, float sum, float alpha, float beta) {
  const float v = alpha * sum;
  *c = beta == 0.0f ? v : fmaf(beta, *c, v);
}

/* The 16 horizontal sums of u[0..15] at once, each by _mm512_reduce_add_ps's tree (lanes j and j + 8, then j and
 * j + 4, then j and j + 2, then j and j + 1; IEEE addition commutes, so the same bits), sum of u[v] in lane
 * 4·(v mod 4) + v/4: level 1 leaves u[2m] | u[2m+1] in the 256-bit halves, level 2 u[4q..4q+3] in the 128-bit
 * blocks, levels 3 and 4 pair lanes within blocks. */
AI __m512 reduce16(const __m512 *u) {
  __m512 x[8], z[4], w[2];
#pragma GCC unroll 8
  for (int m = 0; m < 8; m++) x[m] = _mm512_add_ps(_mm512_shuffle_f32x4(u[2 * m], u[2 * m + 1], 0x44), _mm512_shuffle_f32x4(u[2 * m], u[2 * m + 1], 0xEE));
#pragma GCC unroll 4
  for (int q = 0; q < 4; q++) z[q] = _mm512_add_ps(_mm512_shuffle_f32x4(x[2 * q], x[2 * q + 1], 0x88), _mm512_shuffle_f32x4(x[2 * q], x[2 * q + 1], 0xDD));
#pragma GCC unroll 2
  for (int h = 0; h < 2; h++) w[h] = _mm512_add_ps(_mm512_shuffle_ps(z[2 * h], z[2 * h + 1], 0x44), _mm512_shuffle_ps(z[2 * h], z[2 * h + 1], 0xEE));
  return _mm512_add_ps(_mm512_shuffle_ps(w[0], w[1], 0x88), _mm512_shuffle_ps(w[0], w[1], 0xDD));
}

/* C rows [0, RI) × columns [0, RJ) of the tile at a (RI rows, stride lda), w (RJ rows, stride ldw), c (ldc). */
AI void tile(const int RJ, const int RI, int64_t k, const float *restrict a, int64_t lda, const float *restrict w,
             int64_t ldw, float *restrict c, int64_t ldc, float alpha, float beta, const float *pf) {
  __m512 s[4][3], t[4][3];
#pragma GCC unroll 4
  for (int i = 0; i < RI; i++)
#pragma GCC unroll 3
    for (int r = 0; r < RJ; r++) s[i][r] = t[i][r] = _mm512_setzero_ps();
  int64_t p = 0;
  for (; p + 32 <= k; p += 32) {
    if (pf != NULL) {
#pragma GCC unroll 3
      for (int r = 0; r < 3; r++) {
        _mm_prefetch((const char *)(pf + r * ldw + p), _MM_HINT_T0);
        _mm_prefetch((const char *)(pf + r * ldw + p + 16), _MM_HINT_T0);
      }
    }
    __m512 wv[3];
#pragma GCC unroll 3
    for (int r = 0; r < RJ; r++) wv[r] = _mm512_loadu_ps(w + r * ldw + p);
#pragma GCC unroll 4
    for (int i = 0; i < RI; i++) {
      __m512 x = _mm512_loadu_ps(a + i * lda + p);
      KEEP(x);
#pragma GCC unroll 3
      for (int r = 0; r < RJ; r++) s[i][r] = _mm512_fmadd_ps(x, wv[r], s[i][r]);
    }
#pragma GCC unroll 3
    for (int r = 0; r < RJ; r++) wv[r] = _mm512_loadu_ps(w + r * ldw + p + 16);
#pragma GCC unroll 4
    for (int i = 0; i < RI; i++) {
      __m512 x = _mm512_loadu_ps(a + i * lda + p + 16);
      KEEP(x);
#pragma GCC unroll 3
      for (int r = 0; r < RJ; r++) t[i][r] = _mm512_fmadd_ps(x, wv[r], t[i][r]);
    }
  }
  if (p + 16 <= k) {
#pragma GCC unroll 4
    for (int i = 0; i < RI; i++) {
      const __m512 x = _mm512_loadu_ps(a + i * lda + p);
#pragma GCC unroll 3
      for (int r = 0; r < RJ; r++) s[i][r] = _mm512_fmadd_ps(x, _mm512_loadu_ps(w + r * ldw + p), s[i][r]);
    }
    p += 16;
  }
  if (p < k) {
    const __mmask16 m = tail_mask(k - p);
#pragma GCC unroll 4
    for (int i = 0; i < RI; i++) {
      const __m512 x = _mm512_maskz_loadu_ps(m, a + i * lda + p);
#pragma GCC unroll 3
      for (int r = 0; r < RJ; r++) t[i][r] = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, w + r * ldw + p), t[i][r]);
    }
  }
  if (RI * RJ < 6) { /* few sums: one reduction each */
#pragma GCC unroll 4
    for (int i = 0; i < RI; i++)
#pragma GCC unroll 3
      for (int r = 0; r < RJ; r++) store(c + i * ldc + r, _mm512_reduce_add_ps(_mm512_add_ps(s[i][r], t[i][r])), alpha, beta);
    return;
  }
  __m512 u[16];
#pragma GCC unroll 16
  for (int v = 0; v < 16; v++) u[v] = v < RI * RJ ? _mm512_add_ps(s[v / RJ][v % RJ], t[v / RJ][v % RJ]) : _mm512_setzero_ps();
  float sums[16];
  _mm512_storeu_ps(sums, reduce16(u));
#pragma GCC unroll 4
  for (int i = 0; i < RI; i++)
#pragma GCC unroll 3
    for (int r = 0; r < RJ; r++) {
      const int v = i * RJ + r;
      store(c + i * ldc + r, sums[4 * (v % 4) + v / 4], alpha, beta);
    }
}

#define TILE_FN(RJ, RI)                                                                                          \
  static void tile_##RJ##x##RI(int64_t k, const float *a, int64_t lda, const float *w, int64_t ldw, float *c,   \
                               int64_t ldc, float alpha, float beta, const float *pf) {                         \
    tile(RJ, RI, k, a, lda, w, ldw, c, ldc, alpha, beta, pf);                                                   \
  }
TILE_FN(3, 4) TILE_FN(3, 3) TILE_FN(3, 2) TILE_FN(3, 1)
TILE_FN(2, 4) TILE_FN(2, 3) TILE_FN(2, 2) TILE_FN(2, 1)
TILE_FN(1, 4) TILE_FN(1, 3) TILE_FN(1, 2) TILE_FN(1, 1)

typedef void (*tile_fn)(int64_t, const float *, int64_t, const float *, int64_t, float *, int64_t, float, float,
                        const float *);
static const tile_fn TILES[3][4] = {
    {tile_1x1, tile_1x2, tile_1x3, tile_1x4},
    {tile_2x1, tile_2x2, tile_2x3, tile_2x4},
    {tile_3x1, tile_3x2, tile_3x3, tile_3x4},
};

#ifndef KD_SKINNY_A_BYTES
#define KD_SKINNY_A_BYTES (40 * 1024) /* activation rows a pass keeps in L1 (48 KB L1d: Zen 5, Intel since Ice Lake) */
#endif
#ifndef KD_SKINNY_W_BYTES
#define KD_SKINNY_W_BYTES (192 * 1024) /* weight rows a column block keeps in L2 between passes */
#endif

/* Columns [j0, j1) of C for rows [i0, i1), weight rows in groups of 3 (the last 1–2), and for each group the rows
 * in tiles of ≤ 4 as even as possible (16 = 4·4, 17 = 4+4+3+3+3), so the group's rows stay in L1 across the
 * tiles. `prefetch`: the first tile of a group prefetches the weight rows two groups ahead (DRAM latency under
 * the compute); off where the weights were just read (a later pass over the same block). */
static void block(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t k, float alpha, float beta, const float *a,
                  int64_t lda, const float *w, int64_t ldw, float *c, int64_t ldc, int prefetch) {
  const int64_t m = i1 - i0, tiles = (m + 3) / 4;
  for (int64_t j = j0; j < j1; j += 3) {
    const int rj = j1 - j < 3 ? (int)(j1 - j) : 3;
    int64_t i = i0;
    for (int64_t ti = 0; ti < tiles; ti++) {
      const int ri = (int)((i1 - i) / (tiles - ti)); /* the remaining rows spread over the remaining tiles */
      const float *pf = prefetch && ti == 0 && j + 9 <= j1 ? w + (j + 6) * ldw : NULL;
      TILES[rj - 1][ri - 1](k, a + i * lda, lda, w + j * ldw, ldw, c + i * ldc + j, ldc, alpha, beta, pf);
      i += ri;
    }
  }
}

/* Columns [j0, j1) of C = alpha·A·Wᵀ + beta·C for all m rows. When the m activation rows do not fit in L1 with
 * the weight rows (m·k·4 > KD_SKINNY_A_BYTES: e.g. 16 rows of k = 704, 45 KB), every weight group would stream
 * all of them from L2 again; then the columns go in blocks that stay in L2 (KD_SKINNY_W_BYTES) and each block in
 * passes of rows that fit in L1: the first pass reads the block's weights from memory, the others from L2. Each
 * C element is still one tile's sum, whatever the pass or tile, so the bits do not change. */
void kd_sgemm_skinny_avx512(int64_t m, int64_t j0, int64_t j1, int64_t k, float alpha, float beta, const float *a,
                            int64_t lda, const float *w, int64_t ldw, float *c, int64_t ldc) {
  const int64_t row_bytes = k * (int64_t)sizeof(float);
  int64_t per = KD_SKINNY_A_BYTES / row_bytes / 4 * 4; /* rows a pass keeps in L1, in whole tiles */
  if (per < 4) per = 4;
  if (m <= per) {
    block(0, m, j0, j1, k, alpha, beta, a, lda, w, ldw, c, ldc, 1);
    return;
  }
  const int64_t passes = (m + per - 1) / per;
  int64_t cols = KD_SKINNY_W_BYTES / row_bytes / 3 * 3;
  if (cols < 3) cols = 3;
  for (int64_t jb = j0; jb < j1; jb += cols) {
    const int64_t je = jb + cols < j1 ? jb + cols : j1;
    int64_t i = 0;
    for (int64_t p = 0; p < passes; p++) {
      const int64_t rows = (m - i) / (passes - p); /* the remaining rows spread over the remaining passes */
      block(i, i + rows, jb, je, k, alpha, beta, a, lda, w, ldw, c, ldc, p == 0);
      i += rows;
    }
  }
}
