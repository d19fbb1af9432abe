/* quantMatmul with activations "q8": each activation row quantized as llama.cpp's x86 CPU backend does (Q8_0 for
 * Q8_0/Q4_0 weights, Q8_K for Q4_K/Q6_K; src/engine/quant-activations.ts is the spec), then per block an exact
 * integer dot product scaled by d_w·d_x in f32, as ggml_vec_dot_q8_0_q8_0 / q4_0_q8_0 / q4_K_q8_K / q6_K_q8_K.
 * One source for every ISA (kd_impl.h): portable C; AVX2 maddubs/madd (also the AVX-512 build, EVEX-encoded);
 * AVX512-VNNI vpdpbusd for the Q8_0/Q4_0 block sums when compiled with it (native/avx512/quant_q8_avx512vnni.c). With
 * AVX-512 and N ≥ 2 rows (prompts, batched decode): Q8_0/Q4_0 in 512-bit tiles (quant_q8_batch_avx512vnni.c, VNNI
 * builds), Q4_K/Q6_K here, each super-block of 4 weight rows unpacked once for up to KQ_ROWS activation rows, and at
 * N = 1 Q4_K/Q6_K rows one at a time with their scales decoded in vector registers; every output keeps the bits of
 * the portable arithmetic (dot_q4k / dot_q6k).
 * Not here: the f32-activation kernels (quant.c), dispatch (quant_dispatch.c).
 *
 * Schedule as quant.c: x is quantized once per call (tasks of rows when N is large), then tasks are runs of W
 * rows and activation rows go 4 at a time. Each output's order of operations depends on the ISA only (never on
 * the thread count or on N): two f32 accumulators per row (even / odd blocks), summed at the end. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kd_impl.h"
#include "kd_quant.h"
#include "kd_f16.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif

enum { QK = 32, QKK = 256, Q8_0_B = 34, Q4_0_B = 18, Q4_K_B = 144, Q6_K_B = 210 };


/* f ≥ 0 rounded to the nearest f16 (ties to even) and widened back: GGML_CPU_FP32_TO_FP16 of ggml's d. */
static inline float f16_round(float f) {
#if defined(__F16C__)
  return _cvtsh_ss(_cvtss_sh(f, 0));
#else
  if (f != f) return f;
  if (f < 6.103515625e-05f) return nearbyintf(f * 16777216.0f) * 5.9604644775390625e-8f; /* subnormal: 2^-24 steps */
  uint32_t u = kd_f2u(f);
  u = (u + 0xfffu + ((u >> 13) & 1u)) & ~0x1fffu; /* keep 10 mantissa bits, ties to even */
  const float r = kd_u2f(u);
  return r > 65504.0f ? INFINITY : r;
#endif
}

/* Round to nearest, ties to even, saturated to int8: _mm256_round_ps(_MM_ROUND_NEAREST) + cvtps + packs (Q8_0)
 * and ggml's nearest_int (Q8_K) agree on |v| ≤ 2^22. NaN becomes −128 as cvtps' INT_MIN does after packs. */
static inline int rne_i8(float v) {
  float r = nearbyintf(v);
  if (!(r >= -128.0f)) r = -128.0f;
  if (r > 127.0f) r = 127.0f;
  return (int)r;
}

/* x86 quantize_row_q8_0 (AVX2 path): d = f16(amax/127), q = rne(x·(127/amax)); bs = Σq per block (for Q4_0's
 * −8 offset, an integer identity). */
static void quantize_q8_0(const float *x, int64_t k, int8_t *q, float *d, int32_t *bs) {
  for (int64_t b = 0; b < k / QK; b++) {
    const float *xb = x + b * QK;
    float amax = 0.0f;
    for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(xb[j]));
    d[b] = f16_round(amax / 127.0f);
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    int32_t s = 0;
    for (int j = 0; j < QK; j++) {
      q[b * QK + j] = (int8_t)rne_i8(xb[j] * id);
      s += q[b * QK + j];
    }
    bs[b] = s;
  }
}

/* ggml quantize_row_q8_K_ref: max = first x of largest |x|, iscale = −127/max, q = min(127, rne(iscale·x)),
 * d = 1/iscale; bs = Σq per 16. An all-zero block has d = 0, q = 0, bs = 0. */
static void quantize_q8_k(const float *x, int64_t k, int8_t *q, float *d, int32_t *bs) {
  for (int64_t b = 0; b < k / QKK; b++) {
    const float *xb = x + b * QKK;
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < QKK; j++) {
      const float ax = fabsf(xb[j]);
      if (ax > amax) {
        amax = ax;
        max = xb[j];
      }
    }
    int8_t *qb = q + b * QKK;
    if (amax == 0.0f) {
      d[b] = 0.0f;
      memset(qb, 0, QKK);
      for (int g = 0; g < 16; g++) bs[b * 16 + g] = 0;
      continue;
    }
    const float iscale = -127.0f / max;
    for (int j = 0; j < QKK; j++) qb[j] = (int8_t)rne_i8(iscale * xb[j]);
    for (int g = 0; g < 16; g++) {
      int32_t s = 0;
      for (int j = 0; j < 16; j++) s += qb[g * 16 + j];
      bs[b * 16 + g] = s;
    }
    d[b] = 1.0f / iscale;
  }
}

/* Quantized activations: row i has qs[i·k ..], d[i·nd ..] and bs[i·nbs ..]. */
typedef struct {
  const int8_t *qs;
  const float *d;
  const int32_t *bs;
  int64_t nd, nbs;
} q8_act;

/* ---- integer block sums ---------------------------------------------------------------------------------- */
#if defined(__AVX2__)
/* Σ over each 4 bytes of a (u8) · b (s8) → 8 int32, added to acc. maddubs cannot saturate here: a ≤ 128 and
 * |b| ≤ 127 (Q8_0 / Q4_0 callers), so a pair sum stays ≤ 32512. */
static inline __m256i dot_u8s8(__m256i acc, __m256i a, __m256i b) {
#if defined(__AVX512VNNI__)
  return _mm256_dpbusd_epi32(acc, a, b);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), _mm256_set1_epi16(1)));
