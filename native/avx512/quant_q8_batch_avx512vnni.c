/* Q8_0 and Q4_0 weights · several Q8_0 activation rows (batched decode, prompts) with 512-bit VNNI: tiles of 4 weight
 * rows × up to 4 activation rows, two blocks per zmm, so each weight block is loaded, unpacked or sign-handled and
 * scaled once for all the tile's activation rows. Not here: quantizing the activations, tasks and dispatch
 * (native/generic/quant_q8.c, which calls this from its AVX512-VNNI build for N ≥ 2 rows), Q4_K/Q6_K.
 *
 * Every output is bitwise what dot_q0 / dot_q0_rows of quant_q8.c give it (so a row's result does not depend on
 * how many rows share the call, and batched decode equals decoding one sequence at a time): per block the same
 * int32 lanes (lane j sums bytes 4j..4j+3 of w·x), the same f32 scale d_w·d_x, one FMA into the even-block (low
 * 256 bits) or odd-block (high 256 bits) accumulator, hsum8 of each half at the end. Only the way the exact
 * integers are formed differs. Q8_0: vpdpbusd needs an unsigned operand, so x goes in as x + 128 (x XOR 0x80) and
 * 128·Σw over the lane's 4 bytes (one vpdpbusd per weight block, shared by the tile's rows) starts the sum
 * negated: Σ (x + 128)·w − 128·Σ w = Σ x·w, exact in int32. Q4_0: the nibbles (0..15) are the unsigned operand as
 * they are, and −8·Σx of the block (the activation's block sum) starts lane 0 of the block, as in dot_q0. */
#pragma GCC target("avx512vnni")
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define AI static inline __attribute__((always_inline))
enum { QK = 32, Q8_0_B = 34, Q4_0_B = 18 };

/* As quant_q8.c's hsum8 (the same adds in the same order). */
static inline float hsum8(__m256 a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* The f16 scale of a block (its first 2 bytes) in lanes 0..7 and that of the next block (bb bytes on) in lanes 8..15. */
AI __m512 scales2(const uint8_t *blk, int bb, int two) {
  uint16_t h0, h1 = 0;
  memcpy(&h0, blk, 2);
  if (two) memcpy(&h1, blk + bb, 2);
  const __m256i h = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16((short)h0)), _mm_set1_epi16((short)h1), 1);
  return _mm512_cvtph_ps(h);
}

/* out[i·ldo + r] for the RX activation rows qx + i·k (scales dx + i·nd, block sums bs + i·nd) and the RW weight rows
 * w + r·row_bytes, Q4_0 (q4) or Q8_0. */
AI void tile(const int Q4, const int RW, const int RX, const uint8_t *w, int64_t row_bytes, int64_t k, const int8_t *qx,
             const float *dx, const int32_t *bs, int64_t nd, float *out, int64_t ldo) {
  const int64_t nb = k / QK;
  const int bb = Q4 ? Q4_0_B : Q8_0_B;
  const __m512i c80 = _mm512_set1_epi8((char)0x80), m4 = _mm512_set1_epi8(0x0f);
  __m512 acc[4][4];
#pragma GCC unroll 4
  for (int i = 0; i < RX; i++)
#pragma GCC unroll 4
    for (int r = 0; r < RW; r++) acc[i][r] = _mm512_setzero_ps();
  for (int64_t b = 0; b < nb; b += 2) {
    const int two = b + 1 < nb; /* an odd last block goes alone, in the low half (the high half left untouched) */
    const __mmask16 fm = two ? 0xffff : 0x00ff;
    __m512i wv[4], init[4];
    __m512 dw[4];
#pragma GCC unroll 4
    for (int r = 0; r < RW; r++) {
      const uint8_t *blk = w + r * row_bytes + b * bb;
      _mm_prefetch((const char *)(blk + 4 * row_bytes), _MM_HINT_T0); /* the next group's rows, as dot_q0_rows */
      if (Q4) {
        /* 16 bytes a block: low nibbles are quants 0..15, high nibbles 16..31 (128-bit lanes 1 and 3 shifted) */
        const __m256i r0 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(blk + 2)));
        const __m256i r1 = two ? _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(blk + bb + 2))) : _mm256_setzero_si256();
        const __m512i t = _mm512_inserti64x4(_mm512_castsi256_si512(r0), r1, 1);
        wv[r] = _mm512_and_si512(_mm512_mask_srli_epi16(t, 0xff00ff00u, t, 4), m4);
      } else {
        const __m256i wl = _mm256_loadu_si256((const __m256i *)(blk + 2));
        const __m256i wh = two ? _mm256_loadu_si256((const __m256i *)(blk + bb + 2)) : _mm256_setzero_si256();
        wv[r] = _mm512_inserti64x4(_mm512_castsi256_si512(wl), wh, 1);
        init[r] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), c80, wv[r]));
      }
      dw[r] = scales2(blk, bb, two);
    }
