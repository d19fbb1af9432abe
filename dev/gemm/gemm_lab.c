/* GEMM lab: checks kd_sgemm against a naive double-precision triple loop on every ISA path (all transposes,
 * odd sizes, batch strides incl. 0, alpha/beta, NaN in C with beta = 0, thread-count invariance) and times it.
 * Not part of the addon. Usage:
 *   gemm_lab test                                   correctness sweep (exit 1 on a mismatch)
 *   gemm_lab bench M K N THREADS [ISA] [REPS] [NN|NT|TN|TT]  median GFLOP/s (ISA: generic|avx2|avx512)
 *   gemm_lab ukr ISA MRxNV MC KC NC M K N THREADS   time a micro-kernel variant / blocking (avx512 only)
 *   gemm_lab copy BYTES THREADS                     plain copy bandwidth (memcpy split over threads)
 *   gemm_lab pool                                   thread-pool dispatch latency
 * Env KD_SPLIT=auto|rows|shared chooses how one product is split over threads (see kd_gemm_internal.h). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kd_cpu.h"
#include "kd_gemm.h"
#include "kd_gemm_internal.h"
#include "kd_threadpool.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float frand(void) { /* xorshift64*, uniform in [-1, 1) */
  rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27;
  return (float)((double)((rng * 0x2545f4914f6cdd1dull) >> 40) / (double)(1 << 24) * 2.0 - 1.0);
}
static float *randbuf(size_t n) {
  float *p = malloc((n ? n : 1) * sizeof(float));
  for (size_t i = 0; i < n; i++) p[i] = frand();
  return p;
}

/* Naive reference; returns the max error relative to Σ|a||b| (+|beta c|) per element. */
static double check(const kd_gemm_args *g, const float *c0, const float *c) {
  double worst = 0;
  for (int64_t bi = 0; bi < g->batch; bi++)
    for (int64_t i = 0; i < g->m; i++)
      for (int64_t j = 0; j < g->n; j++) {
        const float *a = g->a + bi * g->stride_a, *b = g->b + bi * g->stride_b;
        double s = 0, mag = 0;
        for (int64_t p = 0; p < g->k; p++) {
          double x = g->trans_a ? a[p * g->lda + i] : a[i * g->lda + p];
          double y = g->trans_b ? b[j * g->ldb + p] : b[p * g->ldb + j];
          s += x * y;
          mag += fabs(x * y);
        }
        const int64_t ci = bi * g->stride_c + i * g->ldc + j;
        double want = g->alpha * s, m = fabs(g->alpha) * mag;
        if (g->beta != 0) { want += g->beta * (double)c0[ci]; m += fabs(g->beta * (double)c0[ci]); }
        double err = fabs((double)c[ci] - want) / (m + 1e-30);
        if (!(err == err) || isinf(c[ci])) return INFINITY;
        if (err > worst) worst = err;
      }
  return worst;
}

static int run_case(int ta, int tb, int64_t m, int64_t n, int64_t k, int64_t batch, int bcast, float alpha, float beta,
                    int pad) {
  const int64_t rows_a = ta ? k : m, cols_a = ta ? m : k, rows_b = tb ? n : k, cols_b = tb ? k : n;
  const int64_t lda = cols_a + pad, ldb = cols_b + pad, ldc = n + pad;
  const int64_t sa = (bcast & 1) ? 0 : rows_a * lda, sb = (bcast & 2) ? 0 : rows_b * ldb, sc = m * ldc;
  const size_t na = (size_t)(sa ? sa * batch : rows_a * lda), nb = (size_t)(sb ? sb * batch : rows_b * ldb);
  const size_t nc = (size_t)(sc * batch);
  float *a = randbuf(na), *b = randbuf(nb), *c0 = randbuf(nc), *c = malloc(nc * sizeof(float)),
        *c2 = malloc(nc * sizeof(float));
  if (beta == 0) for (size_t i = 0; i < nc; i += 7) c0[i] = NAN; /* must be ignored */
  kd_gemm_args g = {ta, tb, m, n, k, alpha, beta, a, lda, sa, b, ldb, sb, c, ldc, sc, batch, NULL};
  int bad = 0;
  memcpy(c, c0, nc * sizeof(float));
  kd_set_threads(1);
  kd_sgemm(&g);
  double err = check(&g, c0, c);
  /* ~k·eps/2 is the float bound for a length-k sum; allow a generous constant. */
  double tol = 4e-7 * (double)(k + 2) + 1e-6;
  if (!(err <= tol)) bad = 1;
  memcpy(c2, c0, nc * sizeof(float));
  g.c = c2;
  kd_set_threads(2);
  kd_sgemm(&g);
  if (memcmp(c, c2, nc * sizeof(float)) != 0) bad |= 2;
  if (beta == 0) { /* the bias: bit for bit the product with beta = 1 on C prefilled with the bias rows */
    float *bias = randbuf((size_t)n);
    for (int64_t bi = 0; bi < batch; bi++)
      for (int64_t i = 0; i < m; i++) memcpy(c + bi * sc + i * ldc, bias, (size_t)n * sizeof(float));
    kd_gemm_args h = g;
    h.c = c;
    h.beta = 1.0f;
    kd_set_threads(1);
    kd_sgemm(&h);
    for (int threads = 1; threads <= 2; threads++) {
      memcpy(c2, c0, nc * sizeof(float)); /* NaN where C is ignored */
      h = g;
      h.c = c2;
      h.bias = bias;
      kd_set_threads(threads);
      kd_sgemm(&h);
      for (int64_t bi = 0; bi < batch; bi++)
        for (int64_t i = 0; i < m; i++)
          if (memcmp(c + bi * sc + i * ldc, c2 + bi * sc + i * ldc, (size_t)n * sizeof(float)) != 0) bad |= 4;
    }
    free(bias);
  }
  if (bad)
    printf("FAIL[%s%s%s] isa=%s ta=%d tb=%d m=%ld n=%ld k=%ld batch=%ld bcast=%d alpha=%g beta=%g pad=%d err=%g\n",
           bad & 1 ? "value" : "", bad & 2 ? " thread-variance" : "", bad & 4 ? " bias" : "", kd_gemm_active_kernel()->name, ta, tb, (long)m,
           (long)n, (long)k, (long)batch, bcast, alpha, beta, pad, err);
  free(a); free(b); free(c0); free(c); free(c2);
  return bad != 0;
}

