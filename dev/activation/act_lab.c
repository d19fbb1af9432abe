/* Activation kernel lab: the AVX-512 build of native/generic/activation.c (16-lane blocks through
 * kd_sigmoid16.h) against its generic build (the scalar C), bit for bit, for GELU, SiLU, SwiGLU and GeGLU,
 * forward and backward, over every f32 bit pattern (or every stride-th), then the GELU's time on the tiny
 * preset's MLP activation (768 × 512) against the AVX-512 build of the committed file (run.sh's BASE). NaN inputs must give NaN (their payload is not compared).
 * Not part of the addon or of npm test (the conformance suite checks the kernels against the ref backend). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kd_cpu.h"
#include "kd_kernels.h"
#include "kd_threadpool.h"

#define DECL(isa)                                                                                                   \
  void kd_activation_forward_##isa(kd_activation, const float *, float *, int64_t);                             \
  void kd_activation_backward_##isa(kd_activation, const float *, const float *, float *, int64_t);             \
  void kd_swiglu_forward_##isa(kd_activation, const float *, const float *, float *, int64_t);                  \
  void kd_swiglu_backward_##isa(kd_activation, const float *, const float *, const float *, float *, float *, int64_t);
DECL(generic)
DECL(avx512)
DECL(base)

enum { CH = 1 << 16 };
typedef struct { float *x, *u, *g, *o, *d1, *d2; } bufs;

static int same(float a, float b) { return a != a ? b != b : memcmp(&a, &b, 4) == 0; }

/* Runs every op on both builds over the chunk and counts the lanes whose bits differ. */
static uint64_t compare(const bufs *A, const bufs *B, int64_t n) {
  uint64_t bad = 0;
  for (int kind = 0; kind < 2; kind++) {
    for (int glu = 0; glu < 2; glu++) {
      for (int64_t i = 0; i < n; i++) A->d1[i] = B->d1[i] = 0.375f, A->d2[i] = B->d2[i] = -1.5f;
      if (glu) {
        kd_swiglu_forward_generic((kd_activation)kind, A->x, A->u, A->o, n);
        kd_swiglu_forward_avx512((kd_activation)kind, B->x, B->u, B->o, n);
        kd_swiglu_backward_generic((kd_activation)kind, A->g, A->x, A->u, A->d1, A->d2, n);
        kd_swiglu_backward_avx512((kd_activation)kind, B->g, B->x, B->u, B->d1, B->d2, n);
      } else {
        kd_activation_forward_generic((kd_activation)kind, A->x, A->o, n);
        kd_activation_forward_avx512((kd_activation)kind, B->x, B->o, n);
        kd_activation_backward_generic((kd_activation)kind, A->g, A->x, A->d1, n);
        kd_activation_backward_avx512((kd_activation)kind, B->g, B->x, B->d1, n);
      }
      for (int64_t i = 0; i < n; i++) {
        if (same(A->o[i], B->o[i]) && same(A->d1[i], B->d1[i]) && same(A->d2[i], B->d2[i])) continue;
        if (bad++ < 8)
          printf("differ: %s%s x=%a: out %a / %a, dx %a / %a, du %a / %a\n", kind ? "silu" : "gelu", glu ? " glu" : "",
                 (double)A->x[i], (double)A->o[i], (double)B->o[i], (double)A->d1[i], (double)B->d1[i],
                 (double)A->d2[i], (double)B->d2[i]);
      }
    }
  }
  return bad;
}

static bufs alloc_bufs(int64_t n) {
  bufs b;
  float **p[] = {&b.x, &b.u, &b.g, &b.o, &b.d1, &b.d2};
  for (int i = 0; i < 6; i++) *p[i] = aligned_alloc(64, (size_t)n * sizeof(float));
  return b;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  const uint64_t stride = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
  if (stride < 1) return 2;
  kd_set_threads(1);
  if (kd_cpu_isa() < KD_ISA_AVX512) {
    printf("no AVX-512 on this CPU: nothing to compare\n");
    return 0;
  }
  bufs A = alloc_bufs(CH), B = alloc_bufs(CH);
  uint64_t bad = 0, total = 0;
  for (uint64_t u = 0; u < 0x100000000ull;) {
    int64_t n = 0;
    /* odd chunk lengths too, so that the scalar tail after the last whole block is exercised */
    const int64_t len = CH - (int64_t)(total % 13);
    for (; n < len && u < 0x100000000ull; n++, u += stride) {
      const uint32_t bits = (uint32_t)u;
      memcpy(&A.x[n], &bits, 4);
      A.u[n] = (float)((n % 7) - 3) * 0.625f;
      A.g[n] = (float)((n % 5) + 1) * 0.3f;
    }
    memcpy(B.x, A.x, (size_t)n * 4), memcpy(B.u, A.u, (size_t)n * 4), memcpy(B.g, A.g, (size_t)n * 4);
    bad += compare(&A, &B, n);
    total += (uint64_t)n;
  }
  printf("%llu inputs × 8 kernels: %llu lanes differ\n", (unsigned long long)total, (unsigned long long)bad);

  const int64_t n = 768 * 512; /* tiny preset: 12 rows × 64 tokens × hidden 512 */
  bufs T = alloc_bufs(n);
  for (int64_t i = 0; i < n; i++) T.x[i] = (float)rand() / (float)RAND_MAX * 8.0f - 4.0f, T.g[i] = 0.5f, T.d1[i] = 0.0f;
  double best[4] = {1e9, 1e9, 1e9, 1e9};
  for (int r = 0; r < 300; r++) { /* interleaved, best of 300: steady on a shared, busy VM */
    double t[5];
    t[0] = now();
    kd_activation_forward_base(KD_ACT_GELU, T.x, T.o, n);
    t[1] = now();
    kd_activation_forward_avx512(KD_ACT_GELU, T.x, T.o, n);
    t[2] = now();
    kd_activation_backward_base(KD_ACT_GELU, T.g, T.x, T.d1, n);
    t[3] = now();
    kd_activation_backward_avx512(KD_ACT_GELU, T.g, T.x, T.d1, n);
    t[4] = now();
    for (int j = 0; j < 4; j++) best[j] = t[j + 1] - t[j] < best[j] ? t[j + 1] - t[j] : best[j];
  }
  printf("gelu, %lld elements, 1 thread, best of 300: forward base %.1f us, this %.1f us; backward base %.1f us, this %.1f us\n",
         (long long)n, best[0] * 1e6, best[1] * 1e6, best[2] * 1e6, best[3] * 1e6);
  return bad != 0;
}
