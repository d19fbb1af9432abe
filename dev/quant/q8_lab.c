/* quantMatmul-q8 lab: native/generic/quant_q8.c (every ISA build) against the committed version (Makefile BASE),
 * which must give the same bits; and timing. Not part of the addon. Usage:
 *   q8_lab test                              bit-identity sweep over shapes, types, batch sizes, threads
 *   q8_lab bench N_OUT K TYPE THREADS [N]    median µs per call and GB/s of weights, new vs base (avx512vnni) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kd_quant.h"
#include "kd_threadpool.h"

#define DECL(isa)                                                                                         \
  int kd_quant_matmul_q8_##isa(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, \
                               float *);                                                                 \
  int kd_quant_matmul_q8_base_##isa(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);
DECL(generic)
DECL(avx2)
DECL(avx512)
DECL(avx512vnni)
typedef int (*qfn)(kd_quant_type, const float *, const uint8_t *, int64_t, int64_t, int64_t, float *);
static const char *isas[4] = {"generic", "avx2", "avx512", "avx512vnni"};
static const qfn fnew[4] = {kd_quant_matmul_q8_generic, kd_quant_matmul_q8_avx2, kd_quant_matmul_q8_avx512,
                            kd_quant_matmul_q8_avx512vnni};
static const qfn fbase[4] = {kd_quant_matmul_q8_base_generic, kd_quant_matmul_q8_base_avx2,
                             kd_quant_matmul_q8_base_avx512, kd_quant_matmul_q8_base_avx512vnni};

/* kd_quant_row_bytes as native/generic/quant_dispatch.c (not linked: it pulls in every f32-activation kernel). */
int64_t kd_quant_row_bytes(kd_quant_type type, int64_t k) {
  const int64_t block = type == KD_QUANT_Q4_K || type == KD_QUANT_Q6_K ? 256 : 32;
  const int64_t bytes = type == KD_QUANT_Q8_0 ? 34 : type == KD_QUANT_Q4_0 ? 18 : type == KD_QUANT_Q4_K ? 144 : 210;
  return k <= 0 || k % block != 0 ? -1 : k / block * bytes;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
  rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27;
  return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}
static float frand(void) { return (float)((double)(rnd() >> 8) / (double)(1 << 24) * 2.0 - 1.0); }
static uint16_t f16_of(float f) { /* small positive scales only: via the f32 bits, truncated */
  uint32_t u; memcpy(&u, &f, 4);
  int e = (int)((u >> 23) & 0xff) - 127 + 15;
  if (e <= 0) return 0;
  return (uint16_t)((e << 10) | ((u >> 13) & 0x3ff));
}

/* Random weights of the type; edge: extreme quants (−128, −127, 127, nibbles 0/15) more often, some zero scales. */
static void fill_w(kd_quant_type t, uint8_t *w, int64_t n_out, int64_t k, int edge) {
  const int64_t rb = kd_quant_row_bytes(t, k);
  for (int64_t i = 0; i < n_out * rb; i++) w[i] = (uint8_t)rnd();
  const int64_t bb = t == KD_QUANT_Q8_0 ? 34 : t == KD_QUANT_Q4_0 ? 18 : t == KD_QUANT_Q4_K ? 144 : 210;
  for (int64_t b = 0; b < n_out * rb / bb; b++) {
    uint8_t *p = w + b * bb;
    uint16_t h = f16_of(0.001f + 0.02f * (float)(rnd() % 1000) / 1000.0f);
    if (edge && rnd() % 16 == 0) h = 0;
    if (t == KD_QUANT_Q6_K) memcpy(p + 208, &h, 2);
    else memcpy(p, &h, 2);
    if (t == KD_QUANT_Q4_K) { uint16_t m = f16_of(0.001f * (float)(rnd() % 100)); memcpy(p + 2, &m, 2); }
    if (edge && t == KD_QUANT_Q8_0)
      for (int j = 0; j < 32; j++) if (rnd() % 4 == 0) p[2 + j] = (uint8_t)(int8_t)(rnd() % 2 ? 127 : -127);
  }
}

