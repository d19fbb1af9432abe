/* When and on how many threads the skinny GEMM of batched decode runs (kd_gemm_skinny.h): column ranges of C, one
 * task each, so every element is computed alike for any thread count. Not here: the kernel
 * (native/avx512/gemm_skinny_avx512.c) or the blocked product (gemm.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kd_gemm_skinny.h"
#include "kd_threadpool.h"

#define COLS_PER_TASK 96 /* columns of C per task: a multiple of the kernel's 3 weight rows */

typedef struct {
  const kd_gemm_args *g;
  const float *a; /* g->a, or its rows copied 64-byte aligned */
  int64_t lda;
  int64_t cols; /* per task */
} skinny_t;

static void skinny_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const skinny_t *s = ctx;
  const kd_gemm_args *g = s->g;
  const int64_t j0 = (int64_t)task * s->cols, j1 = j0 + s->cols < g->n ? j0 + s->cols : g->n;
  if (j0 < j1) kd_sgemm_skinny_avx512(g->m, j0, j1, g->k, g->alpha, g->beta, s->a, s->lda, g->b, g->ldb, g->c, g->ldc);
}

int kd_sgemm_skinny_applies(const kd_gemm_args *g, const kd_gemm_kernel *kern) {
  if (kern != &kd_gemm_kernel_avx512 || g->batch != 1 || g->trans_a || !g->trans_b) return 0;
  return !(g->m < 2 || g->m > KD_SKINNY_MAX_M || g->k <= 0 || g->n <= 0 || g->alpha == 0.0f);
}

int kd_sgemm_skinny(const kd_gemm_args *g, const kd_gemm_kernel *kern) {
  if (!kd_sgemm_skinny_applies(g, kern)) return 0;
  const int threads = kd_get_threads();
  skinny_t s = {g, g->a, g->lda, g->n};
  /* The activation rows are read once per weight-row group: when they straddle cache lines (a JS Float32Array is
   * 16-byte aligned at best), a 64-byte-aligned copy (m·k floats, small next to the product) halves their loads.
   * Same values, so the same bits. */
  float *copy = NULL;
  if (((uintptr_t)g->a & 63) != 0 || (g->lda & 15) != 0) {
    const int64_t ld = (g->k + 15) & ~(int64_t)15;
    copy = aligned_alloc(64, (size_t)(g->m * ld) * sizeof(float));
    if (copy != NULL) {
      for (int64_t i = 0; i < g->m; i++) memcpy(copy + i * ld, g->a + i * g->lda, (size_t)g->k * sizeof(float));
      s.a = copy;
      s.lda = ld;
    }
  }
  if (threads > 1) { /* about 4 tasks per thread (claimed dynamically), never under COLS_PER_TASK columns */
    int64_t per = (g->n + 4 * threads - 1) / (4 * threads);
    per = (per + 2) / 3 * 3;
    s.cols = per < COLS_PER_TASK ? COLS_PER_TASK : per;
  }
  kd_parallel_for((size_t)((g->n + s.cols - 1) / s.cols), skinny_task, &s);
  free(copy);
  return 1;
}