#endif
}
/* sc · Σ over each 4 bytes of a (u8 ≤ 63) · b (s8): maddubs (pairs ≤ 16002) then madd with the int16 scales. */
static inline __m256i dot_scaled(__m256i a, __m256i b, __m256i sc16) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), sc16);
}
static inline float hsum8(__m256 a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static inline __m256i lane0(int32_t v) { return _mm256_setr_epi32(v, 0, 0, 0, 0, 0, 0, 0); }
typedef __m256 facc;
static inline facc facc_zero(void) { return _mm256_setzero_ps(); }
static inline float facc_sum(facc a) { return hsum8(a); }
#else
typedef float facc;
static inline facc facc_zero(void) { return 0.0f; }
static inline float facc_sum(facc a) { return a; }
#endif

/* ---- Q8_0 / Q4_0 weights · nr Q8_0 rows ------------------------------------------------------------------- */
static inline __attribute__((always_inline)) void dot_q0(const int nr, const int q4, const uint8_t *wr, int64_t k,
                                                         const q8_act *a, int64_t i0, float *out, int64_t ldo) {
  facc acc[4][2];
  for (int i = 0; i < nr; i++) acc[i][0] = acc[i][1] = facc_zero();
  const int64_t nb = k / QK;
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t *blk = wr + b * (q4 ? Q4_0_B : Q8_0_B);
    const float dw = f16_at(blk);
    const int c = (int)(b & 1);
#if defined(__AVX2__)
    __m256i wa; /* u8 weights: |q| (Q8_0, sign moved onto x) or the nibbles 0..15 (Q4_0, −8 folded in below) */
    __m256i ws = _mm256_setzero_si256();
    if (q4) {
      const __m128i raw = _mm_loadu_si128((const __m128i *)(blk + 2));
      const __m256i both = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
      wa = _mm256_and_si256(both, _mm256_set1_epi8(0x0f));
    } else {
      ws = _mm256_loadu_si256((const __m256i *)(blk + 2));
      wa = _mm256_sign_epi8(ws, ws);
    }
    for (int i = 0; i < nr; i++) {
      const int64_t r = i0 + i;
      const __m256i qx = _mm256_loadu_si256((const __m256i *)(a->qs + r * k + b * QK));
      /* Q4_0: Σ(n − 8)·x = Σ n·x − 8·Σx, the second term started in lane 0 (integer exact). */
      const __m256i p = q4 ? dot_u8s8(lane0(-8 * a->bs[r * a->nbs + b]), wa, qx)
                           : dot_u8s8(_mm256_setzero_si256(), wa, _mm256_sign_epi8(qx, ws));
      acc[i][c] = _mm256_fmadd_ps(_mm256_set1_ps(dw * a->d[r * a->nd + b]), _mm256_cvtepi32_ps(p), acc[i][c]);
    }
#else
    for (int i = 0; i < nr; i++) {
      const int64_t r = i0 + i;
      const int8_t *qx = a->qs + r * k + b * QK;
      int32_t s = 0;
      if (q4) {
        for (int j = 0; j < QK / 2; j++)
          s += ((blk[2 + j] & 15) - 8) * qx[j] + ((blk[2 + j] >> 4) - 8) * qx[j + QK / 2];
      } else {
        for (int j = 0; j < QK; j++) s += (int8_t)blk[2 + j] * qx[j];
      }
      acc[i][c] += (dw * a->d[r * a->nd + b]) * (float)s;
    }
#endif
  }
  for (int i = 0; i < nr; i++) out[i * ldo] = facc_sum(acc[i][0]) + facc_sum(acc[i][1]);
}

/* ---- AVX-512: one Q8_0 activation row · RW Q8_0 / Q4_0 weight rows, two blocks per 512-bit step ------------- */
#if defined(__AVX512BW__)
/* Same arithmetic as dot_q0 to the bit, cheaper at batch 1 (decode), where dot_q0 loads each activation block
 * once per weight row and runs on 256 bits. Here (like the row interleaving of ggml's repacked q8_0_4x8 gemv in
 * repack.cpp, without repacking the file's blocks) RW weight rows share every activation load, its sign mask and
 * its scales, and a zmm holds blocks b (low 256 bits) and b + 1 (high): its low half is exactly dot_q0's even-block
 * accumulator and its high half the odd one (b is even), so each lane sees the same FMAs in the same order, and
 * the end sums each half with hsum8 as before. The int32 lanes are the same integers: lane j of a block sums
 * bytes 4j..4j+3 (maddubs+madd or vpdpbusd alike), Q8_0 as ggml's mul_sum_i8_pairs (|w|·sign(x, w)), Q4_0 with
 * its −8·Σx term in the block's lane 0. */
static inline __m512i dot_u8s8_512(__m512i acc, __m512i a, __m512i b) {
#if defined(__AVX512VNNI__)
  return _mm512_dpbusd_epi32(acc, a, b);
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(a, b), _mm512_set1_epi16(1)));
#endif
}

static inline __attribute__((always_inline)) void dot_q0_rows(const int rw, const int q4, const uint8_t *w0,
                                                              int64_t row_bytes, int64_t k, const int8_t *qx,
                                                              const float *dx, const int32_t *bsx, float *out) {
  const int bb = q4 ? Q4_0_B : Q8_0_B;
  const int64_t nb = k / QK;
  __m512 acc[8];
  for (int r = 0; r < rw; r++) acc[r] = _mm512_setzero_ps();
  /* lanes 0..7 take the scale product of block b, lanes 8..15 block b + 1 (indices into s below) */
  __m512i sidx[8];
  for (int r = 0; r < rw; r++)
    sidx[r] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi32(2 * r)), _mm256_set1_epi32(2 * r + 1), 1);
  for (int64_t b = 0; b < nb; b += 2) {
    const int two = b + 1 < nb; /* an odd last block goes alone, in the low half (the high half left untouched) */
    const __mmask16 fm = two ? 0xffff : 0x00ff;
    const __m512i x = two ? _mm512_loadu_si512((const void *)(qx + b * QK))
                          : _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(qx + b * QK)));
    /* d_w·d_x of both blocks for every row, as dot_q0's scalar f32 products: f16 scales gathered, widened, mul */
    __m128i h = _mm_setzero_si128(); /* built in registers: 16-bit stores then a wide load would stall forwarding */
    for (int r = 0; r < rw; r++) {
      const uint8_t *blk = w0 + r * row_bytes + b * bb;
      uint16_t h0, h1 = 0;
      memcpy(&h0, blk, 2);
      if (two) memcpy(&h1, blk + bb, 2);
      h = _mm_insert_epi32(h, (int)((uint32_t)h0 | (uint32_t)h1 << 16), r);
    }
    const float d2[2] = {dx[b], two ? dx[b + 1] : 0.0f};
    double dd;
    memcpy(&dd, d2, 8);
    const __m256 dxv = _mm256_castpd_ps(_mm256_set1_pd(dd)); /* d_x of b, b + 1, repeated */
    const __m512 s = _mm512_castps256_ps512(_mm256_mul_ps(_mm256_cvtph_ps(h), dxv));
    __m512i init = _mm512_setzero_si512();
    if (q4) {
      init = _mm512_mask_set1_epi32(init, 0x0001, -8 * bsx[b]);
      if (two) init = _mm512_mask_set1_epi32(init, 0x0100, -8 * bsx[b + 1]);
    }
    for (int r = 0; r < rw; r++) {
      const uint8_t *blk = w0 + r * row_bytes + b * bb;
      /* the next group's rows (a prefetch past the matrix end cannot fault): 4 interleaved row streams outrun
       * the L2 streamer on matrices beyond L2 (8192×512 Q8_0: 17 → 28 GB/s) */
      _mm_prefetch((const char *)(blk + 4 * row_bytes), _MM_HINT_T0);
      __m512i p;
      if (q4) {
        const __m256i r0 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(blk + 2)));
        const __m256i r1 = two ? _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(blk + bb + 2)))
                               : _mm256_setzero_si256();
        __m512i t = _mm512_inserti64x4(_mm512_castsi256_si512(r0), r1, 1);
        t = _mm512_mask_srli_epi16(t, 0xff00ff00u, t, 4); /* 128-bit lanes 1, 3: the high nibbles (j + 16) */
        p = dot_u8s8_512(init, _mm512_and_si512(t, _mm512_set1_epi8(0x0f)), x);
      } else {
        const __m256i wl = _mm256_loadu_si256((const __m256i *)(blk + 2));
        const __m256i wh = two ? _mm256_loadu_si256((const __m256i *)(blk + bb + 2)) : _mm256_setzero_si256();
        const __m512i wv = _mm512_inserti64x4(_mm512_castsi256_si512(wl), wh, 1);
        const __mmask64 wneg = _mm512_movepi8_mask(wv);
        /* |w| and x with w's sign: _mm256_sign_epi8(x, w) of dot_q0 (a zero w zeroes its product either way) */
        p = dot_u8s8_512(init, _mm512_abs_epi8(wv), _mm512_mask_sub_epi8(x, wneg, _mm512_setzero_si512(), x));
      }
      const __m512 sr = _mm512_permutexvar_ps(sidx[r], s);
      acc[r] = _mm512_mask3_fmadd_ps(sr, _mm512_cvtepi32_ps(p), acc[r], fm);
    }
  }
  for (int r = 0; r < rw; r++)
    out[r] = hsum8(_mm512_castps512_ps256(acc[r])) +
             hsum8(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc[r]), 1)));
}
#endif

