/* Kernel lab check for fused attention and cross-entropy: every ISA table against the naive double reference
 * (ref.h) on many shapes, finite differences of the backward, determinism and untouched KV padding.
 * Not here: timings (bench.c). Build and run: dev/attention/run.sh check */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kd_attn_simd.h"
#include "kd_cpu.h"
#include "kd_threadpool.h"
#include "ref.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double urand(void) { /* splitmix64 → [−1, 1) */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}
static int64_t irand(int64_t n) { return (int64_t)((urand() + 1.0) * 0.5 * (double)n) % n; }

static const kd_attn_simd *tables[3];
static int n_tables = 0;
static int failures = 0;
static double worst[8], worst_peaky[8]; /* out, lse, dq, dk, dv, xent loss, xent grad, fd */
static int peaky = 0;                   /* cases with scores in the hundreds are reported apart */
static const char *worst_name[8] = {"out", "lse", "dq", "dk", "dv", "xent loss", "xent dlogits", "fin.diff"};
static double TOL = 2e-5;

/* max |a − b| / max(floor, max |b|) over n values: error relative to the scale of the reference. */
static double rel_err_floor(const float *a, const double *b, int64_t n, double floor) {
  double e = 0, m = floor;
  for (int64_t i = 0; i < n; i++) {
    const double d = fabs((double)a[i] - b[i]);
    if (!(d <= e)) e = d; /* NaN becomes the error */
    if (fabs(b[i]) > m) m = fabs(b[i]);
  }
  return e / m;
}
static double rel_err(const float *a, const double *b, int64_t n) { return rel_err_floor(a, b, n, 1e-3); }

static void note(int which, double err, const char *what) {
  double *w = peaky ? worst_peaky : worst;
  if (!(err <= w[which])) w[which] = err;
  if (!(err <= TOL)) {
    failures++;
    if (failures <= 20) printf("FAIL %s: %s error %.3g\n", what, worst_name[which], err);
  }
}

static float *fbuf(int64_t n, double lo_scale) {
  float *p = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
  for (int64_t i = 0; i < n; i++) p[i] = (float)(urand() * lo_scale);
  return p;
}
static double *todouble(const float *x, int64_t n) {
  double *p = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
  for (int64_t i = 0; i < n; i++) p[i] = isnan(x[i]) ? 0.0 : x[i]; /* NaN marks padding the kernel must not read */
  return p;
}

/* The sliding window and softcap of the next cases (0 = off): set around calls, as the harness is single-threaded. */
static int64_t cur_window = 0;
static double cur_softcap = 0;

