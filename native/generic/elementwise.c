/* Element-wise kernels: binary ops with NumPy broadcasting, unary ops, and broadcast (expand) copies.
 * Not here: reductions (reduce.c) and activations with backward (activation.c). Compiled per ISA (kd_impl.h). */
#include <math.h>
#include "kd_impl.h"
#include "kd_kernels.h"

/* A broadcast iteration plan: out dims (size-1 dims dropped, mergeable dims coalesced) with the element
 * strides of up to two operands (0 where that operand broadcasts). */
typedef struct {
  int nd;
  int64_t size[KD_MAX_RANK];
  int64_t sa[KD_MAX_RANK];
  int64_t sb[KD_MAX_RANK];
  int64_t total;
} bplan;

static void strides_in_out(int rank, const int64_t *shape, int out_rank, const int64_t *out_shape, int64_t *st) {
  int64_t s = 1;
  for (int j = out_rank - 1; j >= 0; j--) {
    int i = j - (out_rank - rank);
    if (i < 0) { st[j] = 0; continue; }
    st[j] = (shape[i] == out_shape[j] && shape[i] != 1) ? s : 0;
    s *= shape[i];
  }
}

static void plan_make(bplan *p, int out_rank, const int64_t *out_shape, int a_rank, const int64_t *a_shape,
                      int b_rank, const int64_t *b_shape) {
  int64_t sa[KD_MAX_RANK], sb[KD_MAX_RANK];
  strides_in_out(a_rank, a_shape, out_rank, out_shape, sa);
  if (b_shape) strides_in_out(b_rank, b_shape, out_rank, out_shape, sb);
  else for (int j = 0; j < out_rank; j++) sb[j] = 0;
  p->nd = 0;
  p->total = 1;
  for (int j = 0; j < out_rank; j++) {
    p->total *= out_shape[j];
    if (out_shape[j] == 1) continue;
    int k = p->nd;
    /* merge into the previous (outer) dim when both operands walk through them as one */
    if (k > 0 && sa[j] * out_shape[j] == p->sa[k - 1] && sb[j] * out_shape[j] == p->sb[k - 1]) {
      p->size[k - 1] *= out_shape[j];
      p->sa[k - 1] = sa[j];
      p->sb[k - 1] = sb[j];
      continue;
    }
    p->size[k] = out_shape[j];
    p->sa[k] = sa[j];
    p->sb[k] = sb[j];
    p->nd++;
  }
  if (p->nd == 0) { /* a scalar: one dim of size 1 */
    p->nd = 1;
    p->size[0] = 1;
    p->sa[0] = p->sb[0] = 0;
  }
}

/* Offsets of operands a and b at flat out index e. */
static void plan_offsets(const bplan *p, int64_t e, int64_t *oa, int64_t *ob) {
  int64_t a = 0, b = 0;
  for (int k = p->nd - 1; k >= 0; k--) {
    int64_t i = e % p->size[k];
    e /= p->size[k];
    a += i * p->sa[k];
    b += i * p->sb[k];
  }
  *oa = a;
  *ob = b;
}

/* ---- binary ---- */

#define KD_BIN_LOOPS(EXPR)                                                          \
  if (sa == 1 && sb == 1) for (int64_t i = 0; i < n; i++) { float x = a[i], y = b[i]; o[i] = (EXPR); } \
  else if (sa == 1) { float y = b[0]; for (int64_t i = 0; i < n; i++) { float x = a[i]; o[i] = (EXPR); } } \
  else if (sb == 1) { float x = a[0]; for (int64_t i = 0; i < n; i++) { float y = b[i]; o[i] = (EXPR); } } \
  else { float x = a[0], y = b[0]; for (int64_t i = 0; i < n; i++) o[i] = (EXPR); }

/* JS Math.max/min semantics: NaN if either is NaN. */
#define KD_MAXF(x, y) (((x) != (x) || (y) != (y)) ? (x) + (y) : ((x) > (y) ? (x) : (y)))
#define KD_MINF(x, y) (((x) != (x) || (y) != (y)) ? (x) + (y) : ((x) < (y) ? (x) : (y)))

static void bin_segment(kd_binary_op op, const float *a, int64_t sa, const float *b, int64_t sb, float *o,
                        int64_t n) {
  switch (op) {
    case KD_BIN_ADD: KD_BIN_LOOPS(x + y) break;
    case KD_BIN_SUB: KD_BIN_LOOPS(x - y) break;
    case KD_BIN_MUL: KD_BIN_LOOPS(x * y) break;
    case KD_BIN_DIV: KD_BIN_LOOPS(x / y) break;
    case KD_BIN_MAX: KD_BIN_LOOPS(KD_MAXF(x, y)) break;
    case KD_BIN_MIN: KD_BIN_LOOPS(KD_MINF(x, y)) break;
  }
}