/* ---- thread pool: every task exactly once, nested calls serial, resizing, two callers at once ---- */
typedef struct { int *hits; int nested_bad; } pool_ctx;
static void count_task(void *ctx, size_t i, int th) {
  pool_ctx *c = ctx;
  if (th < 0 || th >= kd_get_threads()) c->nested_bad = 1;
  __atomic_add_fetch(&c->hits[i], 1, __ATOMIC_RELAXED);
}
static void nested_task(void *ctx, size_t i, int th) {
  pool_ctx *c = ctx;
  int inner[8] = {0};
  pool_ctx ic = {inner, 0};
  kd_parallel_for(8, count_task, &ic); /* must run serially on this thread, all 8 tasks */
  for (int j = 0; j < 8; j++) if (inner[j] != 1) c->nested_bad = 1;
  __atomic_add_fetch(&c->hits[i], 1, __ATOMIC_RELAXED);
}
static void *caller_thread(void *arg) {
  int *bad = arg;
  for (int r = 0; r < 2000; r++) {
    int hits[37] = {0};
    pool_ctx c = {hits, 0};
    kd_parallel_for(37, count_task, &c);
    for (int j = 0; j < 37; j++) if (hits[j] != 1) *bad = 1;
  }
  return NULL;
}
static int pool_test(void) {
  int bad = 0;
  for (int threads = 1; threads <= 4; threads++) {
    kd_set_threads(threads);
    for (int r = 0; r < 3000; r++) {
      size_t n = (size_t)(r % 67);
      int hits[67] = {0};
      pool_ctx c = {hits, 0};
      kd_parallel_for(n, r % 5 == 0 ? nested_task : count_task, &c);
      for (size_t j = 0; j < 67; j++) if (hits[j] != (j < n)) bad = 1;
      if (c.nested_bad) bad = 1;
    }
  }
  kd_set_threads(2);
  int bad2 = 0;
  pthread_t other;
  pthread_create(&other, NULL, caller_thread, &bad2);
  caller_thread(&bad);
  pthread_join(other, NULL);
  printf("thread pool: %s\n", bad || bad2 ? "FAILED" : "ok (exactly-once tasks, nested, resize 1-4, two callers)");
  return bad || bad2;
}

