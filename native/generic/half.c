/* f16 (IEEE binary16) and bf16 ↔ f32 conversion, round to nearest even, subnormals, inf and NaN kept.
 * Uses F16C instructions where this file is compiled with them (native/avx2, native/avx512); the portable
 * bit manipulation otherwise (after F. Giesen, "half to float done quick", 2016). Not here: quantized types. */
#include "kd_impl.h"
#include "kd_kernels.h"
#if defined(__F16C__)
#include <immintrin.h>
#endif

static inline float f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0x1f) return kd_u2f(sign | 0x7f800000u | (m << 13) | (m ? 0x400000u : 0u)); /* inf, quiet NaN */
  if (e == 0) return kd_u2f(sign | kd_f2u((float)m * 5.9604644775390625e-8f)); /* zero, subnormal: m·2^-24 */
  return kd_u2f(sign | ((e + 112u) << 23) | (m << 13));
}

static inline uint16_t f32_to_f16(float f) {
  uint32_t x = kd_f2u(f), sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) /* inf; NaN → quiet NaN keeping the payload's top bits (as F16C does) */
    return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u | ((ax >> 13) & 0x3ffu) : 0u));
  if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* ≥ 65520 rounds to inf */
  if (ax < 0x38800000u) { /* below 2^-14: the FPU rounds when adding 0.5 aligns the ulp to 2^-24 */
    float r = kd_u2f(ax) + 0.5f;
    return (uint16_t)(sign | (kd_f2u(r) - 0x3f000000u));
  }
  uint32_t odd = (ax >> 13) & 1u;
  ax += 0xc8000fffu + odd; /* rebias exponent by −112, round to nearest even */
  return (uint16_t)(sign | (ax >> 13));
}

static inline uint16_t f32_to_bf16(float f) {
  uint32_t x = kd_f2u(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u); /* NaN stays (quiet) NaN */
  return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

typedef struct {
  int kind, to_f32;
  const void *src;
  void *out;
  int64_t n;
} half_ctx;

static void half_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const half_ctx *s = vctx;
  int64_t i0 = (int64_t)task * KD_CHUNK, n = kd_min64(s->n - i0, KD_CHUNK), i = 0;
  if (s->to_f32) {
    const uint16_t *h = (const uint16_t *)s->src + i0;
    float *o = (float *)s->out + i0;
    if (s->kind == KD_HALF_BF16) {
      for (; i < n; i++) o[i] = kd_u2f((uint32_t)h[i] << 16);
      return;
    }
#if defined(__F16C__)
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps(o + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i))));
#endif
    for (; i < n; i++) o[i] = f16_to_f32(h[i]);
  } else {
    const float *x = (const float *)s->src + i0;
    uint16_t *o = (uint16_t *)s->out + i0;
    if (s->kind == KD_HALF_BF16) {
      for (; i < n; i++) o[i] = f32_to_bf16(x[i]);
      return;
    }
#if defined(__F16C__)
    for (; i + 8 <= n; i += 8)
      _mm_storeu_si128((__m128i *)(o + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
#endif
    for (; i < n; i++) o[i] = f32_to_f16(x[i]);
  }
}

void KD_FN(kd_half_to_f32)(kd_half_kind kind, const uint16_t *src, float *out, int64_t n) {
  half_ctx s = {(int)kind, 1, src, out, n};
  kd_run(kd_div_up(n, KD_CHUNK), half_task, &s);
}
void KD_FN(kd_f32_to_half)(kd_half_kind kind, const float *src, uint16_t *out, int64_t n) {
  half_ctx s = {(int)kind, 0, src, out, n};
  kd_run(kd_div_up(n, KD_CHUNK), half_task, &s);
}
