/* The persistent worker pool of kd_threadpool.h: n-1 pthreads plus the calling thread share each job's tasks.
 * Not here: how kernels split work (callers choose tasks whose results do not depend on which thread runs them).
 *
 * Dispatch: the caller publishes a job by bumping `generation`; workers that finished the previous job spin on
 * it for ~SPIN_NS (low latency for back-to-back kernel calls), then sleep on a condition variable (no CPU burnt
 * while idle). Tasks are claimed from an atomic counter. The caller runs tasks too, then waits for the rest the
 * same way (spin, then sleep). Calls made from inside a task, or while another thread owns the pool, run
 * serially on the calling thread. */
#include "kd_threadpool.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define KD_MAX_THREADS 1024 /* = MAX_THREADS of src/engine/backends/native */
#define SPIN_NS 200000 /* 0.2 ms: covers the gap between consecutive kernel calls from JS */

typedef struct {
  kd_task_fn fn;
  void *ctx;
  size_t n_tasks;
} job_t;

static struct {
  pthread_mutex_t lock;    /* guards sleeping on wake/done and the worker set */
  pthread_cond_t wake;     /* workers sleep here between jobs */
  pthread_cond_t done;     /* the caller sleeps here waiting for the last task */
  pthread_mutex_t owner;   /* held by the thread that dispatches a job (or resizes) */
  pthread_t workers[KD_MAX_THREADS];
  int n_workers;           /* running workers (threads - 1) */
  int n_threads;           /* configured thread count */
  job_t job;
  uint64_t next;           /* (job generation << 32) | next unclaimed task (atomic): a claim names its job */
  size_t remaining;        /* tasks not finished (atomic) */
  int sleepers;            /* workers waiting on `wake` (atomic) */
  int caller_sleeping;     /* caller waiting on `done` (atomic) */
  int quit;                /* workers exit when set (atomic) */
  uint32_t start_gen;      /* job generation when the current workers were created (written before they start) */
} P = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
       {0}, 0, 1, {0, 0, 0}, 0, 0, 0, 0, 0, 0};

static _Thread_local int tl_in_task; /* set while this thread runs pool tasks: nested calls run serially */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Claims and runs tasks of job `gen` until none are left. A thread that arrives late (the job is over, maybe a
 * newer one started) fails the claim because the generation in P.next differs, so it never runs a task with a
 * stale copy of the job. */
static void run_tasks(uint32_t gen, int thread) {
  /* Relaxed atomic reads: the acquire load that showed `gen` orders them after the caller's writes. */
  const job_t job = {__atomic_load_n(&P.job.fn, __ATOMIC_RELAXED), __atomic_load_n(&P.job.ctx, __ATOMIC_RELAXED),
                     __atomic_load_n(&P.job.n_tasks, __ATOMIC_RELAXED)};
  for (;;) {
    uint64_t v = __atomic_load_n(&P.next, __ATOMIC_ACQUIRE);
    size_t t;
    for (;;) {
      if ((uint32_t)(v >> 32) != gen) return;
      t = (size_t)(v & 0xffffffffu);
      if (t >= job.n_tasks) return;
      if (__atomic_compare_exchange_n(&P.next, &v, v + 1, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) break;
    }
    tl_in_task = 1;
    job.fn(job.ctx, t, thread);
    tl_in_task = 0;
    if (__atomic_sub_fetch(&P.remaining, 1, __ATOMIC_SEQ_CST) == 0 &&
        __atomic_load_n(&P.caller_sleeping, __ATOMIC_SEQ_CST)) {
      pthread_mutex_lock(&P.lock);
      pthread_cond_signal(&P.done);
      pthread_mutex_unlock(&P.lock);
    }
  }
}

static void *worker_main(void *arg) {
  const int thread = (int)(intptr_t)arg;
  /* Start from the generation at creation, not at the moment this thread first runs: a job published between
   * pthread_create and the thread's start would otherwise be skipped (it would then run on fewer threads). */
  uint32_t seen = P.start_gen;
  for (;;) {
    /* Spin briefly for the next job, then sleep. */
    uint64_t start = 0;
    for (unsigned i = 0;; i++) {
      if ((uint32_t)(__atomic_load_n(&P.next, __ATOMIC_ACQUIRE) >> 32) != seen || __atomic_load_n(&P.quit, __ATOMIC_ACQUIRE)) break;
      cpu_relax();
      if ((i & 63) == 63) {
        uint64_t t = now_ns();
        if (start == 0) start = t;
        else if (t - start > SPIN_NS) {
          pthread_mutex_lock(&P.lock);
          __atomic_add_fetch(&P.sleepers, 1, __ATOMIC_SEQ_CST);
          while ((uint32_t)(__atomic_load_n(&P.next, __ATOMIC_SEQ_CST) >> 32) == seen && !__atomic_load_n(&P.quit, __ATOMIC_SEQ_CST))
            pthread_cond_wait(&P.wake, &P.lock);
          __atomic_sub_fetch(&P.sleepers, 1, __ATOMIC_SEQ_CST);
          pthread_mutex_unlock(&P.lock);
          break;
        }
      }
    }
    if (__atomic_load_n(&P.quit, __ATOMIC_ACQUIRE)) return NULL;
    seen = (uint32_t)(__atomic_load_n(&P.next, __ATOMIC_ACQUIRE) >> 32);
    run_tasks(seen, thread);
  }
}

static void stop_workers(void) {
  if (P.n_workers == 0) return;
  pthread_mutex_lock(&P.lock);
  __atomic_store_n(&P.quit, 1, __ATOMIC_SEQ_CST);
  pthread_cond_broadcast(&P.wake);
  pthread_mutex_unlock(&P.lock);
  for (int i = 0; i < P.n_workers; i++) pthread_join(P.workers[i], NULL);
  P.n_workers = 0;
  __atomic_store_n(&P.quit, 0, __ATOMIC_SEQ_CST);
}

static void start_workers(int n) {
  P.start_gen = (uint32_t)(__atomic_load_n(&P.next, __ATOMIC_ACQUIRE) >> 32); /* no job in flight: owner is held */
  for (int i = 0; i < n; i++) {
    if (pthread_create(&P.workers[i], NULL, worker_main, (void *)(intptr_t)(i + 1)) != 0) break;
    P.n_workers = i + 1;
  }
}

void kd_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > KD_MAX_THREADS) n = KD_MAX_THREADS;
  if (tl_in_task) return; /* never resize from inside a task */
  pthread_mutex_lock(&P.owner);
  if (n != P.n_threads || P.n_workers != n - 1) {
    stop_workers();
    start_workers(n - 1);
    P.n_threads = P.n_workers + 1; /* fewer if thread creation failed */
  }
  pthread_mutex_unlock(&P.owner);
}