static int test_modes(void);
static int test(void) {
  if (pool_test()) return 1;
  return test_modes();
}
static int test_one(void) {
  static const int64_t sizes[] = {1, 2, 3, 7, 16, 17, 33, 65, 127};
  int fails = 0, cases = 0;
  for (int isa = 0; isa <= (int)kd_cpu_best_isa(); isa++) {
    kd_cpu_force_isa((kd_isa)isa);
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        for (size_t im = 0; im < sizeof sizes / sizeof *sizes; im++)
          for (size_t in = 0; in < sizeof sizes / sizeof *sizes; in++)
            for (size_t ik = 0; ik < sizeof sizes / sizeof *sizes; ik += 2) {
              const int64_t m = sizes[im], n = sizes[in], k = sizes[ik];
              const int v = (int)(im * 7 + in * 3 + ik); /* vary the rest deterministically */
              const float alphas[] = {1.0f, 0.5f, -2.0f}, betas[] = {0.0f, 1.0f, 0.25f};
              fails += run_case(ta, tb, m, n, k, 1 + v % 3, v % 4, alphas[v % 3], betas[(v / 3) % 3], v % 2 ? 3 : 0);
              cases++;
            }
    /* Large enough to cross the cache blocks (K > KC, M > MC, N > NC) and use both threads. */
    const int64_t big[][3] = {{700, 1100, 900}, {1601, 300, 70}, {37, 2000, 45}, {1, 3000, 700}, {500, 800, 1},
                              {1, 513, 1}, {2, 2049, 3}, {300, 1, 200}, {5, 0, 7}};
    for (size_t i = 0; i < sizeof big / sizeof *big; i++)
      for (int t = 0; t < 4; t++) {
        fails += run_case(t & 1, t >> 1, big[i][0], big[i][2], big[i][1], 1 + (int)(i % 2), (int)i % 4,
                          i % 3 ? 1.0f : 0.75f, (float)(i % 3) * 0.5f, (int)(i % 2));
        cases++;
      }
    /* The paths a bias takes outside the blocked product (with beta = 0, so run_case checks the bias): narrow
     * (n ≤ NR/4, m ≥ 4·NR), skinny (2 ≤ m ≤ 32, B transposed), no product (k = 0, alpha = 0), and the blocked
     * product on the shared-B split (short m, 2 threads). */
    const int64_t paths[][3] = {{600, 64, 12}, {20, 96, 300}, {5, 0, 7}, {30, 700, 900}};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
      for (int t = 0; t < 4; t++) {
        fails += run_case(t & 1, t >> 1, paths[i][0], paths[i][2], paths[i][1], 1, 0, 1.0f, 0.0f, 0);
        fails += run_case(t & 1, t >> 1, paths[i][0], paths[i][2], paths[i][1], 2, 1, 0.0f, 0.0f, 1);
        cases += 2;
      }
    printf("%s: %d cases checked\n", kd_isa_name((kd_isa)isa), cases);
    cases = 0;
  }
  kd_cpu_force_isa(kd_cpu_best_isa());
  printf(fails ? "FAILED: %d\n" : "all passed%.0d\n", fails);
  return fails != 0;
}

static int test_modes(void) {
  int bad = 0;
  const char *names[] = {"auto", "rows", "shared"};
  for (int mode = 0; mode < 3; mode++) {
    printf("-- split mode %s\n", names[mode]);
    kd_gemm_set_split(mode);
    bad |= test_one();
  }
  kd_gemm_set_split(KD_SPLIT_AUTO);
  return bad;
}

static int cmp_d(const void *x, const void *y) { double a = *(const double *)x, b = *(const double *)y; return (a > b) - (a < b); }

static double g_best; /* GFLOP/s of the fastest repetition of the last time_gemm */
static int g_ta, g_tb; /* transposes used by time_gemm */
static double time_gemm(int64_t m, int64_t k, int64_t n, int threads, int reps) {
  float *a = randbuf((size_t)(m * k)), *b = randbuf((size_t)(k * n)), *c = randbuf((size_t)(m * n));
  kd_gemm_args g = {g_ta, g_tb, m, n, k, 1.0f, 0.0f, a, g_ta ? m : k, 0, b, g_tb ? k : n, 0, c, n, 0, 1, NULL};
  kd_set_threads(threads);
  double t[64];
  kd_sgemm(&g);
  if (reps > 64) reps = 64;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    kd_sgemm(&g);
    t[r] = now() - t0;
  }
  qsort(t, (size_t)reps, sizeof *t, cmp_d);
  free(a); free(b); free(c);
  g_best = 2.0 * (double)m * (double)n * (double)k / t[0] / 1e9;
  return 2.0 * (double)m * (double)n * (double)k / t[reps / 2] / 1e9;
}

typedef struct { char *dst; const char *src; size_t n, parts; } copy_t;
static void copy_task(void *ctx, size_t i, int th) {
  copy_t *c = ctx;
  size_t lo = c->n * i / c->parts, hi = c->n * (i + 1) / c->parts;
  memcpy(c->dst + lo, c->src + lo, hi - lo);
}
static void spin_task(void *ctx, size_t i, int th) { /* busy for 5 us */
  (void)ctx; (void)i; (void)th;
  double t0 = now();
  while (now() - t0 < 5e-6) {}
}