/* One attention case on every table: forward vs reference, backward (accumulating) vs reference. */
static void attention_case(int64_t B, int64_t T, int64_t S, int64_t H, int64_t Hkv, int64_t D, int causal, int pad,
                           double qscale) {
  const int64_t kvs = S * Hkv * D + pad;
  const ref_shape p = {B, T, S, H, Hkv, D, kvs, causal, 1.0 / sqrt((double)D), cur_window, cur_softcap};
  /* the last batch item has no padding after it, so that ASan builds catch reads past the end */
  const int64_t nq = B * T * H * D, nkv = (B - 1) * kvs + S * Hkv * D, nl = B * H * T;
  float *q = fbuf(nq, qscale), *k = fbuf(nkv, 1.5), *v = fbuf(nkv, 1.0), *dout = fbuf(nq, 1.0);
  for (int64_t b = 0; b + 1 < B; b++)
    for (int64_t i = S * Hkv * D; i < kvs; i++) k[b * kvs + i] = v[b * kvs + i] = NAN;
  double *qd = todouble(q, nq), *kd = todouble(k, nkv), *vd = todouble(v, nkv), *gd = todouble(dout, nq);
  double *out = calloc((size_t)nq + 1, sizeof(double)), *lse = calloc((size_t)nl + 1, sizeof(double));
  ref_attention(&p, qd, kd, vd, out, lse);
  float *dq0 = fbuf(nq, 1.0), *dk0 = fbuf(nkv, 1.0), *dv0 = fbuf(nkv, 1.0);
  double *dq = todouble(dq0, nq), *dk = todouble(dk0, nkv), *dv = todouble(dv0, nkv);
  ref_attention_backward(&p, gd, qd, kd, vd, dq, dk, dv);
  char what[160];
  const int per_tile = (int)irand(2); /* half the cases transpose k/v tile by tile instead of once per call */
  kd_attn_max_transpose_bytes = per_tile ? 0 : (size_t)1 << 28;
  for (int ti = 0; ti < n_tables; ti++) {
    snprintf(what, sizeof what, "%s B%ld T%ld S%ld H%ld/%ld D%ld %s pad%d%s q×%g win%ld cap%g", tables[ti]->name,
             (long)B, (long)T, (long)S, (long)H, (long)Hkv, (long)D, causal ? "causal" : "full", pad,
             per_tile ? " per-tile" : "", qscale, (long)cur_window, cur_softcap);
    float *o = fbuf(nq, 1.0), *l = fbuf(nl, 1.0);
    const kd_attention_args fa = {q, k, v, o, l, B, T, S, H, Hkv, D, kvs, causal, (float)p.scale, p.window,
                                  (float)p.softcap};
    kd_attention_forward_isa(tables[ti], &fa);
    note(0, rel_err(o, out, nq), what);
    double le = 0;
    for (int64_t i = 0; i < nl; i++) {
      const double d = isinf(lse[i]) && isinf(l[i]) && lse[i] == l[i] ? 0 : fabs(l[i] - lse[i]) / fmax(1, fabs(lse[i]));
      if (!(d <= le)) le = d;
    }
    note(1, le, what);
    float *gq = malloc(sizeof(float) * (size_t)nq), *gk = malloc(sizeof(float) * (size_t)nkv),
          *gv = malloc(sizeof(float) * (size_t)nkv);
    memcpy(gq, dq0, sizeof(float) * (size_t)nq);
    memcpy(gk, dk0, sizeof(float) * (size_t)nkv);
    memcpy(gv, dv0, sizeof(float) * (size_t)nkv);
    const kd_attention_backward_args ba = {dout, q, k, v, o, l, gq, gk, gv, B, T, S, H, Hkv, D, kvs, causal,
                                           (float)p.scale, p.window, (float)p.softcap};
    kd_attention_backward_isa(tables[ti], &ba);
    note(2, rel_err(gq, dq, nq), what);
    /* the padding of dk/dv must keep its values: compare the whole buffer, padding included */
    note(3, rel_err(gk, dk, nkv), what);
    note(4, rel_err(gv, dv, nkv), what);
    free(o), free(l), free(gq), free(gk), free(gv);
  }
  free(q), free(k), free(v), free(dout), free(qd), free(kd), free(vd), free(gd), free(out), free(lse);
  free(dq0), free(dk0), free(dv0), free(dq), free(dk), free(dv);
}

/* Kernel gradients vs central differences of the double reference forward for L = Σ W ⊙ out. */
static void attention_fd(int64_t B, int64_t T, int64_t S, int64_t H, int64_t Hkv, int64_t D, int causal) {
  const ref_shape p = {B, T, S, H, Hkv, D, S * Hkv * D, causal, 1.0 / sqrt((double)D), cur_window, cur_softcap};
  const int64_t nq = B * T * H * D, nkv = B * S * Hkv * D;
  float *q = fbuf(nq, 1.5), *k = fbuf(nkv, 1.5), *v = fbuf(nkv, 1.0), *w = fbuf(nq, 1.0);
  float *o = fbuf(nq, 1), *l = fbuf(B * H * T, 1);
  float *gq = calloc((size_t)nq, 4), *gk = calloc((size_t)nkv, 4), *gv = calloc((size_t)nkv, 4);
  double *qd = todouble(q, nq), *kd = todouble(k, nkv), *vd = todouble(v, nkv);
  double *od = malloc(8 * (size_t)nq), *ld = malloc(8 * (size_t)(B * H * T));
  for (int ti = 0; ti < n_tables; ti++) {
    const kd_attention_args fa = {q, k, v, o, l, B, T, S, H, Hkv, D, p.kvs, causal, (float)p.scale, p.window,
                                  (float)p.softcap};
    kd_attention_forward_isa(tables[ti], &fa);
    memset(gq, 0, 4 * (size_t)nq), memset(gk, 0, 4 * (size_t)nkv), memset(gv, 0, 4 * (size_t)nkv);
    const kd_attention_backward_args ba = {w, q, k, v, o, l, gq, gk, gv, B, T, S, H, Hkv, D, p.kvs, causal,
                                           (float)p.scale, p.window, (float)p.softcap};
    kd_attention_backward_isa(tables[ti], &ba);
    double *xs[3] = {qd, kd, vd};
    float *gs[3] = {gq, gk, gv};
    const int64_t ns[3] = {nq, nkv, nkv};
    double err = 0, scale = 1e-3;
    for (int which = 0; which < 3; which++)
      for (int64_t i = 0; i < ns[which]; i++) {
        const double keep = xs[which][i], eps = 1e-5;
        double lp = 0, lm = 0;
        xs[which][i] = keep + eps;
        ref_attention(&p, qd, kd, vd, od, ld);
        for (int64_t j = 0; j < nq; j++) lp += w[j] * od[j];
        xs[which][i] = keep - eps;
        ref_attention(&p, qd, kd, vd, od, ld);
        for (int64_t j = 0; j < nq; j++) lm += w[j] * od[j];
        xs[which][i] = keep;
        const double fd = (lp - lm) / (2 * eps);
        err = fmax(err, fabs(fd - gs[which][i]));
        scale = fmax(scale, fabs(fd));
      }
    char what[128];
    snprintf(what, sizeof what, "fd %s B%ld T%ld S%ld H%ld/%ld D%ld %s win%ld cap%g", tables[ti]->name, (long)B,
             (long)T, (long)S, (long)H, (long)Hkv, (long)D, causal ? "causal" : "full", (long)cur_window, cur_softcap);
    note(7, err / scale, what);
  }
  free(q), free(k), free(v), free(w), free(o), free(l), free(gq), free(gk), free(gv);
  free(qd), free(kd), free(vd), free(od), free(ld);
}