/* ---- Q4_K weights · nr Q8_K rows: per super-block (d_x·d)·Σ_s sc_s·Σ q·x − (d_x·dmin)·Σ_s m_s·bsums_s ------- */
static inline __attribute__((always_inline)) void dot_q4k(const int nr, const uint8_t *wr, int64_t k, const q8_act *a,
                                                          int64_t i0, float *out, int64_t ldo) {
  facc acc[4][2];
  float accm[4][2];
  for (int i = 0; i < nr; i++) {
    acc[i][0] = acc[i][1] = facc_zero();
    accm[i][0] = accm[i][1] = 0.0f;
  }
  for (int64_t b = 0; b < k / QKK; b++) {
    const uint8_t *blk = wr + b * Q4_K_B;
    const float d = f16_at(blk), dmin = f16_at(blk + 2);
    const uint8_t *s = blk + 4;
    int sc[8], mn[8];
    for (int j = 0; j < 8; j++) { /* ggml's get_scale_min_k4 */
      sc[j] = j < 4 ? s[j] & 63 : (s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4);
      mn[j] = j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
    const int c = (int)(b & 1);
#if defined(__AVX2__)
    __m256i isum[4];
    for (int i = 0; i < nr; i++) isum[i] = _mm256_setzero_si256();
    for (int g = 0; g < 4; g++) {
      const __m256i raw = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * g));
      const __m256i lo = _mm256_and_si256(raw, _mm256_set1_epi8(0x0f));
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), _mm256_set1_epi8(0x0f));
      const __m256i s1 = _mm256_set1_epi16((short)sc[2 * g]), s2 = _mm256_set1_epi16((short)sc[2 * g + 1]);
      for (int i = 0; i < nr; i++) {
        const int8_t *qx = a->qs + (i0 + i) * k + b * QKK + 64 * g;
        const __m256i p1 = dot_scaled(lo, _mm256_loadu_si256((const __m256i *)qx), s1);
        const __m256i p2 = dot_scaled(hi, _mm256_loadu_si256((const __m256i *)(qx + 32)), s2);
        isum[i] = _mm256_add_epi32(isum[i], _mm256_add_epi32(p1, p2));
      }
    }
#endif
    for (int i = 0; i < nr; i++) {
      const int64_t r = i0 + i;
      const int32_t *bs = a->bs + r * a->nbs + b * 16;
      int32_t msum = 0;
      for (int j = 0; j < 8; j++) msum += mn[j] * (bs[2 * j] + bs[2 * j + 1]);
      const float dx = a->d[r * a->nd + b];
#if defined(__AVX2__)
      acc[i][c] = _mm256_fmadd_ps(_mm256_set1_ps(dx * d), _mm256_cvtepi32_ps(isum[i]), acc[i][c]);
#else
      const int8_t *qx = a->qs + r * k + b * QKK;
      int32_t is = 0;
      for (int j = 0; j < 8; j++) {
        const uint8_t *q = blk + 16 + 32 * (j / 2);
        const int sh = (j & 1) * 4;
        int32_t t = 0;
        for (int l = 0; l < 32; l++) t += ((q[l] >> sh) & 15) * qx[32 * j + l];
        is += sc[j] * t;
      }
      acc[i][c] += (dx * d) * (float)is;
#endif
      accm[i][c] += (dx * dmin) * (float)msum;
    }
  }
  for (int i = 0; i < nr; i++)
    out[i * ldo] = (facc_sum(acc[i][0]) + facc_sum(acc[i][1])) - (accm[i][0] + accm[i][1]);
}

#if defined(__AVX512BW__)
/* ---- AVX-512: RX Q8_K activation rows · RW Q4_K weight rows (prompts, batched decode) ------------------------------
 * The same integers and the same f32 operations as dot_q4k, so each output keeps its bits whatever N: a zmm takes a
 * group's 64 weights at once (the low nibbles, quants 64g..64g+31, in the low 256 bits with scale sc[2g]; the high
 * nibbles in the high 256 bits with sc[2g+1]) against the 64 contiguous activation bytes, maddubs + madd as
 * dot_scaled; lane j of each half sums bytes 4j..4j+3 of its 32, and the two halves added at the end of the
 * super-block are dot_q4k's 8 lanes (exact int32). Each weight group is unpacked and scaled once for the tile's RX
 * activation rows, each activation load shared by its RW weight rows. */
enum { KQ_ROWS = 64 }; /* activation rows per pass over a group of weight rows (their sums stay in L1: 18 KB) */

