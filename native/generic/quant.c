/* quantMatmul kernels: f32 activation rows times ggml Q8_0 / Q4_0 / Q4_K / Q6_K weight rows, each block decoded
 * in registers to exactly ggml's dequantized values (d·q, d·(q − 8), (d·sc)·q − dmin·m, (d·sc)·(q − 32);
 * separate mul and sub, as ggml's dequantize_row_*) and multiplied-accumulated in f32. One source for every ISA (see kd_impl.h): AVX-512
 * or AVX2 intrinsics where compiled with them, portable C otherwise. Not here: dispatch (quant_dispatch.c).
 *
 * Schedule: tasks are runs of W rows (~32 KiB of blocks); within a task the activation rows go 4 at a time and
 * each W row is decoded once per group of 4, so x and the task's blocks stay in cache. Per output element the
 * order of operations depends on the ISA only, never on the thread count or on N. */
#include <string.h>
#include "kd_impl.h"
#include "kd_quant.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif

/* ---- vectors of VL floats ------------------------------------------------------------------------------- */
#if defined(__AVX512F__)
#define VL 16
typedef __m512 vf;
static inline vf vf_zero(void) { return _mm512_setzero_ps(); }
static inline vf vf_set1(float a) { return _mm512_set1_ps(a); }
static inline vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline float vf_sum(vf a) { return _mm512_reduce_add_ps(a); }
#elif defined(__AVX2__)
#define VL 8
typedef __m256 vf;
static inline vf vf_zero(void) { return _mm256_setzero_ps(); }
static inline vf vf_set1(float a) { return _mm256_set1_ps(a); }
static inline vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline float vf_sum(vf a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
#else
#define VL 8
typedef struct { float v[VL]; } vf;
static inline vf vf_zero(void) { vf r; for (int i = 0; i < VL; i++) r.v[i] = 0.0f; return r; }
static inline vf vf_set1(float a) { vf r; for (int i = 0; i < VL; i++) r.v[i] = a; return r; }
static inline vf vf_load(const float *p) { vf r; memcpy(r.v, p, sizeof r.v); return r; }
static inline vf vf_add(vf a, vf b) { for (int i = 0; i < VL; i++) a.v[i] += b.v[i]; return a; }
static inline vf vf_sub(vf a, vf b) { for (int i = 0; i < VL; i++) a.v[i] -= b.v[i]; return a; }
static inline vf vf_mul(vf a, vf b) { for (int i = 0; i < VL; i++) a.v[i] *= b.v[i]; return a; }
static inline vf vf_fma(vf a, vf b, vf c) { for (int i = 0; i < VL; i++) c.v[i] += a.v[i] * b.v[i]; return c; }
static inline float vf_sum(vf a) {
  for (int w = VL / 2; w > 0; w /= 2)
    for (int i = 0; i < w; i++) a.v[i] += a.v[i + w];
  return a.v[0];
}
#endif
#define PER16 (16 / VL) /* vectors per 16 weights */

/* ---- 16 bytes of quants → 16 floats (PER16 vectors) ---------------------------------------------------- */
#if defined(__AVX2__)
typedef __m128i b16;
static inline b16 b16_load(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)p); }
static inline b16 b16_lo(b16 b) { return _mm_and_si128(b, _mm_set1_epi8(0x0f)); }
static inline b16 b16_hi(b16 b) { return _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi8(0x0f)); }
#if defined(__AVX512F__)
static inline void b16_u(b16 b, vf *o) { o[0] = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(b)); }
static inline void b16_s(b16 b, vf *o) { o[0] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(b)); }
#else
static inline void b16_u(b16 b, vf *o) {
  o[0] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
  o[1] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(b, 8)));
}
static inline void b16_s(b16 b, vf *o) {
  o[0] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b));
  o[1] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(b, 8)));
}
#endif
#else
typedef struct { uint8_t b[16]; } b16;
static inline b16 b16_load(const uint8_t *p) { b16 r; memcpy(r.b, p, 16); return r; }
static inline b16 b16_lo(b16 x) { for (int i = 0; i < 16; i++) x.b[i] &= 0x0f; return x; }
static inline b16 b16_hi(b16 x) { for (int i = 0; i < 16; i++) x.b[i] >>= 4; return x; }
static inline void b16_u(b16 x, vf *o) {
  for (int i = 0; i < 16; i++) o[i / VL].v[i % VL] = (float)x.b[i];
}
static inline void b16_s(b16 x, vf *o) {
  for (int i = 0; i < 16; i++) o[i / VL].v[i % VL] = (float)(int8_t)x.b[i];
}
#endif