int kd_get_threads(void) { return __atomic_load_n(&P.n_threads, __ATOMIC_RELAXED); }

static void run_serial(size_t n_tasks, kd_task_fn fn, void *ctx) {
  int outer = tl_in_task;
  tl_in_task = 1;
  for (size_t i = 0; i < n_tasks; i++) fn(ctx, i, 0);
  tl_in_task = outer;
}

void kd_parallel_for(size_t n_tasks, kd_task_fn fn, void *ctx) {
  if (n_tasks == 0) return;
  if (n_tasks == 1 || tl_in_task || P.n_workers == 0) {
    run_serial(n_tasks, fn, ctx);
    return;
  }
  if (pthread_mutex_trylock(&P.owner) != 0) { /* another thread is using (or resizing) the pool */
    run_serial(n_tasks, fn, ctx);
    return;
  }
  if (P.n_workers == 0) {
    pthread_mutex_unlock(&P.owner);
    run_serial(n_tasks, fn, ctx);
    return;
  }
  if (n_tasks > 0xffffffffu) { /* task index must fit the low half of P.next */
    pthread_mutex_unlock(&P.owner);
    run_serial(n_tasks, fn, ctx);
    return;
  }
  __atomic_store_n(&P.job.fn, fn, __ATOMIC_RELAXED); /* a late worker may still read these: atomics */
  __atomic_store_n(&P.job.ctx, ctx, __ATOMIC_RELAXED);
  __atomic_store_n(&P.job.n_tasks, n_tasks, __ATOMIC_RELAXED);
  __atomic_store_n(&P.remaining, n_tasks, __ATOMIC_RELAXED);
  const uint32_t gen = (uint32_t)(__atomic_load_n(&P.next, __ATOMIC_RELAXED) >> 32) + 1;
  __atomic_store_n(&P.next, (uint64_t)gen << 32, __ATOMIC_SEQ_CST); /* publishes the job and `remaining` */
  if (__atomic_load_n(&P.sleepers, __ATOMIC_SEQ_CST) > 0) {
    pthread_mutex_lock(&P.lock);
    pthread_cond_broadcast(&P.wake);
    pthread_mutex_unlock(&P.lock);
  }
  run_tasks(gen, 0);
  /* Wait for tasks still running on workers: spin, then sleep until the last one signals. */
  uint64_t start = 0;
  for (unsigned i = 0; __atomic_load_n(&P.remaining, __ATOMIC_ACQUIRE) != 0; i++) {
    cpu_relax();
    if ((i & 63) != 63) continue;
    uint64_t t = now_ns();
    if (start == 0) start = t;
    else if (t - start > SPIN_NS) {
      pthread_mutex_lock(&P.lock);
      __atomic_store_n(&P.caller_sleeping, 1, __ATOMIC_SEQ_CST);
      while (__atomic_load_n(&P.remaining, __ATOMIC_SEQ_CST) != 0) pthread_cond_wait(&P.done, &P.lock);
      __atomic_store_n(&P.caller_sleeping, 0, __ATOMIC_SEQ_CST);
      pthread_mutex_unlock(&P.lock);
      break;
    }
  }
  pthread_mutex_unlock(&P.owner);
}