#pragma GCC unroll 4
    for (int i = 0; i < RX; i++) {
      const int8_t *xb = qx + i * k + b * QK;
      const __m512i x = two ? _mm512_loadu_si512((const void *)xb) : _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)xb));
      const __m512 dxv = _mm512_insertf32x8(_mm512_set1_ps(dx[i * nd + b]), _mm256_set1_ps(two ? dx[i * nd + b + 1] : 0.0f), 1);
      if (Q4) {
        /* −8·Σx of each block in its lane 0 (lane 8 for the second block) */
        __m512i xi = _mm512_mask_set1_epi32(_mm512_setzero_si512(), 0x0001, -8 * bs[i * nd + b]);
        if (two) xi = _mm512_mask_set1_epi32(xi, 0x0100, -8 * bs[i * nd + b + 1]);
#pragma GCC unroll 4
        for (int r = 0; r < RW; r++) {
          const __m512i p = _mm512_dpbusd_epi32(xi, wv[r], x);
          acc[i][r] = _mm512_mask3_fmadd_ps(_mm512_mul_ps(dw[r], dxv), _mm512_cvtepi32_ps(p), acc[i][r], fm);
        }
      } else {
        const __m512i xu = _mm512_xor_si512(x, c80);
#pragma GCC unroll 4
        for (int r = 0; r < RW; r++) {
          const __m512i p = _mm512_dpbusd_epi32(init[r], xu, wv[r]);
          acc[i][r] = _mm512_mask3_fmadd_ps(_mm512_mul_ps(dw[r], dxv), _mm512_cvtepi32_ps(p), acc[i][r], fm);
        }
      }
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < RX; i++)
#pragma GCC unroll 4
    for (int r = 0; r < RW; r++)
      out[i * ldo + r] = hsum8(_mm512_castps512_ps256(acc[i][r])) +
                         hsum8(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc[i][r]), 1)));
}

#define TILE_FN(Q, RW, RX)                                                                                         \
  static void tile_##Q##_##RW##x##RX(const uint8_t *w, int64_t row_bytes, int64_t k, const int8_t *qx,            \
                                     const float *dx, const int32_t *bs, int64_t nd, float *out, int64_t ldo) {   \
    tile(Q, RW, RX, w, row_bytes, k, qx, dx, bs, nd, out, ldo);                                                  \
  }
TILE_FN(0, 4, 4) TILE_FN(0, 4, 3) TILE_FN(0, 4, 2) TILE_FN(0, 4, 1)
TILE_FN(0, 1, 4) TILE_FN(0, 1, 3) TILE_FN(0, 1, 2) TILE_FN(0, 1, 1)
TILE_FN(1, 4, 4) TILE_FN(1, 4, 3) TILE_FN(1, 4, 2) TILE_FN(1, 4, 1)
TILE_FN(1, 1, 4) TILE_FN(1, 1, 3) TILE_FN(1, 1, 2) TILE_FN(1, 1, 1)

typedef void (*tile_fn)(const uint8_t *, int64_t, int64_t, const int8_t *, const float *, const int32_t *, int64_t, float *, int64_t);
static const tile_fn TILES4[2][4] = {{tile_0_4x1, tile_0_4x2, tile_0_4x3, tile_0_4x4}, {tile_1_4x1, tile_1_4x2, tile_1_4x3, tile_1_4x4}};
static const tile_fn TILES1[2][4] = {{tile_0_1x1, tile_0_1x2, tile_0_1x3, tile_0_1x4}, {tile_1_1x1, tile_1_1x2, tile_1_1x3, tile_1_1x4}};

/* out[i·n_out + r] = row i of the quantized activations (qs: n rows of k int8, dx: n rows of nd = k/32 scales, bs:
 * their block sums, read for Q4_0 only) · weight row r (Q4_0 when q4, else Q8_0), for W rows r in [r0, r1) (w: rows
 * of row_bytes) and every activation row i < n. */
void kd_q0_batch_avx512vnni(int q4, const uint8_t *w, int64_t row_bytes, int64_t k, int64_t r0, int64_t r1,
                            const int8_t *qs, const float *dx, const int32_t *bs, int64_t nd, int64_t n, float *out,
                            int64_t n_out) {
  const int64_t tiles = (n + 3) / 4;
  for (int64_t r = r0; r < r1;) {
    const int rw = r1 - r >= 4 ? 4 : 1;
    const tile_fn *T = rw == 4 ? TILES4[q4 != 0] : TILES1[q4 != 0];
    int64_t i = 0;
    for (int64_t ti = 0; ti < tiles; ti++) {
      const int rx = (int)((n - i) / (tiles - ti)); /* rows spread evenly over the tiles: 17 = 3+3+3+4+4 */
      T[rx - 1](w + r * row_bytes, row_bytes, k, qs + i * k, dx + i * nd, bs + i * nd, nd, out + i * n_out + r, n_out);
      i += rx;
    }
    r += rw;
  }
}
