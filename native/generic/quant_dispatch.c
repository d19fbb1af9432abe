/* kd_quant.h's entry points: the row size of each block type, and kd_quant_matmul / kd_quant_matmul_t /
 * kd_quant_matmul_q8 calling the ISA build of native/generic/quant.c / quant_t.c / quant_q8.c in use (kd_cpu_isa(); VNNI within AVX-512 by a CPU check).
 * Not here: the kernels themselves. */
#include "kd_cpu.h"
#include "kd_quant.h"

int64_t kd_quant_row_bytes(kd_quant_type type, int64_t k) {
  const int64_t block = type == KD_QUANT_Q4_K || type == KD_QUANT_Q6_K ? 256 : 32;
  const int64_t bytes = type == KD_QUANT_Q8_0   ? 34
                        : type == KD_QUANT_Q4_0 ? 18
                        : type == KD_QUANT_Q4_K ? 144
                        : type == KD_QUANT_Q6_K ? 210
                                                : -1;
  if (bytes < 0 || k <= 0 || k % block != 0) return -1;
  return k / block * bytes;
}

void kd_quant_matmul_generic(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);
void kd_quant_matmul_avx2(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);
void kd_quant_matmul_avx512(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);

void kd_quant_matmul(kd_quant_type type, const float *x, const uint8_t *w, int64_t n, int64_t k, int64_t n_out,
                     float *out) {
  switch (kd_cpu_isa()) {
    case KD_ISA_AVX512: kd_quant_matmul_avx512(type, x, w, n, k, n_out, out); break;
    case KD_ISA_AVX2: kd_quant_matmul_avx2(type, x, w, n, k, n_out, out); break;
    default: kd_quant_matmul_generic(type, x, w, n, k, n_out, out); break;
  }
}

void kd_quant_matmul_t_generic(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);
void kd_quant_matmul_t_avx2(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);
void kd_quant_matmul_t_avx512(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);

void kd_quant_matmul_t(kd_quant_type type, const float *dy, const uint8_t *w, int64_t n, int64_t k, int64_t n_out,
                       float *out) {
  switch (kd_cpu_isa()) {
    case KD_ISA_AVX512: kd_quant_matmul_t_avx512(type, dy, w, n, k, n_out, out); break;
    case KD_ISA_AVX2: kd_quant_matmul_t_avx2(type, dy, w, n, k, n_out, out); break;
    default: kd_quant_matmul_t_generic(type, dy, w, n, k, n_out, out); break;
  }
}

int kd_quant_matmul_q8_generic(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);
int kd_quant_matmul_q8_avx2(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);
int kd_quant_matmul_q8_avx512(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);
int kd_quant_matmul_q8_avx512vnni(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);

static int g_vnni = -1; /* -1 = not decided yet (benign race: every thread computes the same) */

static int cpu_has_vnni(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512vnni") ? 1 : 0;
#else
  return 0;
#endif
}

int kd_quant_vnni(void) {
  int v = __atomic_load_n(&g_vnni, __ATOMIC_RELAXED);
  if (v < 0) {
    v = cpu_has_vnni();
    __atomic_store_n(&g_vnni, v, __ATOMIC_RELAXED);
  }
  return v;
}

int kd_quant_set_vnni(int on) {
  if (on && !cpu_has_vnni()) return -1;
  __atomic_store_n(&g_vnni, on ? 1 : 0, __ATOMIC_RELAXED);
  return 0;
}

int kd_quant_matmul_q8(kd_quant_type type, const float *x, const uint8_t *w, int64_t n, int64_t k, int64_t n_out,
                       float *out) {
  switch (kd_cpu_isa()) {
    case KD_ISA_AVX512:
      return kd_quant_vnni() ? kd_quant_matmul_q8_avx512vnni(type, x, w, n, k, n_out, out)
                             : kd_quant_matmul_q8_avx512(type, x, w, n, k, n_out, out);
    case KD_ISA_AVX2: return kd_quant_matmul_q8_avx2(type, x, w, n, k, n_out, out);
    default: return kd_quant_matmul_q8_generic(type, x, w, n, k, n_out, out);
  }
}