/* A Q4_K super-block's 12 scale bytes as 16: bytes 0..7 the 6-bit scales, 8..15 the mins, the values of
 * get_scale_min_k4, decoded four at a time in 32-bit words (ggml's utmp shuffle in ggml_vec_dot_q4_K_q8_K). */
static inline __m128i q4k_scales(const uint8_t *blk) {
  uint32_t u[4];
  memcpy(u, blk + 4, 12);
  u[3] = ((u[2] >> 4) & 0x0f0f0f0fu) | (((u[1] >> 6) & 0x03030303u) << 4);
  const uint32_t mins_lo = u[1] & 0x3f3f3f3fu;
  u[1] = (u[2] & 0x0f0f0f0fu) | (((u[0] >> 6) & 0x03030303u) << 4);
  u[2] = mins_lo;
  u[0] &= 0x3f3f3f3fu;
  return _mm_loadu_si128((const __m128i *)u);
}
/* The 8 mins of q4k_scales as int16, each twice: one per 16 quants, against Q8_K's 16 block sums. */
static inline __m256i q4k_mins2(__m128i sm) {
  const __m128i mn16 = _mm_cvtepu8_epi16(_mm_srli_si128(sm, 8));
  return _mm256_set_m128i(_mm_unpackhi_epi16(mn16, mn16), _mm_unpacklo_epi16(mn16, mn16));
}
/* Group g's two scales as int16: sc[2g] in the low 256 bits (quants 64g..64g+31), sc[2g + 1] in the high 256;
 * sc16 holds the 8 scales as int16 in lanes 0..7. */
static inline __m512i q4k_group_scales(__m512i sc16, int g) {
  const __m512i idx = _mm512_inserti64x4(_mm512_set1_epi16((short)(2 * g)), _mm256_set1_epi16((short)(2 * g + 1)), 1);
  return _mm512_permutexvar_epi16(idx, sc16);
}

static inline __attribute__((always_inline)) void dot_q4k_tile(const int RW, const uint8_t *w0, int64_t row_bytes,
                                                               int64_t k, const q8_act *a, int64_t i0, int64_t ni,
                                                               float *out, int64_t ldo) {
  __m256 acc[KQ_ROWS][4][2];
  __m128 accm[KQ_ROWS][2]; /* lane r: dot_q4k's scalar accm of weight row r, the same products and sums lane by lane */
  for (int64_t i = 0; i < ni; i++) {
    accm[i][0] = accm[i][1] = _mm_setzero_ps();
    for (int r = 0; r < RW; r++) acc[i][r][0] = acc[i][r][1] = _mm256_setzero_ps();
  }
  const __m512i m4 = _mm512_set1_epi8(0x0f);
  for (int64_t b = 0; b < k / QKK; b++) {
    const int c = (int)(b & 1);
    /* The super-block of each weight row unpacked once for all ni activation rows: nibbles (u8) per group of 64
     * and the group's two int16 scales, the mins per 16 quants (each of the 8 twice) against Q8_K's block sums. */
    __m512i wq[4][4], s16[4][4];
    __m256i mn16[4];
    float d[4], dmin[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int r = 0; r < RW; r++) {
      const uint8_t *blk = w0 + r * row_bytes + b * Q4_K_B;
      d[r] = f16_at(blk);
      dmin[r] = f16_at(blk + 2);
      const __m128i sm = q4k_scales(blk);
      const __m512i sc16 = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(sm));
      mn16[r] = q4k_mins2(sm);
      for (int g = 0; g < 4; g++) {
        const __m512i t = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * g)));
        wq[r][g] = _mm512_and_si512(_mm512_mask_srli_epi16(t, 0xffff0000u, t, 4), m4);
        s16[r][g] = q4k_group_scales(sc16, g);
      }
    }
    for (int r = RW; r < 4; r++) mn16[r] = _mm256_setzero_si256();
    const __m128 dminv = _mm_loadu_ps(dmin);
    for (int64_t i = 0; i < ni; i++) {
      const int64_t row = i0 + i;
      const int8_t *qx = a->qs + row * k + b * QKK;
      const __m512i x0 = _mm512_loadu_si512((const void *)qx), x1 = _mm512_loadu_si512((const void *)(qx + 64));
      const __m512i x2 = _mm512_loadu_si512((const void *)(qx + 128)), x3 = _mm512_loadu_si512((const void *)(qx + 192));
      const float dx = a->d[row * a->nd + b];
      for (int r = 0; r < RW; r++) {
        __m512i is = _mm512_madd_epi16(_mm512_maddubs_epi16(wq[r][0], x0), s16[r][0]);
        is = _mm512_add_epi32(is, _mm512_madd_epi16(_mm512_maddubs_epi16(wq[r][1], x1), s16[r][1]));
        is = _mm512_add_epi32(is, _mm512_madd_epi16(_mm512_maddubs_epi16(wq[r][2], x2), s16[r][2]));
        is = _mm512_add_epi32(is, _mm512_madd_epi16(_mm512_maddubs_epi16(wq[r][3], x3), s16[r][3]));
        const __m256i is8 = _mm256_add_epi32(_mm512_castsi512_si256(is), _mm512_extracti64x4_epi64(is, 1));
        acc[i][r][c] = _mm256_fmadd_ps(_mm256_set1_ps(dx * d[r]), _mm256_cvtepi32_ps(is8), acc[i][r][c]);
      }
      /* msum_r = Σ_j mn_j·(bs_2j + bs_2j+1), the 4 rows at once: the 16 sums fit int16 (|bs| ≤ 16·128) */
      const __m256i b16 = _mm512_cvtepi32_epi16(_mm512_loadu_si512((const void *)(a->bs + row * a->nbs + b * 16)));
      const __m256i h01 = _mm256_hadd_epi32(_mm256_madd_epi16(mn16[0], b16), _mm256_madd_epi16(mn16[1], b16));
      const __m256i h23 = _mm256_hadd_epi32(_mm256_madd_epi16(mn16[2], b16), _mm256_madd_epi16(mn16[3], b16));
      const __m256i h = _mm256_hadd_epi32(h01, h23);
      const __m128i msum = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
      accm[i][c] = _mm_add_ps(accm[i][c], _mm_mul_ps(_mm_mul_ps(_mm_set1_ps(dx), dminv), _mm_cvtepi32_ps(msum)));
    }
  }
  for (int64_t i = 0; i < ni; i++) {
    float m0[4], m1[4];
    _mm_storeu_ps(m0, accm[i][0]);
    _mm_storeu_ps(m1, accm[i][1]);
    for (int r = 0; r < RW; r++) out[i * ldo + r] = (hsum8(acc[i][r][0]) + hsum8(acc[i][r][1])) - (m0[r] + m1[r]);
  }
}