typedef struct {
  const bplan *p;
  kd_binary_op op;
  const float *a, *b;
  float *out;
  int bcast; /* 0: binary over a, b; 1: broadcast copy of a */
} ew_ctx;

static void ew_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const ew_ctx *c = vctx;
  const bplan *p = c->p;
  int64_t e = (int64_t)task * KD_CHUNK, end = kd_min64(p->total, e + KD_CHUNK);
  int64_t inner = p->size[p->nd - 1];
  int64_t sa = p->sa[p->nd - 1], sb = p->sb[p->nd - 1];
  while (e < end) {
    int64_t oa, ob;
    plan_offsets(p, e, &oa, &ob);
    int64_t len = kd_min64(inner - e % inner, end - e);
    if (c->bcast) {
      if (sa == 1) memcpy(c->out + e, c->a + oa, (size_t)len * sizeof(float));
      else { float v = c->a[oa]; float *o = c->out + e; for (int64_t i = 0; i < len; i++) o[i] = v; }
    } else {
      bin_segment(c->op, c->a + oa, sa, c->b + ob, sb, c->out + e, len);
    }
    e += len;
  }
}

void KD_FN(kd_binary)(kd_binary_op op, const float *a, int a_rank, const int64_t *a_shape, const float *b,
                      int b_rank, const int64_t *b_shape, float *out, int out_rank, const int64_t *out_shape) {
  bplan p;
  plan_make(&p, out_rank, out_shape, a_rank, a_shape, b_rank, b_shape);
  ew_ctx c = {&p, op, a, b, out, 0};
  kd_run(kd_div_up(p.total, KD_CHUNK), ew_task, &c);
}

void KD_FN(kd_broadcast)(const float *x, int x_rank, const int64_t *x_shape, float *out, int out_rank,
                         const int64_t *out_shape) {
  bplan p;
  plan_make(&p, out_rank, out_shape, x_rank, x_shape, 0, 0);
  ew_ctx c = {&p, KD_BIN_ADD, x, 0, out, 1};
  kd_run(kd_div_up(p.total, KD_CHUNK), ew_task, &c);
}

/* ---- unary ---- */

typedef struct {
  kd_unary_op op;
  const float *x;
  float *out;
  int64_t n;
  float s;
} un_ctx;

#define KD_UN_LOOP(EXPR) for (int64_t i = 0; i < n; i++) { float v = x[i]; o[i] = (EXPR); } break;

static void un_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const un_ctx *c = vctx;
  int64_t i0 = (int64_t)task * KD_CHUNK, n = kd_min64(c->n - i0, KD_CHUNK);
  const float *x = c->x + i0;
  float *o = c->out + i0;
  float s = c->s;
  switch (c->op) {
    case KD_UN_NEG: KD_UN_LOOP(-v)
    case KD_UN_EXP: KD_UN_LOOP(kd_expf(v))
    case KD_UN_LOG: KD_UN_LOOP(logf(v))
    case KD_UN_SQRT: KD_UN_LOOP(sqrtf(v))
    case KD_UN_RSQRT: KD_UN_LOOP(1.0f / sqrtf(v))
    case KD_UN_ABS: KD_UN_LOOP(fabsf(v))
    case KD_UN_SQUARE: KD_UN_LOOP(v * v)
    case KD_UN_RECIP: KD_UN_LOOP(1.0f / v)
    case KD_UN_TANH: KD_UN_LOOP(kd_tanhf(v))
    case KD_UN_SIGMOID: KD_UN_LOOP(kd_sigmoidf(v))
    case KD_UN_RELU: KD_UN_LOOP(v > 0.0f ? v : (v != v ? v : 0.0f))
    case KD_UN_SCALE: KD_UN_LOOP(v * s)
    case KD_UN_ADD_SCALAR: KD_UN_LOOP(v + s)
    case KD_UN_POW_SCALAR:
      if (s == 2.0f) { KD_UN_LOOP(v * v) }
      else if (s == 1.0f) { KD_UN_LOOP(v) }
      else { KD_UN_LOOP(powf(v, s)) }
      break;
  }
}

void KD_FN(kd_unary)(kd_unary_op op, const float *x, float *out, int64_t n, float s) {
  un_ctx c = {op, x, out, n, s};
  kd_run(kd_div_up(n, KD_CHUNK), un_task, &c);
}
