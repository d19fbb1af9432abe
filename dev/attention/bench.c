/* Kernel lab timings for fused attention and cross-entropy: GFLOP/s (forward 4·D, backward 10·D flops per visible
 * query-key pair: 2 and 5 matrix products) per ISA table and thread count, medians (KD_BENCH_MIN=1: best;
 * KD_BENCH_CPU=1: thread CPU time for 1 thread; KD_BENCH_ONLY=text: only shapes whose name contains it). Not here:
 * accuracy (check.c).
 * Build and run: dev/attention/run.sh bench [max_threads] [generic|avx2|avx512] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kd_attn_simd.h"
#include "kd_cpu.h"
#include "kd_threadpool.h"

/* KD_BENCH_CPU=1 with one thread: time the calling thread's CPU time, which leaves out the time other processes
 * on a busy machine take the core away (1 thread runs every task on the calling thread). */
static clockid_t clock_id = CLOCK_MONOTONIC;
static double now(void) {
  struct timespec ts;
  clock_gettime(clock_id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static float *buf(int64_t n) {
  float *p = malloc(sizeof(float) * (size_t)n);
  for (int64_t i = 0; i < n; i++) p[i] = (float)((i * 7919 % 1000) / 1000.0 - 0.5);
  return p;
}

typedef struct {
  const char *name;
  int64_t b, t, s, h, h_kv, d;
  int causal;
  int64_t window; /* sliding window (0 = off) */
  float softcap;  /* Gemma 2 score cap (0 = off) */
  int64_t doc;    /* packed documents of doc positions each (segments; 0 = off) */
} shape;

static int use_min = 0; /* KD_BENCH_MIN=1: best time instead of the median (on a busy machine) */

static double median_seconds(void (*fn)(void *), void *arg, double budget) {
  double times[51];
  int n = 0;
  const double start = now();
  fn(arg); /* warm-up */
  while (n < 51 && (n < 5 || now() - start < budget)) {
    const double t0 = now();
    fn(arg);
    times[n++] = now() - t0;
  }
  qsort(times, (size_t)n, sizeof(double), cmp);
  return use_min ? times[0] : times[n / 2];
}

static const kd_attn_simd *cur;
static void run_fwd(void *p) { kd_attention_forward_isa(cur, p); }
static void run_bwd(void *p) { kd_attention_backward_isa(cur, p); }

static void attention(const shape *sh, int threads) {
  const int64_t nq = sh->b * sh->t * sh->h * sh->d, nkv = sh->b * sh->s * sh->h_kv * sh->d;
  float *q = buf(nq), *k = buf(nkv), *v = buf(nkv), *o = buf(nq), *l = buf(sh->b * sh->h * sh->t);
  float *g = buf(nq), *dq = buf(nq), *dk = buf(nkv), *dv = buf(nkv);
  double pairs = 0;
  for (int64_t t = 0; t < sh->t; t++) { /* visible query-key pairs, as the kernels count them */
    const int64_t p = sh->s - sh->t + t, hi = sh->causal ? p + 1 : sh->s;
    int64_t lo = sh->window > 0 && p - sh->window + 1 > 0 ? p - sh->window + 1 : 0;
    if (sh->doc > 0 && p / sh->doc * sh->doc > lo) lo = p / sh->doc * sh->doc; /* keys before the document start */
    pairs += (double)((sh->doc > 0 && (p / sh->doc + 1) * sh->doc < hi ? (p / sh->doc + 1) * sh->doc : hi) - lo);
  }
  pairs *= (double)(sh->b * sh->h);
  const float scale = 0.125f;
  int32_t *seg = NULL;
  if (sh->doc > 0) {
    seg = malloc(sizeof(int32_t) * (size_t)(sh->b * sh->s));
    for (int64_t i = 0; i < sh->b * sh->s; i++) seg[i] = (int32_t)(i % sh->s / sh->doc);
  }
  kd_attention_args fa = {q, k, v, o, l, sh->b, sh->t, sh->s, sh->h, sh->h_kv, sh->d, sh->s * sh->h_kv * sh->d,
                          sh->causal, scale, sh->window, sh->softcap, seg};
  kd_attention_backward_args ba = {g, q, k, v, o, l, dq, dk, dv, sh->b, sh->t, sh->s, sh->h, sh->h_kv, sh->d,
                                   sh->s * sh->h_kv * sh->d, sh->causal, scale, sh->window, sh->softcap, seg};
  const double tf = median_seconds(run_fwd, &fa, 1.0);
  const double tb = sh->t > 1 ? median_seconds(run_bwd, &ba, 1.0) : 0;
  printf("%-34s %-7s %d thr  fwd %8.1f us %6.1f GFLOP/s", sh->name, cur->name, threads, tf * 1e6,
         4.0 * (double)sh->d * pairs / tf * 1e-9);
  if (sh->t == 1) printf("  (K+V %5.1f GB/s)", 2.0 * 4.0 * (double)nkv / tf * 1e-9);
  if (tb > 0) printf("  bwd %8.1f us %6.1f GFLOP/s", tb * 1e6, 10.0 * (double)sh->d * pairs / tb * 1e-9);
  printf("\n");
  free(q), free(k), free(v), free(o), free(l), free(g), free(dq), free(dk), free(dv), free(seg);
}

typedef struct {
  float *x, *lse, *loss, *dx, *dl;
  int32_t *tg;
  int64_t n, v;
} xent_arg;
static void run_xf(void *p) {
  xent_arg *a = p;
  kd_cross_entropy_forward_isa(cur, a->x, a->tg, a->n, a->v, -100, a->loss, a->lse);
}
static void run_xb(void *p) {
  xent_arg *a = p;
  kd_cross_entropy_backward_isa(cur, a->x, a->tg, a->lse, a->dl, a->n, a->v, -100, a->dx);
}

static void xent(int64_t n, int64_t v, int threads) {
  xent_arg a = {buf(n * v), buf(n), buf(n), buf(n * v), buf(n), malloc(4 * (size_t)n), n, v};
  for (int64_t i = 0; i < n; i++) a.tg[i] = (int32_t)(i * 31 % v);
  run_xf(&a);
  const double tf = median_seconds(run_xf, &a, 1.0), tb = median_seconds(run_xb, &a, 1.0);
  const double gb = 4.0 * (double)(n * v) * 1e-9;
  printf("xent N=%-5ld V=%-7ld               %-7s %d thr  fwd %8.1f us %6.1f GB/s logits   bwd %8.1f us %6.1f GB/s\n",
         (long)n, (long)v, cur->name, threads, tf * 1e6, gb / tf, tb * 1e6, 2 * gb / tb);
  free(a.x), free(a.lse), free(a.loss), free(a.dx), free(a.dl), free(a.tg);
}

int main(int argc, char **argv) {
  const int max_threads = argc > 1 ? atoi(argv[1]) : 2;
  const char *only = argc > 2 ? argv[2] : NULL; /* optional table name */
  use_min = getenv("KD_BENCH_MIN") != NULL;
  const kd_attn_simd *tables[3] = {&kd_attn_simd_generic, &kd_attn_simd_avx2, &kd_attn_simd_avx512};
  const int n_tables = 1 + (int)kd_cpu_best_isa();
  static const shape shapes[] = {
      {"B4 T=S=256 H6 D64 causal", 4, 256, 256, 6, 6, 64, 1},
      {"B1 T=S=1024 H8 D64 causal", 1, 1024, 1024, 8, 8, 64, 1},
      {"B1 T=S=1024 H8 D64 full", 1, 1024, 1024, 8, 8, 64, 0},
      {"B1 T=S=1024 H8/2 D128 causal", 1, 1024, 1024, 8, 2, 128, 1},
      {"decode B1 T1 S2048 H8 D64", 1, 1, 2048, 8, 8, 64, 1},
      {"decode B1 T1 S2048 H8/2 D128", 1, 1, 2048, 8, 2, 128, 1},
      {"decode B4 T1 S2048 H6 D64", 4, 1, 2048, 6, 6, 64, 1},
      {"decode B1 T1 S2048 H8 D17", 1, 1, 2048, 8, 8, 17, 1},
      {"decode B8 T1 S2048 H1 D64", 8, 1, 2048, 1, 1, 64, 1},
      {"decode B1 T4 S2048 H8/1 D8", 1, 4, 2048, 8, 1, 8, 1},
      {"chunk B1 T=32 S=2048 H8/2 D64", 1, 32, 2048, 8, 2, 64, 1},
      /* sliding windows skip the key tiles outside them; softcap adds a tanh per score */
      {"swa B1 T=S=1024 H8 D64 win256", 1, 1024, 1024, 8, 8, 64, 1, 256, 0},
      {"cap B1 T=S=1024 H8/2 D128 cap50", 1, 1024, 1024, 8, 2, 128, 1, 0, 50},
      {"decode B1 T1 S8192 H8/2 D128 win1024", 1, 1, 8192, 8, 2, 128, 1, 1024, 0},
      {"decode B1 T1 S2048 H8/2 D128 cap50", 1, 1, 2048, 8, 2, 128, 1, 0, 50},
      /* document masks: 8 packed examples of 128 skip the key tiles of the other documents */
      {"packed B1 T=S=1024 H8 D64 8x128", 1, 1024, 1024, 8, 8, 64, 1, 0, 0, 128},
      {"packed's documents alone B8 T=S=128 H8 D64", 8, 128, 128, 8, 8, 64, 1, 0, 0, 0},
      {"packed B1 T=S=1024 H8/2 D128 8x128", 1, 1024, 1024, 8, 2, 128, 1, 0, 0, 128},
      {"decode packed B1 T1 S2048 H8/2 D128 16x128", 1, 1, 2048, 8, 2, 128, 1, 0, 0, 128},
  };
  const char *only_shape = getenv("KD_BENCH_ONLY");
  for (int ti = 0; ti < n_tables; ti++) {
    cur = tables[ti];
    if (only && strcmp(only, cur->name) != 0) continue;
    for (int th = 1; th <= max_threads; th++) {
      kd_set_threads(th);
      clock_id = th == 1 && getenv("KD_BENCH_CPU") ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
      for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (!only_shape || strstr(shapes[i].name, only_shape)) attention(&shapes[i], th);
      if (only_shape) continue;
      xent(1024, 32000, th);
      xent(8, 151936, th);
    }
  }
  return 0;
}