/* The 64 quants 0..63 of chunks 2p and 2p + 1 of half h of a Q6_K block (dot_q6k's order): the low 4 bits from its
 * 64 ql bytes (nibble p), the high 2 from qh, shifted per chunk (shift[p]: 4p in the low 256 bits, 4p + 2 high). */
static inline __m512i q6k_quants(const uint8_t *blk, int h, int p, const __m512i *shift) {
  const __m512i l = _mm512_loadu_si512((const void *)(blk + 64 * h));
  const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h)));
  const __m512i lo = _mm512_and_si512(p ? _mm512_srli_epi16(l, 4) : l, _mm512_set1_epi8(0x0f));
  const __m512i hi2 = _mm512_and_si512(_mm512_srlv_epi16(qh, shift[p]), _mm512_set1_epi8(3));
  return _mm512_or_si512(lo, _mm512_slli_epi16(hi2, 4));
}

/* ---- AVX-512: Q6_K weights · up to KQ_ROWS Q8_K activation rows, RW weight rows at a time --------------------
 * The same integers and f32 operations as dot_q6k: a zmm takes two of its 32-quant chunks at once (qq and qq + 1
 * of a half h: 64 contiguous activation bytes; the low 4 bits from 64 contiguous ql bytes, the high 2 from qh
 * shifted per chunk; a scale per 16 quants, i.e. per 128-bit lane), maddubs + madd as dot_scaled; the two halves
 * added at the end of the super-block are dot_q6k's 8 lanes, −32·Σ sc·bsums in lane 0 (exact int32). */
static inline __attribute__((always_inline)) void dot_q6k_tile(const int RW, const uint8_t *w0, int64_t row_bytes,
                                                               int64_t k, const q8_act *a, int64_t i0, int64_t ni,
                                                               float *out, int64_t ldo) {
  __m256 acc[KQ_ROWS][4][2];
  for (int64_t i = 0; i < ni; i++)
    for (int r = 0; r < RW; r++) acc[i][r][0] = acc[i][r][1] = _mm256_setzero_ps();
  /* per 16-bit element: chunk qq's 2 high bits are bits 2qq..2qq+1 of qh (low 256 bits: qq = 2p, high: 2p + 1) */
  const __m512i shift[2] = {_mm512_inserti64x4(_mm512_set1_epi16(0), _mm256_set1_epi16(2), 1),
                            _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(6), 1)};
  for (int64_t b = 0; b < k / QKK; b++) {
    const int c = (int)(b & 1);
    __m512i wq[4][4], s16[4][4]; /* [r][2h + p]: chunks qq = 2p, 2p + 1 of half h */
    __m256i sc16[4];
    float d[4];
    for (int r = 0; r < RW; r++) {
      const uint8_t *blk = w0 + r * row_bytes + b * Q6_K_B;
      const int8_t *sc = (const int8_t *)(blk + 192);
      d[r] = f16_at(blk + 208);
      sc16[r] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
      for (int h = 0; h < 2; h++) {
        for (int p = 0; p < 2; p++) {
          wq[r][2 * h + p] = q6k_quants(blk, h, p, shift);
          const int g = 8 * h + 4 * p; /* scales of the 4 groups of 16 in this zmm, one per 128-bit lane */
          s16[r][2 * h + p] = _mm512_inserti64x4(
              _mm512_castsi256_si512(_mm256_set_m128i(_mm_set1_epi16(sc[g + 1]), _mm_set1_epi16(sc[g]))),
              _mm256_set_m128i(_mm_set1_epi16(sc[g + 3]), _mm_set1_epi16(sc[g + 2])), 1);
        }
      }
    }
    for (int r = RW; r < 4; r++) sc16[r] = _mm256_setzero_si256();
    for (int64_t i = 0; i < ni; i++) {
      const int64_t row = i0 + i;
      const int8_t *qx = a->qs + row * k + b * QKK;
      const float dx = a->d[row * a->nd + b];
      /* corr_r = 32·Σ_g sc_g·bs_g, the 4 rows at once (|bs| ≤ 16·128 fits int16) */
      const __m256i b16 = _mm512_cvtepi32_epi16(_mm512_loadu_si512((const void *)(a->bs + row * a->nbs + b * 16)));
      const __m256i h01 = _mm256_hadd_epi32(_mm256_madd_epi16(sc16[0], b16), _mm256_madd_epi16(sc16[1], b16));
      const __m256i h23 = _mm256_hadd_epi32(_mm256_madd_epi16(sc16[2], b16), _mm256_madd_epi16(sc16[3], b16));
      const __m256i hh = _mm256_hadd_epi32(h01, h23);
      int32_t corr[4];
      _mm_storeu_si128((__m128i *)corr, _mm_slli_epi32(_mm_add_epi32(_mm256_castsi256_si128(hh), _mm256_extracti128_si256(hh, 1)), 5));
      __m512i x[4];
      for (int j = 0; j < 4; j++) x[j] = _mm512_loadu_si512((const void *)(qx + 64 * j)); /* half j/2, chunks 2(j%2), +1 */
      for (int r = 0; r < RW; r++) {
        __m512i is = _mm512_madd_epi16(_mm512_maddubs_epi16(wq[r][0], x[0]), s16[r][0]);
        is = _mm512_add_epi32(is, _mm512_madd_epi16(_mm512_maddubs_epi16(wq[r][1], x[1]), s16[r][1]));
        is = _mm512_add_epi32(is, _mm512_madd_epi16(_mm512_maddubs_epi16(wq[r][2], x[2]), s16[r][2]));
        is = _mm512_add_epi32(is, _mm512_madd_epi16(_mm512_maddubs_epi16(wq[r][3], x[3]), s16[r][3]));
        const __m256i is8 = _mm256_add_epi32(_mm256_add_epi32(_mm512_castsi512_si256(is), _mm512_extracti64x4_epi64(is, 1)), lane0(-corr[r]));
        acc[i][r][c] = _mm256_fmadd_ps(_mm256_set1_ps(dx * d[r]), _mm256_cvtepi32_ps(is8), acc[i][r][c]);
      }
    }
  }
  for (int64_t i = 0; i < ni; i++)
    for (int r = 0; r < RW; r++) out[i * ldo + r] = hsum8(acc[i][r][0]) + hsum8(acc[i][r][1]);
}

/* ---- AVX-512: one Q8_K activation row · one Q4_K weight row (decode) ------------------------------------------
 * dot_q4k's integers and f32 operations again (its bits), with less scalar work per super-block, which is most of
 * dot_q4k's time at N = 1: the scale bytes decoded in 32-bit words (q4k_scales), each group's scales broadcast by
 * one permute, Σ_j mn_j·(bs_2j + bs_2j+1) by one madd, and 64 weights a step. */
