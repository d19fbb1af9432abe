/* A persistent worker pool shared by all kernels. Plain C11 + pthreads, no Node specifics.
 * Not here: kernel code. Work is split by the caller into n tasks; fn(ctx, task, thread) runs each task once. */
#ifndef KD_THREADPOOL_H
#define KD_THREADPOOL_H
#include <stddef.h>

typedef void (*kd_task_fn)(void *ctx, size_t task, int thread);

/* Sets the number of threads used by later kd_parallel_for calls (>= 1). Starts/stops workers as needed. */
void kd_set_threads(int n);
int kd_get_threads(void);
/* Runs fn(ctx, i, thread) for i in [0, n_tasks) on the pool and returns when all are done.
 * thread is in [0, kd_get_threads()) and identifies the worker (for per-thread scratch buffers).
 * Calls from inside a task run serially on the calling thread (no nested parallelism). */
void kd_parallel_for(size_t n_tasks, kd_task_fn fn, void *ctx);

#endif