int main(int argc, char **argv) {
  const char *split = getenv("KD_SPLIT");
  if (split != NULL) kd_gemm_set_split(!strcmp(split, "rows") ? KD_SPLIT_ROWS : !strcmp(split, "shared") ? KD_SPLIT_SHARED : KD_SPLIT_AUTO);
  if (argc >= 2 && strcmp(argv[1], "test") == 0) return test();
  if (argc >= 6 && strcmp(argv[1], "bench") == 0) {
    if (argc >= 7) kd_cpu_force_isa((kd_isa)kd_isa_parse(argv[6]));
    int reps = argc >= 8 ? atoi(argv[7]) : 9;
    if (argc >= 9) { g_ta = strchr(argv[8], 'T') == argv[8]; g_tb = argv[8][1] == 'T'; } /* NN, NT, TN, TT */
    double gf = time_gemm(atol(argv[2]), atol(argv[3]), atol(argv[4]), atoi(argv[5]), reps);
    printf("%s %s×%s×%s threads=%s %s %.1f GFLOP/s (best %.1f)\n", kd_gemm_active_kernel()->name, argv[2], argv[3], argv[4], argv[5], argc >= 9 ? argv[8] : "NN", gf, g_best);
    return 0;
  }
  if (argc >= 11 && strcmp(argv[1], "ukr") == 0) {
    extern void kd_ukr_avx512_14x2(int64_t, const float *, const float *, float *, int64_t, int64_t, int64_t, float, float);
    extern void kd_ukr_avx512_6x4(int64_t, const float *, const float *, float *, int64_t, int64_t, int64_t, float, float);
    extern void kd_ukr_avx512_8x3(int64_t, const float *, const float *, float *, int64_t, int64_t, int64_t, float, float);
    extern void kd_ukr_avx512_12x2(int64_t, const float *, const float *, float *, int64_t, int64_t, int64_t, float, float);
    extern void kd_ukr_avx512_9x3(int64_t, const float *, const float *, float *, int64_t, int64_t, int64_t, float, float);
    kd_gemm_kernel K = kd_gemm_kernel_avx512;
    const char *v = argv[3];
    if (!strcmp(v, "14x2")) { K.ukr = kd_ukr_avx512_14x2; K.mr = 14; K.nr = 32; }
    else if (!strcmp(v, "6x4")) { K.ukr = kd_ukr_avx512_6x4; K.mr = 6; K.nr = 64; }
    else if (!strcmp(v, "8x3")) { K.ukr = kd_ukr_avx512_8x3; K.mr = 8; K.nr = 48; }
    else if (!strcmp(v, "12x2")) { K.ukr = kd_ukr_avx512_12x2; K.mr = 12; K.nr = 32; }
    else if (!strcmp(v, "9x3")) { K.ukr = kd_ukr_avx512_9x3; K.mr = 9; K.nr = 48; }
    K.mc = atol(argv[4]); K.kc = atol(argv[5]); K.nc = atol(argv[6]);
    kd_gemm_override_kernel(&K);
    double gf = time_gemm(atol(argv[7]), atol(argv[8]), atol(argv[9]), atoi(argv[10]), 9);
    printf("%s MC=%s KC=%s NC=%s %s×%s×%s threads=%s %.1f GFLOP/s (best %.1f)\n", v, argv[4], argv[5], argv[6], argv[7], argv[8],
           argv[9], argv[10], gf, g_best);
    return 0;
  }
  if (argc >= 4 && strcmp(argv[1], "copy") == 0) {
    size_t n = (size_t)atol(argv[2]);
    int th = atoi(argv[3]);
    char *s = malloc(n), *d = malloc(n);
    memset(s, 1, n); memset(d, 2, n);
    kd_set_threads(th);
    copy_t c = {d, s, n, (size_t)th};
    double t[15];
    for (int r = 0; r < 15; r++) { double t0 = now(); kd_parallel_for((size_t)th, copy_task, &c); t[r] = now() - t0; }
    qsort(t, 15, sizeof *t, cmp_d);
    printf("copy %zu bytes threads=%d: %.1f GB/s (bytes copied/s), %.1f GB/s (read+write)\n", n, th, n / t[7] / 1e9,
           2.0 * n / t[7] / 1e9);
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "pool") == 0) {
    kd_set_threads(2);
    for (int gap = 0; gap < 2; gap++) {
      double total = 0;
      int n = gap ? 200 : 100000;
      for (int i = 0; i < n; i++) {
        if (gap) { struct timespec ts = {0, 2000000}; nanosleep(&ts, NULL); }
        double t0 = now();
        kd_parallel_for(2, spin_task, NULL);
        total += now() - t0;
      }
      printf("2 tasks of 5 us each%s: %.2f us per call (5 us if both threads ran one task)\n",
             gap ? " after 2 ms idle (workers asleep)" : " back-to-back", total / n * 1e6);
    }
    return 0;
  }
  fprintf(stderr, "usage: see the header of dev/gemm/gemm_lab.c\n");
  return 2;
}
