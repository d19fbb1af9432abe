/* Placeholder serial implementation of kd_threadpool.h; replaced by the persistent pthread pool. */
#include "kd_threadpool.h"
static int g_threads = 1;
void kd_set_threads(int n) { g_threads = n < 1 ? 1 : n; }
int kd_get_threads(void) { return g_threads; }
void kd_parallel_for(size_t n_tasks, kd_task_fn fn, void *ctx) {
  for (size_t i = 0; i < n_tasks; i++) fn(ctx, i, 0);
}
