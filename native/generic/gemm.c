/* kd_sgemm: batching, threading, cache blocking and packing around an ISA-specific micro-kernel (the BLIS
 * structure, with the vector dimension along N because C is row-major); matrix-vector products take their own
 * bandwidth-bound path. Not here: the micro-kernels (gemm_kernel_generic.c, avx2/, avx512/).
 *
 * Loops of one product on one thread (product_block), outermost first:
 *   ic over M in MC rows → pc over K in KC: pack the A block (MC×KC, slivers of MR rows, k-major)
 *     → jc over N in NC: pack the B block (KC×NC, panels of NR columns, in L2)
 *       → ir over MR slivers (one sliver stays in L1) → jr over NR panels → micro-kernel (MR×NR tile).
 * One product on several threads runs as fixed row ranges, one per thread (default), or (short M, or
 * KD_SPLIT_SHARED) as product_shared: jc → pc → pack the B block together → row ranges of A claimed
 * dynamically, each packing its own A rows, then ir → jr as above; many small products run one per thread (product_block). KC depends on K alone and every
 * C element is one FMA chain per KC block in k order, so results are identical for any thread count. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "kd_cpu.h"
#include "kd_gemm.h"
#include "kd_gemm_internal.h"
#include "kd_gemm_skinny.h"
#include "kd_threadpool.h"

/* ---------- kernel choice ---------- */

static const kd_gemm_kernel *g_override;

const kd_gemm_kernel *kd_gemm_active_kernel(void) {
  const kd_gemm_kernel *k = __atomic_load_n(&g_override, __ATOMIC_RELAXED);
  if (k != NULL) return k;
  switch (kd_cpu_isa()) {
    case KD_ISA_AVX512: return &kd_gemm_kernel_avx512;
    case KD_ISA_AVX2: return &kd_gemm_kernel_avx2;
    default: return &kd_gemm_kernel_generic;
  }
}
void kd_gemm_override_kernel(const kd_gemm_kernel *k) { __atomic_store_n(&g_override, k, __ATOMIC_RELAXED); }

/* ---------- per-thread scratch (packing buffers), freed when the thread exits ---------- */

#define SCRATCH_SLOTS 2 /* slot 0: a thread's own packing; slot 1: a B block the caller shares with workers */
typedef struct {
  float *p[SCRATCH_SLOTS];
  size_t cap[SCRATCH_SLOTS]; /* floats */
} scratch_t;

static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static void scratch_free(void *s) {
  scratch_t *t = s;
  for (int i = 0; i < SCRATCH_SLOTS; i++) free(t->p[i]);
  free(t);
}
static void key_init(void) { pthread_key_create(&g_key, scratch_free); }

/* Returns a 64-byte-aligned buffer of at least n floats owned by the calling thread (NULL if out of memory). */
static float *scratch(int slot, size_t n) {
  pthread_once(&g_key_once, key_init);
  scratch_t *s = pthread_getspecific(g_key);
  if (s == NULL) {
    s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    pthread_setspecific(g_key, s);
  }
  if (s->cap[slot] < n) {
    free(s->p[slot]);
    size_t cap = (n + 1023) & ~(size_t)1023;
    s->p[slot] = aligned_alloc(64, cap * sizeof(float));
    s->cap[slot] = s->p[slot] ? cap : 0;
  }
  return s->p[slot];
}

/* ---------- packing ---------- */

/* A block: rows [i0, i0+mb), k [p0, p0+kb) of op(A) → slivers of MR rows, dst[s][k][i] (zero-padded rows). */
void kd_gemm_pack_a_generic(int MR, const float *a, int64_t lda, int trans, int64_t i0, int64_t mb, int64_t p0, int64_t kb,
                   float *dst) {
  for (int64_t s = 0; s < mb; s += MR) {
    const int64_t rows = mb - s < MR ? mb - s : MR;
    float *d = dst + s * kb;
    if (trans) { /* op(A)[i][k] = a[k·lda + i]: MR contiguous floats per k */
      for (int64_t k = 0; k < kb; k++) {
        const float *src = a + (p0 + k) * lda + i0 + s;
        float *dk = d + k * MR;
        int64_t i = 0;
        for (; i < rows; i++) dk[i] = src[i];
        for (; i < MR; i++) dk[i] = 0.0f;
      }
    } else { /* op(A)[i][k] = a[i·lda + k]: one row at a time, scattered with stride MR */
      for (int64_t i = 0; i < rows; i++) {
        const float *src = a + (i0 + s + i) * lda + p0;
        for (int64_t k = 0; k < kb; k++) d[k * MR + i] = src[k];
      }
      for (int64_t i = rows; i < MR; i++)
        for (int64_t k = 0; k < kb; k++) d[k * MR + i] = 0.0f;
    }
  }
}