static void xent_case(int64_t N, int64_t V, double spread) {
  const int32_t ignore = -100;
  float *x = fbuf(N * V, spread), *g = fbuf(N, 1.0), *d0 = fbuf(N * V, 0.01);
  int32_t *tg = malloc(sizeof(int32_t) * (size_t)N);
  for (int64_t i = 0; i < N; i++) {
    const int64_t r = irand(8);
    tg[i] = r == 0 ? ignore : r == 1 && N > 2 ? (int32_t)(irand(2) ? V : -5) : (int32_t)irand(V); /* bad = ignored */
  }
  double *xd = todouble(x, N * V), *loss = malloc(8 * (size_t)N), *lse = malloc(8 * (size_t)N);
  double *grad = todouble(d0, N * V);
  ref_xent(xd, tg, N, V, ignore, loss, lse);
  for (int64_t i = 0; i < N; i++) {
    if (tg[i] == ignore || tg[i] < 0 || tg[i] >= V) continue;
    for (int64_t j = 0; j < V; j++) grad[i * V + j] += g[i] * (exp(xd[i * V + j] - lse[i]) - (j == tg[i]));
  }
  char what[96];
  for (int ti = 0; ti < n_tables; ti++) {
    snprintf(what, sizeof what, "xent %s N%ld V%ld", tables[ti]->name, (long)N, (long)V);
    float *lo = fbuf(N, 1), *ls = fbuf(N, 1), *dx = malloc(4 * (size_t)(N * V));
    memcpy(dx, d0, 4 * (size_t)(N * V));
    kd_cross_entropy_forward_isa(tables[ti], x, tg, N, V, ignore, lo, ls);
    double e = 0;
    for (int64_t i = 0; i < N; i++) e = fmax(e, fabs(lo[i] - loss[i]) / fmax(1, fabs(loss[i])));
    for (int64_t i = 0; i < N; i++) e = fmax(e, fabs(ls[i] - lse[i]) / fmax(1, fabs(lse[i])));
    note(5, e, what);
    kd_cross_entropy_backward_isa(tables[ti], x, tg, ls, g, N, V, ignore, dx);
    double gmax = 1e-3; /* the gradient's natural scale is |dloss| (dx = dloss·(p − onehot)) */
    for (int64_t i = 0; i < N; i++) gmax = fmax(gmax, fabs(g[i]));
    note(6, rel_err_floor(dx, grad, N * V, gmax), what);
    free(lo), free(ls), free(dx);
  }
  free(x), free(g), free(d0), free(tg), free(xd), free(loss), free(lse), free(grad);
}

