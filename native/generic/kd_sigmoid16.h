/* kd_sigmoidf (kd_impl.h) on 16 lanes with AVX-512 intrinsics, operation for operation, so that every lane has
 * the bits the scalar code gives (dev/activation checks this over all f32 inputs); for the activation kernels,
 * where the compiler's own vectorization of the scalar code spends most of its time in masked selects.
 * The only change of method is 2^n applied by one scalef instead of two exact power-of-two products: both round
 * once, so the result is the same. Only included when __AVX512F__ is defined.
 * Not here: the activations themselves (activation.c) or any other ISA. */
#ifndef KD_SIGMOID16_H
#define KD_SIGMOID16_H
#include <immintrin.h>

/* kd_expf(x) for x ≤ −0 or NaN (the sigmoid's argument −|x|): the clamp at hi and the overflow cannot occur. */
static inline __m512 kd_expneg16(__m512 x) {
  const __m512 lo = _mm512_set1_ps(-103.97208f);
  const __m512 xc = _mm512_max_ps(x, lo); /* x < lo ? lo : x (NaN gives lo; replaced at the end) */
  const __m512 t = _mm512_add_ps(_mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f)), _mm512_set1_ps(12582912.0f));
  const __m512 n = _mm512_sub_ps(t, _mm512_set1_ps(12582912.0f));
  __m512 r = _mm512_sub_ps(xc, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f)));
  r = _mm512_sub_ps(r, _mm512_mul_ps(n, _mm512_set1_ps(-2.12194440e-4f)));
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(5.0000001201e-1f));
  const __m512 y = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(p, _mm512_mul_ps(r, r)), r), _mm512_set1_ps(1.0f));
  __m512 res = _mm512_scalef_ps(y, n); /* y·2^n, one rounding, as (y·2^⌊n/2⌋)·2^(n−⌊n/2⌋) */
  res = _mm512_mask_mov_ps(res, _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ), _mm512_setzero_ps());
  return _mm512_mask_mov_ps(res, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

/* kd_sigmoidf: e = exp(−|x|), 1/(1 + e), times e for x < 0. */
static inline __m512 kd_sigmoid16(__m512 x) {
  const __m512 e = kd_expneg16(_mm512_or_ps(x, _mm512_set1_ps(-0.0f)));
  const __m512 r = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
  return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), _mm512_mul_ps(e, r));
}

#endif