/* B block: k [p0, p0+kb), columns [j0, j0+nb) of op(B) → panels of NR columns, dst[panel][k][j]. */
void kd_gemm_pack_b_generic(int NR, const float *b, int64_t ldb, int trans, int64_t p0, int64_t kb, int64_t j0, int64_t nb,
                   float *dst) {
  for (int64_t s = 0; s < nb; s += NR) {
    const int64_t cols = nb - s < NR ? nb - s : NR;
    float *d = dst + s * kb;
    if (!trans) { /* op(B)[k][j] = b[k·ldb + j]: NR contiguous floats per k */
      for (int64_t k = 0; k < kb; k++) {
        const float *src = b + (p0 + k) * ldb + j0 + s;
        float *dk = d + k * NR;
        if (cols == NR) memcpy(dk, src, (size_t)NR * sizeof(float));
        else {
          memcpy(dk, src, (size_t)cols * sizeof(float));
          memset(dk + cols, 0, (size_t)(NR - cols) * sizeof(float));
        }
      }
    } else { /* op(B)[k][j] = b[j·ldb + k] */
      for (int64_t j = 0; j < cols; j++) {
        const float *src = b + (j0 + s + j) * ldb + p0;
        for (int64_t k = 0; k < kb; k++) d[k * NR + j] = src[k];
      }
      for (int64_t j = cols; j < NR; j++)
        for (int64_t k = 0; k < kb; k++) d[k * NR + j] = 0.0f;
    }
  }
}

/* ---------- one (sub-)product: rows [m0, m1) × columns [n0, n1) of C for one batch ---------- */

typedef struct {
  const kd_gemm_kernel *kern;
  const kd_gemm_args *g;
  const float *a, *b;
  float *c;
} product_t;

/* Rows [0, mr) × columns [0, nr) of the tile at c set to the bias columns (gemm's bias: the micro-kernel then
 * adds alpha·T with beta = 1 onto the tile, still in L1). */
static inline void bias_tile(float *c, int64_t ldc, const float *bias, int64_t mr, int64_t nr) {
  for (int64_t i = 0; i < mr; i++) memcpy(c + i * ldc, bias, (size_t)nr * sizeof(float));
}

/* The bias rows written over all of C (every batch item) and beta set to 1: the paths that do not fill tiles. */
static void bias_fill(kd_gemm_args *g) {
  for (int64_t bi = 0; bi < g->batch; bi++)
    for (int64_t i = 0; i < g->m; i++) memcpy(g->c + bi * g->stride_c + i * g->ldc, g->bias, (size_t)g->n * sizeof(float));
  g->beta = 1.0f;
  g->bias = NULL;
}

static void c_scale(float *c, int64_t ldc, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float beta) {
  for (int64_t i = m0; i < m1; i++) {
    float *ci = c + i * ldc;
    if (beta == 0.0f) memset(ci + n0, 0, (size_t)(n1 - n0) * sizeof(float));
    else if (beta != 1.0f)
      for (int64_t j = n0; j < n1; j++) ci[j] *= beta;
  }
}

/* The block size ≤ max (a multiple of unit) that cuts total into equal-as-possible whole-unit blocks. */
static int64_t balanced(int64_t total, int64_t max, int64_t unit) {
  max = max / unit * unit;
  if (max < unit) max = unit;
  const int64_t blocks = (total + max - 1) / max;
  const int64_t per = (total + blocks - 1) / blocks;
  return (per + unit - 1) / unit * unit;
}