/* An f16 (little-endian, any alignment) as f32, exactly. */
static inline float f16_at(const uint8_t *p) {
  uint16_t h;
  memcpy(&h, p, 2);
#if defined(__F16C__)
  return _cvtsh_ss(h);
#else
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0x1f) return kd_u2f(sign | 0x7f800000u | (m << 13) | (m ? 0x400000u : 0u));
  if (e == 0) return kd_u2f(sign | kd_f2u((float)m * 5.9604644775390625e-8f));
  return kd_u2f(sign | ((e + 112u) << 23) | (m << 13));
#endif
}

/* ---- block decoders: exactly ggml's dequantize_row_* values -------------------------------------------- */
enum { QK = 32, QKK = 256, Q8_0_B = 34, Q4_0_B = 18, Q4_K_B = 144, Q6_K_B = 210 };

/* Q8_0: w = d·q. */
static inline void dec_q8_0(const uint8_t *b, vf *w) {
  const vf d = vf_set1(f16_at(b));
  b16_s(b16_load(b + 2), w);
  b16_s(b16_load(b + 18), w + PER16);
  for (int j = 0; j < QK / VL; j++) w[j] = vf_mul(w[j], d);
}

#if defined(__AVX512F__)
/* The 16 values of a 4-bit code, lut[j] = j·a − c (mul then sub: ggml's rounding); _mm512_permutexvar_ps then
 * decodes 16 nibbles per instruction (it reads the low 4 bits of each 32-bit index). */
static inline __m512 nibble_lut(float a, float c) {
  const __m512 iota = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  return _mm512_sub_ps(_mm512_mul_ps(iota, _mm512_set1_ps(a)), _mm512_set1_ps(c));
}
#endif

/* Q4_0: w = (q − 8)·d; element j < 16 is the low nibble of byte j, element j + 16 its high nibble. */
static inline void dec_q4_0(const uint8_t *b, vf *w) {
#if defined(__AVX512F__)
  const __m512 iota8 = _mm512_setr_ps(-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7);
  const __m512 lut = _mm512_mul_ps(iota8, _mm512_set1_ps(f16_at(b))); /* (q − 8)·d for q = 0..15 */
  const __m512i q = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(b + 2)));
  w[0] = _mm512_permutexvar_ps(q, lut);
  w[1] = _mm512_permutexvar_ps(_mm512_srli_epi32(q, 4), lut);
#else
  const vf d = vf_set1(f16_at(b)), eight = vf_set1(8.0f);
  const b16 q = b16_load(b + 2);
  b16_u(b16_lo(q), w);
  b16_u(b16_hi(q), w + PER16);
  for (int j = 0; j < QK / VL; j++) w[j] = vf_mul(vf_sub(w[j], eight), d);
#endif
}

/* Q4_K: the 8 (scale, min) pairs of a super-block as ggml's get_scale_min_k4 unpacks them, times d / dmin. */
static inline void q4_k_scales(const uint8_t *blk, float *dsc, float *mn) {
  const float d = f16_at(blk), dmin = f16_at(blk + 2);
  const uint8_t *s = blk + 4;
  for (int j = 0; j < 8; j++) {
    const int sc = j < 4 ? s[j] & 63 : (s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4);
    const int m = j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    dsc[j] = d * (float)sc;
    mn[j] = dmin * (float)m;
  }
}

/* Q4_K, the 64 weights of group g (0..3): w = dsc·q − mn; low nibbles of qs[32g..32g+32) are weights 0..31
 * (sub-block 2g), high nibbles weights 32..63 (sub-block 2g + 1). */
static inline void dec_q4_k(const uint8_t *blk, int g, const float *dsc, const float *mn, vf *w) {
  const uint8_t *q = blk + 16 + 32 * g;
#if defined(__AVX512F__)
  const __m512 lut1 = nibble_lut(dsc[2 * g], mn[2 * g]), lut2 = nibble_lut(dsc[2 * g + 1], mn[2 * g + 1]);
  const __m512i a = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)q));
  const __m512i c = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(q + 16)));
  w[0] = _mm512_permutexvar_ps(a, lut1);
  w[1] = _mm512_permutexvar_ps(c, lut1);
  w[2] = _mm512_permutexvar_ps(_mm512_srli_epi32(a, 4), lut2);
  w[3] = _mm512_permutexvar_ps(_mm512_srli_epi32(c, 4), lut2);
