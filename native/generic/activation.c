/* Pointwise activations GELU (tanh form; Hendrycks & Gimpel 2016, as GPT-2) and SiLU, and the fused gated units
 * SwiGLU and GeGLU (Shazeer 2020), forward and backward side by side. Not here: unary math ops (elementwise.c).
 * Per ISA: this file is compiled with AVX2 and AVX-512 flags too, so GeGLU vectorizes as gelu does; the AVX-512
 * build runs whole 16-lane blocks through kd_sigmoid16.h instead, with the same operations in the same order, so
 * every ISA gives the same bits. */
#include "kd_impl.h"
#include "kd_kernels.h"
#ifdef __AVX512F__
#include "kd_sigmoid16.h"
#endif

#define GELU_K 0.7978845608028654f /* √(2/π) */
#define GELU_C 0.044715f

/* 0.5·(1 + tanh z) = sigmoid(2z): written so, neither needs 1 + tanh (which cancels for x ≪ 0). */
static inline float gelu(float x) {
  return x * kd_sigmoidf(2.0f * GELU_K * (x + GELU_C * x * x * x));
}
static inline float gelu_grad(float x) {
  float s = kd_sigmoidf(2.0f * GELU_K * (x + GELU_C * x * x * x)); /* sech²z = 4s(1 − s) */
  return s + 2.0f * x * s * (1.0f - s) * GELU_K * (1.0f + 3.0f * GELU_C * x * x);
}
static inline float silu(float x) { return x * kd_sigmoidf(x); }
static inline float silu_grad(float x) {
  float sg = kd_sigmoidf(x);
  return sg * (1.0f + x * (1.0f - sg));
}

typedef struct {
  int kind; /* kd_activation: the activation, or the gate's activation when glu */
  int glu;  /* 1: out = act(a) ⊙ b (SwiGLU / GeGLU) */
  const float *a, *b, *g;
  float *o1, *o2;
  int64_t n;
} act_ctx;

#ifdef __AVX512F__
/* The scalar functions above on 16 lanes, each product and sum in the scalar order (no FMA). */
static inline __m512 gelu16(__m512 x) {
  const __m512 c = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(GELU_C), x), x), x);
  return _mm512_mul_ps(x, kd_sigmoid16(_mm512_mul_ps(_mm512_set1_ps(2.0f * GELU_K), _mm512_add_ps(x, c))));
}
static inline __m512 gelu_grad16(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 c = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(GELU_C), x), x), x);
  const __m512 s = kd_sigmoid16(_mm512_mul_ps(_mm512_set1_ps(2.0f * GELU_K), _mm512_add_ps(x, c)));
  const __m512 t = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(2.0f), x), s), _mm512_sub_ps(one, s)),
                                 _mm512_set1_ps(GELU_K));
  const __m512 u = _mm512_add_ps(one, _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(3.0f * GELU_C), x), x));
  return _mm512_add_ps(s, _mm512_mul_ps(t, u));
}
/* sg·(1 + x·(1 − sg)) from sg = sigmoid(x) */
static inline __m512 silu_grad16(__m512 x, __m512 sg) {
  const __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_mul_ps(sg, _mm512_add_ps(one, _mm512_mul_ps(x, _mm512_sub_ps(one, sg))));
}
#define LD(p) _mm512_loadu_ps((p) + i)
#define ST(p, v) _mm512_storeu_ps((p) + i, (v))
#define ACC(p, v) _mm512_storeu_ps((p) + i, _mm512_add_ps(_mm512_loadu_ps((p) + i), (v)))
/* The forward over the whole 16-lane blocks of [0, n); returns where the scalar tail starts. */
static int64_t fwd16(const act_ctx *s, const float *a, const float *u, float *o, int64_t n) {
  int64_t i = 0;
  if (!s->glu && s->kind == KD_ACT_GELU) for (; i + 16 <= n; i += 16) ST(o, gelu16(LD(a)));
  else if (!s->glu) for (; i + 16 <= n; i += 16) { const __m512 x = LD(a); ST(o, _mm512_mul_ps(x, kd_sigmoid16(x))); }
  else if (s->kind == KD_ACT_SILU)
    for (; i + 16 <= n; i += 16) { const __m512 x = LD(a); ST(o, _mm512_mul_ps(_mm512_mul_ps(x, kd_sigmoid16(x)), LD(u))); }
  else for (; i + 16 <= n; i += 16) ST(o, _mm512_mul_ps(gelu16(LD(a)), LD(u)));
  return i;
}
/* The backward over the whole 16-lane blocks; returns where the scalar tail starts. */
static int64_t bwd16(const act_ctx *s, const float *x, const float *g, const float *u, float *dx, float *du, int64_t n) {
  int64_t i = 0;
  if (!s->glu && s->kind == KD_ACT_GELU) for (; i + 16 <= n; i += 16) ACC(dx, _mm512_mul_ps(gelu_grad16(LD(x)), LD(g)));
  else if (!s->glu)
    for (; i + 16 <= n; i += 16) { const __m512 xv = LD(x); ACC(dx, _mm512_mul_ps(silu_grad16(xv, kd_sigmoid16(xv)), LD(g))); }
  else if (s->kind == KD_ACT_GELU) /* GeGLU */
    for (; i + 16 <= n; i += 16) {
      const __m512 xv = LD(x), gv = LD(g);
      ACC(dx, _mm512_mul_ps(_mm512_mul_ps(gv, LD(u)), gelu_grad16(xv)));
      ACC(du, _mm512_mul_ps(gv, gelu16(xv)));
    }
  else
    for (; i + 16 <= n; i += 16) {
      const __m512 xv = LD(x), gv = LD(g), sg = kd_sigmoid16(xv);
      ACC(dx, _mm512_mul_ps(_mm512_mul_ps(gv, LD(u)), silu_grad16(xv, sg)));
      ACC(du, _mm512_mul_ps(gv, _mm512_mul_ps(xv, sg)));
    }
  return i;
}
#undef LD
#undef ST
#undef ACC
#endif