static void product_block(const product_t *p, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const kd_gemm_kernel *K = p->kern;
  const kd_gemm_args *g = p->g;
  const int MR = K->mr, NR = K->nr;
  const int64_t k = g->k;
  if (g->alpha == 0.0f || k == 0) {
    c_scale(p->c, g->ldc, m0, m1, n0, n1, g->beta);
    return;
  }
  /* Blocks of equal size (whole tiles) rather than full blocks plus a sliver: K=400 runs as 2×200, not
   * 384+16. KC depends on k alone, so the k order of every sum is the same for any thread split. */
  const int64_t MC = balanced(m1 - m0, K->mc, MR), KC = balanced(k, K->kc, 1), NC = balanced(n1 - n0, K->nc, NR);
  const int64_t kcmax = k < KC ? k : KC;
  const int64_t mcmax = ((m1 - m0 < MC ? m1 - m0 : MC) + MR - 1) / MR * MR;
  const int64_t ncmax = ((n1 - n0 < NC ? n1 - n0 : NC) + NR - 1) / NR * NR;
  const int64_t a_len = (mcmax * kcmax + 8 + 15) & ~(int64_t)15; /* + packing slack; B block 64-byte aligned */
  float *buf = scratch(0, (size_t)(a_len + kcmax * ncmax) + 16); /* + slack for vector packing */
  if (buf == NULL) abort(); /* out of memory for a few MiB of packing buffers: nothing sensible left to do */
  float *pa = buf, *pb = buf + a_len;
  for (int64_t ic = m0; ic < m1; ic += MC) {
    const int64_t mb = m1 - ic < MC ? m1 - ic : MC;
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kb = k - pc < KC ? k - pc : KC;
      const float *bias = pc == 0 ? g->bias : NULL; /* the first K block starts from the bias rows */
      const float beta = pc == 0 && bias == NULL ? g->beta : 1.0f;
      K->pack_a(MR, p->a, g->lda, g->trans_a, ic, mb, pc, kb, pa);
      for (int64_t jc = n0; jc < n1; jc += NC) {
        const int64_t nb = n1 - jc < NC ? n1 - jc : NC;
        K->pack_b(NR, p->b, g->ldb, g->trans_b, pc, kb, jc, nb, pb);
        for (int64_t ir = 0; ir < mb; ir += MR) {
          const int64_t mr = mb - ir < MR ? mb - ir : MR;
          const float *sa = pa + ir * kb;
          float *crow = p->c + (ic + ir) * g->ldc + jc;
          for (int64_t jr = 0; jr < nb; jr += NR) {
            const int64_t nr = nb - jr < NR ? nb - jr : NR;
            if (bias != NULL) bias_tile(crow + jr, g->ldc, bias + jc + jr, mr, nr);
            K->ukr(kb, sa, pb + jr * kb, crow + jr, g->ldc, mr, nr, g->alpha, beta);
          }
        }
      }
    }
  }
}

/* ---------- one product on all threads: B blocks packed once and shared, rows handed out dynamically ----------
 * For each B block (jc, pc): the threads pack its NR-panels together, then claim tasks of RC rows (× a
 * column piece when M is short), each packing its own A rows. Many small tasks claimed dynamically keep
 * every thread busy even when a core is shared with another process; the sums are the same as in
 * product_block (same KC blocks, same micro-kernel), so the split never changes a result. */

typedef struct {
  const kd_gemm_kernel *K;
  const kd_gemm_args *g;
  const float *a, *b;
  float *c;
  int64_t pc, kb, jc, nb; /* the current B block */
  float beta;             /* beta for this K block */
  float *pb;              /* the packed B block (the caller's scratch slot 1) */
  int64_t rc;             /* rows per task (multiple of MR) */
  int64_t col_pieces;     /* column pieces per row range */
  int64_t panels_per_piece;
  int64_t pack_panels;    /* panels packed per packing task */
} shared_t;

static void shared_pack_task(void *ctx, size_t t, int thread) {
  (void)thread;
  const shared_t *sh = ctx;
  const int NR = sh->K->nr;
  const int64_t p0 = (int64_t)t * sh->pack_panels * NR;
  const int64_t cols = sh->nb - p0 < sh->pack_panels * NR ? sh->nb - p0 : sh->pack_panels * NR;
  if (cols > 0)
    sh->K->pack_b(NR, sh->b, sh->g->ldb, sh->g->trans_b, sh->pc, sh->kb, sh->jc + p0, cols, sh->pb + p0 * sh->kb);
}