#else
  const b16 qa = b16_load(q), qb = b16_load(q + 16);
  b16_u(b16_lo(qa), w);
  b16_u(b16_lo(qb), w + PER16);
  b16_u(b16_hi(qa), w + 2 * PER16);
  b16_u(b16_hi(qb), w + 3 * PER16);
  const vf d1 = vf_set1(dsc[2 * g]), m1 = vf_set1(mn[2 * g]), d2 = vf_set1(dsc[2 * g + 1]), m2 = vf_set1(mn[2 * g + 1]);
  for (int j = 0; j < QK / VL; j++) w[j] = vf_sub(vf_mul(w[j], d1), m1);
  for (int j = QK / VL; j < 2 * QK / VL; j++) w[j] = vf_sub(vf_mul(w[j], d2), m2);
#endif
}

/* Q6_K, 16 weights: q = ((ql >> lshift) & 15) | (((qh >> hshift) & 3) << 4) for 16 consecutive bytes of ql and
 * qh, w = (q − 32)·dsc with dsc = d·scale (the product ggml forms first). */
static inline void dec_q6_16(const uint8_t *ql, const uint8_t *qh, const int lshift, const int hshift, float dsc,
                             vf *w) {
#if defined(__AVX512F__)
  const __m512i l = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)ql));
  const __m512i h = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)qh));
  const __m512i lo = _mm512_and_si512(_mm512_srli_epi32(l, lshift), _mm512_set1_epi32(15));
  const __m512i hi = _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(h, hshift), _mm512_set1_epi32(3)), 4);
  const __m512i q = _mm512_sub_epi32(_mm512_or_si512(lo, hi), _mm512_set1_epi32(32));
  w[0] = _mm512_mul_ps(_mm512_cvtepi32_ps(q), _mm512_set1_ps(dsc));
#else
  float t[16];
  for (int i = 0; i < 16; i++) t[i] = (float)((((ql[i] >> lshift) & 15) | (((qh[i] >> hshift) & 3) << 4)) - 32) * dsc;
  for (int v = 0; v < PER16; v++) w[v] = vf_load(t + v * VL);
#endif
}

/* acc[i][(a0 + j) % na] += x_i[block b] · w for one Q8_0 / Q4_0 block b of row wr. */
static inline __attribute__((always_inline)) void block_fma(const int nr, const kd_quant_type type, const uint8_t *wr,
                                                            int64_t b, const float *x, int64_t ldx, const int na,
                                                            const int a0, vf (*acc)[4]) {
  vf w[QK / VL];
  if (type == KD_QUANT_Q8_0) dec_q8_0(wr + b * Q8_0_B, w);
  else dec_q4_0(wr + b * Q4_0_B, w);
  const float *xb = x + b * QK;
  for (int i = 0; i < nr; i++)
    for (int j = 0; j < QK / VL; j++) acc[i][(a0 + j) % na] = vf_fma(vf_load(xb + i * ldx + j * VL), w[j], acc[i][(a0 + j) % na]);
}