static void fwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const act_ctx *s = vctx;
  int64_t i0 = (int64_t)task * KD_CHUNK, n = kd_min64(s->n - i0, KD_CHUNK);
  const float *a = s->a + i0, *u = s->b ? s->b + i0 : NULL;
  float *o = s->o1 + i0;
  int64_t i = 0;
#ifdef __AVX512F__
  i = fwd16(s, a, u, o, n);
#endif
  if (!s->glu && s->kind == KD_ACT_GELU) for (; i < n; i++) o[i] = gelu(a[i]);
  else if (!s->glu) for (; i < n; i++) o[i] = silu(a[i]);
  else if (s->kind == KD_ACT_SILU) for (; i < n; i++) o[i] = silu(a[i]) * u[i];
  else for (; i < n; i++) o[i] = gelu(a[i]) * u[i];
}

static void bwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const act_ctx *s = vctx;
  int64_t i0 = (int64_t)task * KD_CHUNK, n = kd_min64(s->n - i0, KD_CHUNK);
  const float *x = s->a + i0, *g = s->g + i0, *u = s->b ? s->b + i0 : NULL;
  float *dx = s->o1 + i0, *du = s->o2 ? s->o2 + i0 : NULL;
  int64_t i = 0;
#ifdef __AVX512F__
  i = bwd16(s, x, g, u, dx, du, n);
#endif
  if (!s->glu && s->kind == KD_ACT_GELU) for (; i < n; i++) dx[i] += gelu_grad(x[i]) * g[i];
  else if (!s->glu) for (; i < n; i++) dx[i] += silu_grad(x[i]) * g[i];
  else if (s->kind == KD_ACT_GELU) /* GeGLU */
    for (; i < n; i++) {
      dx[i] += g[i] * u[i] * gelu_grad(x[i]);
      du[i] += g[i] * gelu(x[i]);
    }
  else
    for (; i < n; i++) {
      float sg = kd_sigmoidf(x[i]);
      dx[i] += g[i] * u[i] * (sg * (1.0f + x[i] * (1.0f - sg)));
      du[i] += g[i] * (x[i] * sg);
    }
}

void KD_FN(kd_activation_forward)(kd_activation kind, const float *x, float *out, int64_t n) {
  act_ctx s = {.kind = (int)kind, .a = x, .o1 = out, .n = n};
  kd_run(kd_div_up(n, KD_CHUNK), fwd_task, &s);
}
void KD_FN(kd_activation_backward)(kd_activation kind, const float *dout, const float *x, float *dx, int64_t n) {
  act_ctx s = {.kind = (int)kind, .a = x, .g = dout, .o1 = dx, .n = n};
  kd_run(kd_div_up(n, KD_CHUNK), bwd_task, &s);
}
void KD_FN(kd_swiglu_forward)(kd_activation act, const float *gate, const float *up, float *out, int64_t n) {
  act_ctx s = {.kind = (int)act, .glu = 1, .a = gate, .b = up, .o1 = out, .n = n};
  kd_run(kd_div_up(n, KD_CHUNK), fwd_task, &s);
}
void KD_FN(kd_swiglu_backward)(kd_activation act, const float *dout, const float *gate, const float *up, float *dgate,
                               float *dup, int64_t n) {
  act_ctx s = {.kind = (int)act, .glu = 1, .a = gate, .b = up, .g = dout, .o1 = dgate, .o2 = dup, .n = n};
  kd_run(kd_div_up(n, KD_CHUNK), bwd_task, &s);
}