static void shared_compute_task(void *ctx, size_t t, int thread) {
  (void)thread;
  const shared_t *sh = ctx;
  const kd_gemm_kernel *K = sh->K;
  const kd_gemm_args *g = sh->g;
  const int MR = K->mr, NR = K->nr;
  const int64_t ri = (int64_t)t / sh->col_pieces, ci = (int64_t)t % sh->col_pieces;
  const int64_t i0 = ri * sh->rc, mb = g->m - i0 < sh->rc ? g->m - i0 : sh->rc;
  const int64_t j0 = ci * sh->panels_per_piece * NR;
  const int64_t j1 = j0 + sh->panels_per_piece * NR < sh->nb ? j0 + sh->panels_per_piece * NR : sh->nb;
  if (mb <= 0 || j0 >= j1) return;
  const int64_t kb = sh->kb;
  const float *bias = sh->pc == 0 ? g->bias : NULL;
  float *pa = scratch(0, (size_t)(((mb + MR - 1) / MR * MR) * kb + 16));
  if (pa == NULL) abort();
  K->pack_a(MR, sh->a, g->lda, g->trans_a, i0, mb, sh->pc, kb, pa);
  for (int64_t ir = 0; ir < mb; ir += MR) {
    const int64_t mr = mb - ir < MR ? mb - ir : MR;
    const float *sa = pa + ir * kb;
    float *crow = sh->c + (i0 + ir) * g->ldc + sh->jc;
    for (int64_t jr = j0; jr < j1; jr += NR) {
      const int64_t nr = j1 - jr < NR ? j1 - jr : NR;
      if (bias != NULL) bias_tile(crow + jr, g->ldc, bias + sh->jc + jr, mr, nr);
      K->ukr(kb, sa, sh->pb + jr * kb, crow + jr, g->ldc, mr, nr, g->alpha, sh->beta);
    }
  }
}

static void product_shared(const product_t *p, int threads) {
  const kd_gemm_kernel *K = p->kern;
  const kd_gemm_args *g = p->g;
  const int MR = K->mr, NR = K->nr;
  const int64_t k = g->k;
  if (g->alpha == 0.0f || k == 0) {
    c_scale(p->c, g->ldc, 0, g->m, 0, g->n, g->beta);
    return;
  }
  const int64_t KC = balanced(k, K->kc, 1), NC = balanced(g->n, K->nc, NR);
  const int64_t kcmax = k < KC ? k : KC, ncmax = (g->n < NC ? g->n : NC + NR - 1) / NR * NR + NR;
  float *pb = scratch(1, (size_t)(kcmax * ncmax) + 16);
  if (pb == NULL) abort();
  /* About 4 row tasks per thread (never more rows than an A block); short M also splits the columns. */
  const int64_t slivers = (g->m + MR - 1) / MR;
  int64_t per = (slivers + 4 * threads - 1) / (4 * threads);
  if (per * MR > K->mc) per = K->mc / MR;
  if (per < 1) per = 1;
  shared_t sh = {K, g, p->a, p->b, p->c, 0, 0, 0, 0, 0.0f, pb, per * MR, 1, 0, 1};
  const int64_t row_tasks = (slivers + per - 1) / per;
  for (int64_t jc = 0; jc < g->n; jc += NC) {
    const int64_t nb = g->n - jc < NC ? g->n - jc : NC;
    const int64_t panels = (nb + NR - 1) / NR;
    sh.col_pieces = row_tasks >= 2 * threads ? 1 : (2 * threads + row_tasks - 1) / row_tasks;
    if (sh.col_pieces > panels) sh.col_pieces = panels;
    sh.panels_per_piece = (panels + sh.col_pieces - 1) / sh.col_pieces;
    sh.pack_panels = (panels + 2 * threads - 1) / (2 * threads);
    for (int64_t pc = 0; pc < k; pc += KC) {
      sh.pc = pc;
      sh.kb = k - pc < KC ? k - pc : KC;
      sh.jc = jc;
      sh.nb = nb;
      sh.beta = pc == 0 && g->bias == NULL ? g->beta : 1.0f;
      kd_parallel_for((size_t)((panels + sh.pack_panels - 1) / sh.pack_panels), shared_pack_task, &sh);
      kd_parallel_for((size_t)(row_tasks * sh.col_pieces), shared_compute_task, &sh);
    }
  }
}

/* ---------- matrix-vector: C is one row (m == 1) or one column (n == 1) ---------- */

#define GEMV_CHUNK 2048 /* outputs per piece: bounds the temporary and keeps a piece's x and y in L1/L2 */