static inline float dot_q4k_one(const uint8_t *wr, int64_t k, const int8_t *qx, const float *dx, const int32_t *bsx) {
  __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  float accm[2] = {0.0f, 0.0f};
  const __m512i m4 = _mm512_set1_epi8(0x0f);
  for (int64_t b = 0; b < k / QKK; b++) {
    const uint8_t *blk = wr + b * Q4_K_B;
    const int c = (int)(b & 1);
    const __m128i sm = q4k_scales(blk);
    const __m512i sc16 = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(sm)); /* int16 lanes 0..7: the scales */
    const __m256i mn2 = q4k_mins2(sm);
    const __m256i b16 = _mm512_cvtepi32_epi16(_mm512_loadu_si512((const void *)(bsx + b * 16)));
    const __m256i mp = _mm256_madd_epi16(mn2, b16);
    __m128i m = _mm_add_epi32(_mm256_castsi256_si128(mp), _mm256_extracti128_si256(mp, 1));
    m = _mm_add_epi32(m, _mm_unpackhi_epi64(m, m));
    const int32_t msum = _mm_cvtsi128_si32(m) + _mm_extract_epi32(m, 1);
    __m512i is = _mm512_setzero_si512();
    const int8_t *xb = qx + b * QKK;
    for (int g = 0; g < 4; g++) {
      const __m512i t = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * g)));
      const __m512i wq = _mm512_and_si512(_mm512_mask_srli_epi16(t, 0xffff0000u, t, 4), m4);
      is = _mm512_add_epi32(is, _mm512_madd_epi16(_mm512_maddubs_epi16(wq, _mm512_loadu_si512((const void *)(xb + 64 * g))), q4k_group_scales(sc16, g)));
    }
    const __m256i is8 = _mm256_add_epi32(_mm512_castsi512_si256(is), _mm512_extracti64x4_epi64(is, 1));
    const float d = f16_at(blk), dmin = f16_at(blk + 2);
    acc[c] = _mm256_fmadd_ps(_mm256_set1_ps(dx[b] * d), _mm256_cvtepi32_ps(is8), acc[c]);
    accm[c] += (dx[b] * dmin) * (float)msum;
  }
  return (hsum8(acc[0]) + hsum8(acc[1])) - (accm[0] + accm[1]);
}

/* ---- AVX-512: one Q8_K activation row · one Q6_K weight row (decode): dot_q6k's integers and f32 operations (its
 * bits), as dot_q6k_tile computes them for one row, the 16 group scales widened once and each zmm's four taken by
 * one permute, the −32 offset's Σ sc·bsums by one madd. */
static inline float dot_q6k_one(const uint8_t *wr, int64_t k, const int8_t *qx, const float *dx, const int32_t *bsx) {
  __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  const __m512i shift[2] = {_mm512_inserti64x4(_mm512_set1_epi16(0), _mm256_set1_epi16(2), 1),
                            _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(6), 1)};
  /* the scale of int16 lane e of the zmm for (h, p): group 8h + 4p + e / 8 (one per 128-bit lane) */
  __m512i sidx[4];
  for (int j = 0; j < 4; j++) {
    short ix[32];
    for (int e = 0; e < 32; e++) ix[e] = (short)(4 * j + e / 8);
    sidx[j] = _mm512_loadu_si512((const void *)ix);
  }
  for (int64_t b = 0; b < k / QKK; b++) {
    const uint8_t *blk = wr + b * Q6_K_B;
    const int c = (int)(b & 1);
    const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(blk + 192)));
    const __m256i b16 = _mm512_cvtepi32_epi16(_mm512_loadu_si512((const void *)(bsx + b * 16)));
    const __m256i cp = _mm256_madd_epi16(sc16, b16);
    __m128i cs = _mm_add_epi32(_mm256_castsi256_si128(cp), _mm256_extracti128_si256(cp, 1));
    cs = _mm_add_epi32(cs, _mm_unpackhi_epi64(cs, cs));
    const int32_t corr = 32 * (_mm_cvtsi128_si32(cs) + _mm_extract_epi32(cs, 1));
    const __m512i sc512 = _mm512_castsi256_si512(sc16);
    const int8_t *xb = qx + b * QKK;
    __m512i is = _mm512_setzero_si512();
    for (int h = 0; h < 2; h++) {
      for (int p = 0; p < 2; p++) {
        const __m512i q = q6k_quants(blk, h, p, shift);
        const __m512i s16 = _mm512_permutexvar_epi16(sidx[2 * h + p], sc512);
        is = _mm512_add_epi32(is, _mm512_madd_epi16(_mm512_maddubs_epi16(q, _mm512_loadu_si512((const void *)(xb + 64 * (2 * h + p)))), s16));
      }
    }
    const __m256i is8 = _mm256_add_epi32(_mm256_add_epi32(_mm512_castsi512_si256(is), _mm512_extracti64x4_epi64(is, 1)), lane0(-corr));
    acc[c] = _mm256_fmadd_ps(_mm256_set1_ps(dx[b] * f16_at(blk + 208)), _mm256_cvtepi32_ps(is8), acc[c]);
  }
  return hsum8(acc[0]) + hsum8(acc[1]);
}

/* The tiles with their weight-row count fixed (4, or 1 for the last rows), called through kq_run. */
#define KQ_ROWS_FN(NAME, TILE, RW)                                                                                 \
  static void NAME(const uint8_t *w0, int64_t row_bytes, int64_t k, const q8_act *a, int64_t i0, int64_t ni,     \
                   float *out, int64_t ldo) {                                                                     \
    TILE(RW, w0, row_bytes, k, a, i0, ni, out, ldo);                                                              \
  }
KQ_ROWS_FN(q4k_rows4, dot_q4k_tile, 4) KQ_ROWS_FN(q4k_rows1, dot_q4k_tile, 1)
KQ_ROWS_FN(q6k_rows4, dot_q6k_tile, 4) KQ_ROWS_FN(q6k_rows1, dot_q6k_tile, 1)
typedef void (*kq_rows_fn)(const uint8_t *, int64_t, int64_t, const q8_act *, int64_t, int64_t, float *, int64_t);

/* out[i·n_out + r] for every activation row i < n and the weight rows r in [r0, r1): groups of 4 (then 1) weight
 * rows, each against the activation rows KQ_ROWS at a time. */