/* Every table's transpose equals the plain loop, on odd and block-multiple sizes with row strides. */
static void transpose_check(void) {
  for (int c = 0; c < 60; c++) {
    const int64_t rows = 1 + irand(70), cols = 1 + irand(140), lds = cols + irand(5), ldd = rows + irand(5);
    float *src = fbuf(rows * lds, 1), *want = calloc((size_t)(cols * ldd), 4), *got = calloc((size_t)(cols * ldd), 4);
    for (int64_t j = 0; j < rows; j++)
      for (int64_t x = 0; x < cols; x++) want[x * ldd + j] = src[j * lds + x];
    for (int ti = 0; ti < n_tables; ti++) {
      memset(got, 0, 4 * (size_t)(cols * ldd));
      tables[ti]->transpose(src, rows, cols, lds, got, ldd);
      if (memcmp(got, want, 4 * (size_t)(cols * ldd)) != 0) {
        failures++;
        printf("FAIL transpose %s rows %ld cols %ld\n", tables[ti]->name, (long)rows, (long)cols);
      }
    }
    free(src), free(want), free(got);
  }
}

/* Results must not depend on the thread count: 1 and 2 threads (which also switches the backward schedule for an
 * odd number of (b, kv head) groups) agree bit for bit, forward and backward. */
static void determinism(int64_t B, int64_t T, int64_t S, int64_t H, int64_t Hkv, int64_t D, int causal) {
  const int64_t n = B * T * H * D, nkv = B * S * Hkv * D, nl = B * H * T;
  float *q = fbuf(n, 1), *k = fbuf(nkv, 1), *v = fbuf(nkv, 1), *g = fbuf(n, 1);
  float *r[2][5];
  const int64_t len[5] = {n, nl, n, nkv, nkv};
  for (int run = 0; run < 2; run++) {
    kd_set_threads(run + 1);
    for (int j = 0; j < 5; j++) r[run][j] = calloc((size_t)len[j], 4);
    const kd_attention_args fa = {q, k, v, r[run][0], r[run][1], B, T, S, H, Hkv, D, S * Hkv * D, causal, 0.125f,
                                  cur_window, (float)cur_softcap};
    kd_attention_forward(&fa);
    const kd_attention_backward_args ba = {g, q, k, v, r[run][0], r[run][1], r[run][2], r[run][3], r[run][4],
                                           B, T, S, H, Hkv, D, S * Hkv * D, causal, 0.125f, cur_window,
                                           (float)cur_softcap};
    kd_attention_backward(&ba);
  }
  for (int j = 0; j < 5; j++)
    if (memcmp(r[0][j], r[1][j], 4 * (size_t)len[j]) != 0) {
      failures++;
      printf("FAIL 1 vs 2 threads differ in output %d (out, lse, dq, dk, dv) for B%ld T%ld S%ld H%ld/%ld D%ld\n", j,
             (long)B, (long)T, (long)S, (long)H, (long)Hkv, (long)D);
    }
  for (int run = 0; run < 2; run++)
    for (int j = 0; j < 5; j++) free(r[run][j]);
  free(q), free(k), free(v), free(g);
  kd_set_threads(2);
}