/* y(o) for o in [o0, o1): y = alpha·W·x + beta·y, W(k, o) from the rows or dots form (see kd_gemm_internal.h). */
static void gemv_range(const kd_gemm_kernel *K, const kd_gemm_args *g, const float *x, const float *w,
                       int64_t ldw, int rows_form, float *y, int64_t incy, int64_t o0, int64_t o1) {
  float *t = scratch(0, GEMV_CHUNK);
  if (t == NULL) abort();
  for (int64_t o = o0; o < o1; o += GEMV_CHUNK) {
    const int64_t n = o1 - o < GEMV_CHUNK ? o1 - o : GEMV_CHUNK;
    if (rows_form) K->gemv_rows(g->k, n, x, w + o, ldw, t);
    else K->gemv_dots(g->k, n, x, w + o * ldw, ldw, t);
    for (int64_t j = 0; j < n; j++) {
      float *yj = y + (o + j) * incy;
      *yj = g->beta == 0.0f ? g->alpha * t[j] : fmaf(g->beta, *yj, g->alpha * t[j]);
    }
  }
}

/* ---------- tasks ---------- */

typedef struct {
  const kd_gemm_kernel *kern;
  const kd_gemm_args *g;
  int64_t splits;   /* tasks per batch item */
  int64_t align;    /* gemv: split boundaries are multiples of this */
  int gemv;         /* 0: blocked product; 1: m == 1; 2: n == 1 */
  float *xbuf;      /* gemv: contiguous copy of the vector, one per batch (k floats each) */
} plan_t;

static void range_of(int64_t total, int64_t parts, int64_t part, int64_t align, int64_t *lo, int64_t *hi) {
  const int64_t units = (total + align - 1) / align;
  *lo = units * part / parts * align;
  *hi = units * (part + 1) / parts * align;
  if (*lo > total) *lo = total;
  if (*hi > total) *hi = total;
}

static void run_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const plan_t *pl = ctx;
  const kd_gemm_args *g = pl->g;
  const int64_t bi = (int64_t)task / pl->splits, part = (int64_t)task % pl->splits;
  const float *a = g->a + bi * g->stride_a, *b = g->b + bi * g->stride_b;
  float *c = g->c + bi * g->stride_c;
  if (pl->gemv) {
    const float *x = pl->xbuf + bi * g->k;
    const int64_t outs = pl->gemv == 1 ? g->n : g->m;
    int64_t o0, o1;
    range_of(outs, pl->splits, part, pl->align, &o0, &o1);
    if (o0 >= o1) return;
    if (pl->gemv == 1) /* y = C row 0; W(k, j) = op(B)[k][j] */
      gemv_range(pl->kern, g, x, b, g->ldb, !g->trans_b, c, 1, o0, o1);
    else /* y = C column 0; W(k, i) = op(A)[i][k] */
      gemv_range(pl->kern, g, x, a, g->lda, g->trans_a, c, g->ldc, o0, o1);
    return;
  }
  product_t p = {pl->kern, g, a, b, c};
  if (pl->splits == 1) {
    product_block(&p, 0, g->m, 0, g->n); /* a whole batch item on this thread */
    return;
  }
  int64_t lo, hi; /* static split (kd_gemm_set_static_split): MR-aligned row ranges, one per thread */
  range_of(g->m, pl->splits, part, pl->kern->mr, &lo, &hi);
  if (lo < hi) product_block(&p, lo, hi, 0, g->n);
}

static int g_split_mode; /* KD_SPLIT_AUTO / _ROWS / _SHARED (kd_gemm_set_split; dev/gemm compares them) */
void kd_gemm_set_split(int mode) { __atomic_store_n(&g_split_mode, mode, __ATOMIC_RELAXED); }

#define MIN_FLOPS_PER_TASK (1 << 18) /* below this a task costs more to hand out than to run */

/* A tall, very narrow C (n ≤ NR/4, m ≥ 4·NR: LoRA's x·Aᵀ, dy·B and dyᵀ·u with n = r) would use n of the NR columns of
 * every micro-kernel tile. Computed instead as Cᵀ = op(B)ᵀ·op(A)ᵀ (n × m, m along the vector dimension) into a
 * temporary, then added transposed: C = alpha·Cᵀᵀ + beta·C. Same sums, another (fixed) tiling. */
static int narrow_applies(const kd_gemm_args *g, const kd_gemm_kernel *K) {
  return !(g->batch != 1 || g->k <= 0 || g->alpha == 0.0f || g->n < 2 || g->n * 4 > K->nr || g->m < 4 * (int64_t)K->nr);
}

