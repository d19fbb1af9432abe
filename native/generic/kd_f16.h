/* The f16 scale of a ggml block read as f32, exactly (F16C when compiled for it, else bit manipulation): shared by
 * the block decoders (kd_quant_decode.h) and the Q8_0 activation quantizer (quant_q8.c). Not here: any block format. */
#ifndef KD_F16_H
#define KD_F16_H
#include <stdint.h>
#include <string.h>
#include "kd_impl.h"
#if defined(__F16C__)
#include <immintrin.h>
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

#endif