static void kq_run(kq_rows_fn f4, kq_rows_fn f1, const uint8_t *w, int64_t row_bytes, int64_t k, const q8_act *a,
                   int64_t n, int64_t r0, int64_t r1, float *out, int64_t n_out) {
  for (int64_t r = r0; r < r1;) {
    const int four = r1 - r >= 4;
    for (int64_t i = 0; i < n; i += KQ_ROWS)
      (four ? f4 : f1)(w + r * row_bytes, row_bytes, k, a, i, kd_min64(KQ_ROWS, n - i), out + i * n_out + r, n_out);
    r += four ? 4 : 1;
  }
}
#endif

/* ---- Q6_K weights · nr Q8_K rows: per super-block (d_x·d)·(Σ_g sc_g·Σ q·x − 32·Σ_g sc_g·bsums_g), q = 0..63 -- */
static inline __attribute__((always_inline)) void dot_q6k(const int nr, const uint8_t *wr, int64_t k, const q8_act *a,
                                                          int64_t i0, float *out, int64_t ldo) {
  facc acc[4][2];
  for (int i = 0; i < nr; i++) acc[i][0] = acc[i][1] = facc_zero();
  for (int64_t b = 0; b < k / QKK; b++) {
    const uint8_t *blk = wr + b * Q6_K_B;
    const int8_t *sc = (const int8_t *)(blk + 192);
    const float d = f16_at(blk + 208);
    const int c = (int)(b & 1);
    int32_t corr[4];
    for (int i = 0; i < nr; i++) { /* the −32 offset through Q8_K's bsums: group g of 16 has scale sc[g] */
      const int32_t *bs = a->bs + (i0 + i) * a->nbs + b * 16;
      int32_t t = 0;
      for (int g = 0; g < 16; g++) t += sc[g] * bs[g];
      corr[i] = 32 * t;
    }
#if defined(__AVX2__)
    __m256i isum[4];
    for (int i = 0; i < nr; i++) isum[i] = lane0(-corr[i]);
    for (int h = 0; h < 2; h++) {
      const uint8_t *ql = blk + 64 * h, *qhp = blk + 128 + 32 * h;
      const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql), l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
      const __m256i qh = _mm256_loadu_si256((const __m256i *)qhp);
      const __m256i m4 = _mm256_set1_epi8(0x0f), m2 = _mm256_set1_epi8(3);
      for (int qq = 0; qq < 4; qq++) {
        /* weights 128h + 32qq + l: low 4 bits from ql[l + 32(qq&1)] (nibble qq>>1), high 2 from qh[l] bits 2qq */
        const __m256i lsrc = (qq & 1) ? l1 : l0;
        const __m256i lo = _mm256_and_si256(qq >> 1 ? _mm256_srli_epi16(lsrc, 4) : lsrc, m4);
        const __m256i hi2 = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * qq), m2);
        const __m256i q = _mm256_or_si256(lo, _mm256_slli_epi16(hi2, 4));
        const int g = 8 * h + 2 * qq; /* groups g (l < 16) and g + 1 (l ≥ 16) */
        const __m256i s16 = _mm256_set_m128i(_mm_set1_epi16(sc[g + 1]), _mm_set1_epi16(sc[g]));
        for (int i = 0; i < nr; i++) {
          const int8_t *qx = a->qs + (i0 + i) * k + b * QKK + 128 * h + 32 * qq;
          isum[i] = _mm256_add_epi32(isum[i], dot_scaled(q, _mm256_loadu_si256((const __m256i *)qx), s16));
        }
      }
    }
    for (int i = 0; i < nr; i++)
      acc[i][c] = _mm256_fmadd_ps(_mm256_set1_ps(a->d[(i0 + i) * a->nd + b] * d), _mm256_cvtepi32_ps(isum[i]), acc[i][c]);
#else
    for (int i = 0; i < nr; i++) {
      const int8_t *qx = a->qs + (i0 + i) * k + b * QKK;
      int32_t is = -corr[i];
      for (int h = 0; h < 2; h++) {
        const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
        for (int qq = 0; qq < 4; qq++) {
          for (int l = 0; l < 32; l++) {
            const int q = ((ql[l + 32 * (qq & 1)] >> (4 * (qq >> 1))) & 15) | (((qh[l] >> (2 * qq)) & 3) << 4);
            is += sc[8 * h + 2 * qq + l / 16] * q * qx[128 * h + 32 * qq + l];
          }
        }
      }
      acc[i][c] += (a->d[(i0 + i) * a->nd + b] * d) * (float)is;
    }
#endif
  }
  for (int i = 0; i < nr; i++) out[i * ldo] = facc_sum(acc[i][0]) + facc_sum(acc[i][1]);
}

/* ---- tasks ------------------------------------------------------------------------------------------------ */
typedef struct {
  kd_quant_type type;
  const float *x;
  const uint8_t *w;
  int64_t n, k, n_out, row_bytes, rows_per_task, x_rows_per_task;
  q8_act a;
  int8_t *qs;
  float *d;
  int32_t *bs;
  float *out;
} q8_ctx;

static void quantize_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const q8_ctx *c = vctx;
  const int64_t r0 = (int64_t)task * c->x_rows_per_task, r1 = kd_min64(c->n, r0 + c->x_rows_per_task);
  const int kq = c->type == KD_QUANT_Q4_K || c->type == KD_QUANT_Q6_K;
  for (int64_t r = r0; r < r1; r++) {
    if (kq) quantize_q8_k(c->x + r * c->k, c->k, c->qs + r * c->k, c->d + r * c->a.nd, c->bs + r * c->a.nbs);
    else quantize_q8_0(c->x + r * c->k, c->k, c->qs + r * c->k, c->d + r * c->a.nd, c->bs + r * c->a.nbs);
  }
}

#define KD_Q8_ROWS(CALL)                \
  switch (nr) {                         \
    case 4: CALL(4); break;             \
    case 3: CALL(3); break;             \
    case 2: CALL(2); break;             \
    default: CALL(1); break;            \
  }
#define KD_Q8_0(NR) dot_q0(NR, 0, wr, c->k, &c->a, i, o, c->n_out)
#define KD_Q4_0(NR) dot_q0(NR, 1, wr, c->k, &c->a, i, o, c->n_out)
#define KD_Q4_K(NR) dot_q4k(NR, wr, c->k, &c->a, i, o, c->n_out)
#define KD_Q6_K(NR) dot_q6k(NR, wr, c->k, &c->a, i, o, c->n_out)

#if defined(__AVX512VNNI__) /* native/avx512/quant_q8_batch_avx512vnni.c: the same bits for N ≥ 2 rows, faster */
void kd_q0_batch_avx512vnni(int q4, const uint8_t *w, int64_t row_bytes, int64_t k, int64_t r0, int64_t r1,
                            const int8_t *qs, const float *dx, const int32_t *bs, int64_t nd, int64_t n, float *out,
                            int64_t n_out);