static int test(void) {
  const int64_t shapes[][2] = {{1, 32}, {3, 64}, {5, 96}, {7, 256}, {17, 512}, {64, 288}, {33, 1024}, {130, 768},
                               {257, 2048}, {9, 4096}, {1000, 512}};
  const int ns[] = {1, 2, 3, 4, 5, 9};
  int bad = 0, runs = 0;
  for (int thr = 1; thr <= 2; thr++) {
    kd_set_threads(thr);
    for (int t = 0; t < 4; t++)
      for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int64_t n_out = shapes[s][0], k0 = shapes[s][1];
        const int64_t k = (t >= 2) ? (k0 + 255) / 256 * 256 : k0;
        for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
          for (int edge = 0; edge < 2; edge++) {
            const int64_t n = ns[ni], rb = kd_quant_row_bytes((kd_quant_type)t, k);
            uint8_t *w = malloc((size_t)(n_out * rb) + 64);
            float *x = malloc(sizeof(float) * (size_t)(n * k)), *o1 = malloc(sizeof(float) * (size_t)(n * n_out)),
                  *o2 = malloc(sizeof(float) * (size_t)(n * n_out));
            fill_w((kd_quant_type)t, w, n_out, k, edge);
            for (int64_t i = 0; i < n * k; i++) x[i] = frand() * (edge && rnd() % 8 == 0 ? 100.0f : 1.0f);
            if (edge) for (int64_t i = 0; i < k; i++) if (rnd() % 3 == 0) x[i] = 0.0f;
            for (int isa = 0; isa < 4; isa++) {
              memset(o1, 0x55, sizeof(float) * (size_t)(n * n_out));
              memset(o2, 0x66, sizeof(float) * (size_t)(n * n_out));
              fnew[isa]((kd_quant_type)t, x, w, n, k, n_out, o1);
              fbase[isa]((kd_quant_type)t, x, w, n, k, n_out, o2);
              runs++;
              if (memcmp(o1, o2, sizeof(float) * (size_t)(n * n_out)) != 0) {
                int64_t j = 0;
                while (memcmp(o1 + j, o2 + j, 4) == 0) j++;
                if (bad++ < 20)
                  printf("MISMATCH %s type %d n %ld n_out %ld k %ld thr %d edge %d: [%ld] %.9g vs %.9g\n", isas[isa],
                         t, (long)n, (long)n_out, (long)k, thr, edge, (long)j, o1[j], o2[j]);
              }
            }
            free(w); free(x); free(o1); free(o2);
          }
      }
  }
  printf("%d runs, %d mismatches\n", runs, bad);
  return bad != 0;
}

static int cmpd(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int bench(int64_t n_out, int64_t k, const char *ty, int thr, int64_t n) {
  const kd_quant_type t = !strcmp(ty, "q4_0") ? KD_QUANT_Q4_0 : !strcmp(ty, "q4_k") ? KD_QUANT_Q4_K
                        : !strcmp(ty, "q6_k") ? KD_QUANT_Q6_K : KD_QUANT_Q8_0;
  kd_set_threads(thr);
  const int64_t rb = kd_quant_row_bytes(t, k);
  uint8_t *w = malloc((size_t)(n_out * rb));
  float *x = malloc(sizeof(float) * (size_t)(n * k)), *o = malloc(sizeof(float) * (size_t)(n * n_out));
  fill_w(t, w, n_out, k, 0);
  for (int64_t i = 0; i < n * k; i++) x[i] = frand();
  const double bytes = (double)(n_out * rb);
  int reps = (int)(2e8 / bytes) + 5; if (reps > 20000) reps = 20000;
  enum { R = 15 };
  double tn[R], tb[R];
  for (int r = 0; r < R; r++) /* interleaved: new, base */
    for (int v = 0; v < 2; v++) {
      const qfn f = v ? fbase[3] : fnew[3];
      f(t, x, w, n, k, n_out, o);
      const double t0 = now();
      for (int i = 0; i < reps; i++) f(t, x, w, n, k, n_out, o);
      (v ? tb : tn)[r] = (now() - t0) / reps;
    }
  qsort(tn, R, sizeof(double), cmpd);
  qsort(tb, R, sizeof(double), cmpd);
  printf("%s %ldx%ld n=%ld thr=%d (%.2f MB): new %.1f us (%.1f GB/s)  base %.1f us (%.1f GB/s)  speedup %.2f\n", ty,
         (long)n_out, (long)k, (long)n, thr, bytes / 1e6, tn[R / 2] * 1e6, bytes / tn[R / 2] / 1e9, tb[R / 2] * 1e6,
         bytes / tb[R / 2] / 1e9, tb[R / 2] / tn[R / 2]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "test")) return test();
  if (argc >= 5 && !strcmp(argv[1], "bench"))
    return bench(atoll(argv[2]), atoll(argv[3]), argv[4], argc > 5 ? atoi(argv[5]) : 1, argc > 6 ? atoll(argv[6]) : 1);
  fprintf(stderr, "usage: q8_lab test | bench N_OUT K TYPE [THREADS] [N]\n");
  return 2;
}