int main(int argc, char **argv) {
  const int n_cases = argc > 1 ? atoi(argv[1]) : 250;
  if (argc > 2) TOL = atof(argv[2]); /* a lower tolerance lists the worst cases */
  tables[n_tables++] = &kd_attn_simd_generic;
  if (kd_cpu_best_isa() >= KD_ISA_AVX2) tables[n_tables++] = &kd_attn_simd_avx2;
  if (kd_cpu_best_isa() >= KD_ISA_AVX512) tables[n_tables++] = &kd_attn_simd_avx512;
  kd_set_threads(2);
  /* edge cases first: decode, T = S, tiny and odd sizes, tile boundaries, long KV cache */
  static const int64_t edge[][6] = {{1, 1, 1, 1, 1, 1},   {1, 1, 2048, 8, 1, 64}, {2, 1, 700, 6, 3, 17},
                                    {1, 3, 1000, 4, 2, 128}, {1, 64, 64, 1, 1, 64}, {1, 65, 65, 4, 4, 8},
                                    {2, 129, 300, 8, 1, 17},   {3, 4, 4, 6, 3, 1},     {1, 5, 64, 4, 2, 64},
                                    {1, 300, 300, 4, 2, 128}, {1, 3, 0, 4, 2, 8},   {2, 7, 0, 4, 2, 8}};
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
    for (int causal = 0; causal < 2; causal++)
      attention_case(edge[i][0], edge[i][1], edge[i][2], edge[i][3], edge[i][4], edge[i][5], causal, i % 2 ? 37 : 0,
                     1.5);
  /* peaky softmax: scores in the hundreds */
  peaky = 1;
  attention_case(2, 100, 130, 4, 2, 64, 1, 0, 40.0);
  attention_case(1, 2, 900, 8, 1, 17, 1, 5, 40.0);
  peaky = 0;
  static const int64_t heads[5][2] = {{1, 1}, {4, 4}, {4, 2}, {8, 1}, {6, 3}};
  static const int64_t dims[5] = {1, 8, 17, 64, 128};
  for (int c = 0; c < n_cases; c++) {
    const int64_t B = 1 + irand(3), T = irand(4) == 0 ? 1 + irand(4) : 1 + irand(irand(2) ? 300 : 70);
    const int64_t S = T + (irand(3) == 0 ? 0 : irand(irand(4) == 0 ? 1500 : 100));
    const int64_t hi = irand(5), D = dims[irand(5)];
    const int causal = (int)irand(2), pad = irand(2) ? (int)irand(200) : 0;
    /* a third of the cases with a sliding window (smaller or larger than S), a quarter soft-capped (Gemma 2) */
    cur_window = irand(3) == 0 ? 1 + irand(S + 20) : 0;
    cur_softcap = irand(4) == 0 ? 0.5 + 4.0 * fabs(urand()) : 0;
    attention_case(B, T, S, heads[hi][0], heads[hi][1], D, causal, pad, cur_softcap > 0 ? 4.0 : 1.5);
  }
  cur_window = 0, cur_softcap = 0;
  attention_fd(2, 5, 7, 4, 2, 3, 1);
  attention_fd(2, 5, 7, 4, 2, 3, 0);
  attention_fd(1, 1, 9, 6, 3, 5, 1);
  attention_fd(1, 3, 3, 8, 1, 17, 1);
  cur_window = 3, cur_softcap = 1.5;
  attention_fd(2, 5, 7, 4, 2, 3, 1);
  attention_fd(1, 2, 9, 6, 3, 5, 0);
  cur_window = 0, cur_softcap = 0;
  static const int64_t xs[][2] = {{1, 1}, {3, 2}, {17, 7}, {64, 33}, {5, 1000}, {9, 32000}, {2, 50257}, {3, 151936}};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    xent_case(xs[i][0], xs[i][1], 3.0);
    xent_case(xs[i][0], xs[i][1], 30.0);
  }
  transpose_check();
  determinism(1, 200, 200, 8, 2, 64, 1);
  determinism(1, 1, 3000, 8, 1, 64, 1); /* decoding with a split KV range */
  determinism(3, 2, 1500, 6, 3, 17, 1);
  determinism(1, 150, 333, 3, 1, 17, 0); /* one group: the two-pass backward with 2 threads */
  determinism(1, 150, 333, 2, 1, 64, 1); /* causal offset: the two schedules group query rows differently */
  determinism(3, 77, 200, 3, 1, 128, 1);
  determinism(3, 100, 100, 4, 1, 8, 1);
  cur_window = 100, cur_softcap = 30;
  determinism(1, 1, 3000, 8, 1, 64, 1); /* decoding with a window span split over tasks */
  determinism(1, 150, 333, 3, 1, 17, 0);
  determinism(1, 150, 333, 2, 1, 64, 1);
  cur_window = 0, cur_softcap = 0;
  printf("tables:");
  for (int i = 0; i < n_tables; i++) printf(" %s", tables[i]->name);
  printf("\n%d random attention cases + %zu edge cases (each causal and full), tolerance %.0e\n", n_cases,
         sizeof edge / sizeof edge[0], TOL);
  for (int i = 0; i < 8; i++) printf("  worst %-13s %.3g\n", worst_name[i], worst[i]);
  printf("  peaky softmax (q×40, scores ~100; f32 rounding of the scores dominates):");
  for (int i = 0; i < 5; i++) printf(" %s %.2g", worst_name[i], worst_peaky[i]);
  printf("\n");
  printf(failures ? "FAILED: %d\n" : "ok\n", failures);
  return failures ? 1 : 0;
}