#endif

static void dot_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const q8_ctx *c = vctx;
  const int64_t r0 = (int64_t)task * c->rows_per_task, r1 = kd_min64(c->n_out, r0 + c->rows_per_task);
#if defined(__AVX512VNNI__)
  if ((c->type == KD_QUANT_Q8_0 || c->type == KD_QUANT_Q4_0) && c->n >= 2) {
    kd_q0_batch_avx512vnni(c->type == KD_QUANT_Q4_0, c->w, c->row_bytes, c->k, r0, r1, c->a.qs, c->a.d, c->a.bs,
                           c->a.nd, c->n, c->out, c->n_out);
    return;
  }
#endif
  int64_t i = 0;
#if defined(__AVX512BW__)
  if ((c->type == KD_QUANT_Q4_K || c->type == KD_QUANT_Q6_K) && c->n == 1) {
    for (int64_t r = r0; r < r1; r++) {
      const uint8_t *wr = c->w + r * c->row_bytes;
      c->out[r] = c->type == KD_QUANT_Q4_K ? dot_q4k_one(wr, c->k, c->a.qs, c->a.d, c->a.bs) : dot_q6k_one(wr, c->k, c->a.qs, c->a.d, c->a.bs);
    }
    return;
  }
  if ((c->type == KD_QUANT_Q4_K || c->type == KD_QUANT_Q6_K) && c->n >= 2) {
    const int q4k = c->type == KD_QUANT_Q4_K;
    kq_run(q4k ? q4k_rows4 : q6k_rows4, q4k ? q4k_rows1 : q6k_rows1, c->w, c->row_bytes, c->k, &c->a, c->n, r0, r1,
           c->out, c->n_out);
    return;
  }
  if (c->type == KD_QUANT_Q8_0 || c->type == KD_QUANT_Q4_0) {
    /* Fewer than 4 activation rows left (decode): one at a time against 4 weight rows at once (dot_q0_rows). */
    const int q4 = c->type == KD_QUANT_Q4_0;
    for (i = c->n - c->n % 4; i < c->n; i++) {
      const int8_t *qx = c->a.qs + i * c->k;
      const float *dx = c->a.d + i * c->a.nd;
      const int32_t *bsx = c->a.bs + i * c->a.nbs;
      float *o = c->out + i * c->n_out;
      int64_t r = r0;
      for (; r + 4 <= r1; r += 4) {
        const uint8_t *wr = c->w + r * c->row_bytes;
        if (q4) dot_q0_rows(4, 1, wr, c->row_bytes, c->k, qx, dx, bsx, o + r);
        else dot_q0_rows(4, 0, wr, c->row_bytes, c->k, qx, dx, bsx, o + r);
      }
      for (; r < r1; r++) {
        const uint8_t *wr = c->w + r * c->row_bytes;
        if (q4) dot_q0_rows(1, 1, wr, c->row_bytes, c->k, qx, dx, bsx, o + r);
        else dot_q0_rows(1, 0, wr, c->row_bytes, c->k, qx, dx, bsx, o + r);
      }
    }
    i = 0;
  }
  const int64_t n_main = (c->type == KD_QUANT_Q8_0 || c->type == KD_QUANT_Q4_0) ? c->n - c->n % 4 : c->n;
#else
  const int64_t n_main = c->n;
#endif
  for (; i < n_main; i += 4) {
    const int nr = (int)kd_min64(4, n_main - i);
    for (int64_t r = r0; r < r1; r++) {
      const uint8_t *wr = c->w + r * c->row_bytes;
      float *o = c->out + i * c->n_out + r;
      switch (c->type) {
        case KD_QUANT_Q8_0: KD_Q8_ROWS(KD_Q8_0); break;
        case KD_QUANT_Q4_0: KD_Q8_ROWS(KD_Q4_0); break;
        case KD_QUANT_Q4_K: KD_Q8_ROWS(KD_Q4_K); break;
        default: KD_Q8_ROWS(KD_Q6_K); break;
      }
    }
  }
}

int KD_FN(kd_quant_matmul_q8)(kd_quant_type type, const float *x, const uint8_t *w, int64_t n, int64_t k,
                              int64_t n_out, float *out) {
  const int64_t row_bytes = kd_quant_row_bytes(type, k);
  if (row_bytes <= 0 || n <= 0 || n_out <= 0) return 0;
  const int kq = type == KD_QUANT_Q4_K || type == KD_QUANT_Q6_K;
  const int64_t nd = k / (kq ? QKK : QK), nbs = kq ? k / 16 : k / QK;
  /* One block: int32 sums, f32 scales, then the int8 quants (32-byte loads may run to the end only). Kept per
   * calling thread between calls (decode calls this hundreds of times per token with the same small sizes);
   * only the caller's thread quantizes into it before the pool starts and reads it until kd_run returns. */
  static _Thread_local uint8_t *scratch;
  static _Thread_local size_t scratch_bytes;
  const size_t bytes = (size_t)(n * nbs) * sizeof(int32_t) + (size_t)(n * nd) * sizeof(float) + (size_t)(n * k);
  enum { KEEP = 1 << 22 }; /* larger blocks (long prompts) are allocated per call, not held */
  uint8_t *mem = scratch;
  if (bytes > KEEP) {
    mem = malloc(bytes);
    if (mem == NULL) return -1;
  } else if (bytes > scratch_bytes) {
    free(scratch);
    scratch_bytes = 0;
    scratch = mem = malloc(KEEP < 2 * bytes ? KEEP : 2 * bytes);
    if (scratch == NULL) return -1;
    scratch_bytes = KEEP < 2 * bytes ? KEEP : 2 * bytes;
  }
  /* Tasks of a multiple of 4 W rows (about 32 KB of weights), so dot_q0_rows rarely runs a short group. */
  const int64_t rows_per_task = kd_max64(4, 32768 / row_bytes / 4 * 4);
  q8_ctx c = {type, x, w, n, k, n_out, row_bytes, rows_per_task, kd_max64(1, 32768 / k), {0}, NULL, NULL, NULL, out};
  c.bs = (int32_t *)mem;
  c.d = (float *)(mem + (size_t)(n * nbs) * sizeof(int32_t));
  c.qs = (int8_t *)(mem + (size_t)(n * nbs) * sizeof(int32_t) + (size_t)(n * nd) * sizeof(float));
  c.a = (q8_act){c.qs, c.d, c.bs, nd, nbs};
  kd_run(kd_div_up(n, c.x_rows_per_task), quantize_task, &c);
  kd_run(kd_div_up(n_out, c.rows_per_task), dot_task, &c);
  if (mem != scratch) free(mem);
  return 0;
}
