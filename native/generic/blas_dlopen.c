/* Optional route of kd_sgemm to a system OpenBLAS loaded at run time (dlopen), never a build requirement:
 * only when env KOTODAMA_BLAS=openblas and the library loads (KOTODAMA_BLAS_PATH, else libopenblas.so.0 /
 * libopenblas.so). Not here: our own GEMM (gemm.c), which stays the default and the reference for tests.
 * Note: OpenBLAS results may change with its thread count; kotodama's own GEMM does not. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "kd_gemm.h"
#include "kd_threadpool.h"

/* LP64 CBLAS (int = 32-bit indices), CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112. */
typedef void (*cblas_sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                               const float *b, int ldb, float beta, float *c, int ldc);
typedef void (*set_threads_fn)(int n);

static cblas_sgemm_fn g_sgemm;
static set_threads_fn g_set_threads;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static const char *g_name = "none";

static void load(void) {
  const char *want = getenv("KOTODAMA_BLAS");
  if (want == NULL || strcmp(want, "openblas") != 0) return;
  const char *path = getenv("KOTODAMA_BLAS_PATH");
  const char *candidates[] = {path, "libopenblas.so.0", "libopenblas.so"};
  for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
    if (candidates[i] == NULL || candidates[i][0] == '\0') continue;
    void *h = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) continue;
    cblas_sgemm_fn f = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
    if (f == NULL) {
      dlclose(h);
      continue;
    }
    g_set_threads = (set_threads_fn)dlsym(h, "openblas_set_num_threads");
    g_sgemm = f;
    g_name = candidates[i];
    return;
  }
}

/* Name of the loaded library, or "none". */
const char *kd_blas_name(void) {
  pthread_once(&g_once, load);
  return g_name;
}

/* 1 when the library is loaded (kd_sgemm's bias is then prefilled over C before calling it). */
int kd_blas_active(void) {
  pthread_once(&g_once, load);
  return g_sgemm != NULL;
}

/* Runs the product on the dlopen'ed OpenBLAS and returns 1, or returns 0 (not loaded, or sizes beyond int). */
int kd_blas_sgemm(const kd_gemm_args *g) {
  pthread_once(&g_once, load);
  if (g_sgemm == NULL) return 0;
  const int64_t lim = 0x7fffffff;
  if (g->m > lim || g->n > lim || g->k > lim || g->lda > lim || g->ldb > lim || g->ldc > lim) return 0;
  if (g_set_threads != NULL) g_set_threads(kd_get_threads());
  for (int64_t bi = 0; bi < g->batch; bi++)
    g_sgemm(101, g->trans_a ? 112 : 111, g->trans_b ? 112 : 111, (int)g->m, (int)g->n, (int)g->k, g->alpha,
            g->a + bi * g->stride_a, (int)g->lda, g->b + bi * g->stride_b, (int)g->ldb, g->beta,
            g->c + bi * g->stride_c, (int)g->ldc);
  return 1;
}