/* ---- nr activation rows (x, row stride ldx) · one W row → out[i·ldo] ------------------------------------ */
static inline __attribute__((always_inline)) void dot_rows(const int nr, const kd_quant_type type, const uint8_t *wr,
                                                           int64_t k, const float *x, int64_t ldx, float *out,
                                                           int64_t ldo) {
  /* na independent FMA chains per row hide the FMA latency; a function of the ISA only (not of nr), so a row
   * gets the same bits alone as in a batch. AVX2 has registers for 2 chains × 4 rows only. */
  enum { NA = 4 };
#if defined(__AVX512F__)
  const int na = 4;
#else
  const int na = 2;
#endif
  vf acc[4][NA];
  for (int i = 0; i < nr; i++)
    for (int a = 0; a < na; a++) acc[i][a] = vf_zero();
  if (type == KD_QUANT_Q4_K) {
    for (int64_t b = 0; b < k / QKK; b++) {
      const uint8_t *blk = wr + b * Q4_K_B;
      float dsc[8], mn[8];
      q4_k_scales(blk, dsc, mn);
      for (int g = 0; g < 4; g++) {
        vf w[64 / VL];
        dec_q4_k(blk, g, dsc, mn, w);
        const float *xb = x + b * QKK + g * 64;
        for (int i = 0; i < nr; i++)
          for (int j = 0; j < 64 / VL; j++) acc[i][j % na] = vf_fma(vf_load(xb + i * ldx + j * VL), w[j], acc[i][j % na]);
      }
    }
  } else if (type == KD_QUANT_Q6_K) {
    /* Per half of a super-block: ql[64], qh[32], 8 scales; bytes l < 32 of ql/qh feed weights l, l+32, l+64,
     * l+96 (low nibble of ql[l] / of ql[l+32], then high nibbles; qh bit pairs 0, 2, 4, 6), 16 per scale. */
    for (int64_t b = 0; b < k / QKK; b++) {
      const uint8_t *blk = wr + b * Q6_K_B;
      const float d = f16_at(blk + 208);
      for (int half = 0; half < 2; half++) {
        const uint8_t *ql = blk + 64 * half, *qh = blk + 128 + 32 * half;
        const int8_t *sc = (const int8_t *)(blk + 192 + 8 * half);
        const float *xb = x + b * QKK + 128 * half;
        for (int l0 = 0; l0 < 32; l0 += 16) {
          const int is = l0 / 16;
          vf w1[PER16], w2[PER16], w3[PER16], w4[PER16];
          dec_q6_16(ql + l0, qh + l0, 0, 0, d * (float)sc[is], w1);
          dec_q6_16(ql + l0 + 32, qh + l0, 0, 2, d * (float)sc[is + 2], w2);
          dec_q6_16(ql + l0, qh + l0, 4, 4, d * (float)sc[is + 4], w3);
          dec_q6_16(ql + l0 + 32, qh + l0, 4, 6, d * (float)sc[is + 6], w4);
          for (int i = 0; i < nr; i++) {
            const float *xi = xb + i * ldx + l0;
            for (int v = 0; v < PER16; v++) {
              acc[i][0] = vf_fma(vf_load(xi + v * VL), w1[v], acc[i][0]);
              acc[i][1] = vf_fma(vf_load(xi + 32 + v * VL), w2[v], acc[i][1]);
              acc[i][2 % na] = vf_fma(vf_load(xi + 64 + v * VL), w3[v], acc[i][2 % na]);
              acc[i][3 % na] = vf_fma(vf_load(xi + 96 + v * VL), w4[v], acc[i][3 % na]);
            }
          }
        }
      }
    }
  } else {
    /* Blocks in pairs so that every chain index is a compile-time constant (acc stays in registers): with 4
     * chains and 2 vectors per block (AVX-512), odd blocks use chains 2 and 3. */
    const int64_t nb = k / QK;
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      block_fma(nr, type, wr, b, x, ldx, na, 0, acc);
      block_fma(nr, type, wr, b + 1, x, ldx, na, QK / VL, acc);
    }
    if (b < nb) block_fma(nr, type, wr, b, x, ldx, na, 0, acc);
  }
  for (int i = 0; i < nr; i++) {
    vf t = vf_add(acc[i][0], acc[i][1]);
    if (na == 4) t = vf_add(t, vf_add(acc[i][2], acc[i][3]));
    out[i * ldo] = vf_sum(t);
  }
}

typedef struct {
  kd_quant_type type;
  const float *x;
  const uint8_t *w;
  int64_t n, k, n_out, row_bytes, rows_per_task;
  float *out;
} quant_ctx;

#define KD_QUANT_ROWS(T)                                                               \
  switch (nr) {                                                                        \
    case 4: dot_rows(4, T, wr, c->k, x, c->k, o, c->n_out); break;                     \
    case 3: dot_rows(3, T, wr, c->k, x, c->k, o, c->n_out); break;                     \
    case 2: dot_rows(2, T, wr, c->k, x, c->k, o, c->n_out); break;                     \
    default: dot_rows(1, T, wr, c->k, x, c->k, o, c->n_out); break;                    \
  }

static void quant_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const quant_ctx *c = vctx;
  const int64_t r0 = (int64_t)task * c->rows_per_task, r1 = kd_min64(c->n_out, r0 + c->rows_per_task);
  for (int64_t i = 0; i < c->n; i += 4) {
    const int nr = (int)kd_min64(4, c->n - i);
    for (int64_t r = r0; r < r1; r++) {
      const uint8_t *wr = c->w + r * c->row_bytes;
      const float *x = c->x + i * c->k;
      float *o = c->out + i * c->n_out + r;
      switch (c->type) {
        case KD_QUANT_Q8_0: KD_QUANT_ROWS(KD_QUANT_Q8_0); break;
        case KD_QUANT_Q4_0: KD_QUANT_ROWS(KD_QUANT_Q4_0); break;
        case KD_QUANT_Q4_K: KD_QUANT_ROWS(KD_QUANT_Q4_K); break;
        default: KD_QUANT_ROWS(KD_QUANT_Q6_K); break;
      }
    }
  }
}

void KD_FN(kd_quant_matmul)(kd_quant_type type, const float *x, const uint8_t *w, int64_t n, int64_t k,
                            int64_t n_out, float *out) {
  const int64_t row_bytes = kd_quant_row_bytes(type, k);
  if (row_bytes <= 0 || n <= 0 || n_out <= 0) return;
  quant_ctx c = {type, x, w, n, k, n_out, row_bytes, kd_max64(1, 32768 / row_bytes), out};
  kd_run(kd_div_up(n_out, c.rows_per_task), quant_task, &c);
}
