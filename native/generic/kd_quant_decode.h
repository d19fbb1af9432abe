/* Vectors of VL floats for the ISA being compiled (AVX-512, AVX2 or portable C) and the block decoders of the
 * quantized kernels: each decodes ggml blocks in registers to exactly ggml's dequantize_row_* values. Included
 * by quant.c (quantMatmul) and quant_t.c (quantMatmulT) only; static inline, compiled once per ISA with them.
 * Not here: any kernel or schedule. */
#ifndef KD_QUANT_DECODE_H
#define KD_QUANT_DECODE_H
#include <string.h>
#include "kd_impl.h"
#include "kd_f16.h"
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
static inline void vf_store(float *p, vf a) { _mm512_storeu_ps(p, a); }
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
static inline void vf_store(float *p, vf a) { _mm256_storeu_ps(p, a); }
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
static inline void vf_store(float *p, vf a) { memcpy(p, a.v, sizeof a.v); }
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

#endif