static int narrow_product(const kd_gemm_args *g, const kd_gemm_kernel *K) {
  if (!narrow_applies(g, K)) return 0;
  float *t = malloc((size_t)(g->m * g->n) * sizeof(float));
  if (t == NULL) abort();
  const kd_gemm_args h = {!g->trans_b, !g->trans_a, g->n, g->m, g->k, g->alpha, 0.0f, g->b, g->ldb, 0, g->a, g->lda, 0, t, g->m, 0, 1, NULL};
  kd_sgemm(&h);
  for (int64_t i = 0; i < g->m; i++) {
    float *ci = g->c + i * g->ldc;
    if (g->beta == 0.0f)
      for (int64_t j = 0; j < g->n; j++) ci[j] = t[j * g->m + i];
    else
      for (int64_t j = 0; j < g->n; j++) ci[j] = fmaf(g->beta, ci[j], t[j * g->m + i]);
  }
  free(t);
  return 1;
}

void kd_sgemm(const kd_gemm_args *args) {
  kd_gemm_args g = *args;
  if (g.m <= 0 || g.n <= 0 || g.batch <= 0) return;
  plan_t pl = {kd_gemm_active_kernel(), &g, 1, 1, 0, NULL};
  /* A bias is filled tile by tile by the blocked product (product_block, product_shared); every other path
   * (no product, matrix-vector, narrow, skinny, system BLAS) gets C prefilled here and beta = 1: same values. */
  if (g.bias != NULL && (g.k <= 0 || g.alpha == 0.0f || g.m == 1 || g.n == 1 || kd_blas_active() ||
                         narrow_applies(&g, pl.kern) || kd_sgemm_skinny_applies(&g, pl.kern)))
    bias_fill(&g);
  if (g.k > 0 && kd_blas_sgemm(&g)) return; /* only with KOTODAMA_BLAS=openblas (blas_dlopen.c) */
  if (narrow_product(&g, pl.kern)) return;
  if (kd_sgemm_skinny(&g, pl.kern)) return; /* a few rows against a weight matrix: batched decode */
  const int threads = kd_get_threads();
  const double flops = 2.0 * (double)g.m * (double)g.n * (double)(g.k > 0 ? g.k : 1);
  int64_t want = (int64_t)(flops * (double)g.batch / MIN_FLOPS_PER_TASK);
  if (want > threads) want = threads;
  if (want < 1) want = 1;
  /* Split each product only when there are fewer batches than threads. */
  pl.splits = g.batch >= want ? 1 : (want + g.batch - 1) / g.batch;

  if ((g.m == 1 || g.n == 1) && g.k > 0 && g.alpha != 0.0f) {
    pl.gemv = g.m == 1 ? 1 : 2;
    pl.xbuf = malloc((size_t)(g.batch * g.k) * sizeof(float));
    if (pl.xbuf == NULL) abort();
    for (int64_t bi = 0; bi < g.batch; bi++) { /* gather the vector: row 0 of op(A), or column 0 of op(B) */
      float *x = pl.xbuf + bi * g.k;
      if (pl.gemv == 1) {
        const float *a = g.a + bi * g.stride_a;
        for (int64_t p = 0; p < g.k; p++) x[p] = g.trans_a ? a[p * g.lda] : a[p];
      } else {
        const float *b = g.b + bi * g.stride_b;
        for (int64_t p = 0; p < g.k; p++) x[p] = g.trans_b ? b[p] : b[p * g.ldb];
      }
    }
    pl.align = 128;
    if (pl.splits > 1) pl.splits *= 2; /* pieces claimed dynamically: balance when a core is shared */
    kd_parallel_for((size_t)(g.batch * pl.splits), run_task, &pl);
    free(pl.xbuf);
    return;
  }
  /* Several threads on one product: by default fixed MR-aligned row ranges, one per thread, each running the
   * serial loops with its own packed B (measured at 1.9-2.0× one thread on a quiet 2-core VM); when M has
   * too few slivers for that, the shared-B scheme, which also splits columns. */
  const int mode = __atomic_load_n(&g_split_mode, __ATOMIC_RELAXED);
  const int64_t slivers = (g.m + pl.kern->mr - 1) / pl.kern->mr;
  const int rows = mode == KD_SPLIT_ROWS || (mode == KD_SPLIT_AUTO && slivers >= 4 * pl.splits);
  if (pl.splits == 1 || rows) {
    kd_parallel_for((size_t)(g.batch * pl.splits), run_task, &pl);
    return;
  }
  for (int64_t bi = 0; bi < g.batch; bi++) { /* fewer items than threads: all threads on each item */
    product_t p = {pl.kern, &g, g.a + bi * g.stride_a, g.b + bi * g.stride_b, g.c + bi * g.stride_c};
    product_shared(&p, threads);
  }
}
