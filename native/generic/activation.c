/* Pointwise activations GELU (tanh form; Hendrycks & Gimpel 2016, as GPT-2) and SiLU, and the fused gated units
 * SwiGLU and GeGLU (Shazeer 2020), forward and backward side by side. Not here: unary math ops (elementwise.c).
 * Per ISA: this file is compiled with AVX2 and AVX-512 flags too, so GeGLU vectorizes as gelu does. */
#include "kd_impl.h"
#include "kd_kernels.h"

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

static void fwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const act_ctx *s = vctx;
  int64_t i0 = (int64_t)task * KD_CHUNK, n = kd_min64(s->n - i0, KD_CHUNK);
  const float *a = s->a + i0;
  float *o = s->o1 + i0;
  if (!s->glu && s->kind == KD_ACT_GELU) for (int64_t i = 0; i < n; i++) o[i] = gelu(a[i]);
  else if (!s->glu) for (int64_t i = 0; i < n; i++) o[i] = silu(a[i]);
  else if (s->kind == KD_ACT_SILU) { const float *u = s->b + i0; for (int64_t i = 0; i < n; i++) o[i] = silu(a[i]) * u[i]; }
  else { const float *u = s->b + i0; for (int64_t i = 0; i < n; i++) o[i] = gelu(a[i]) * u[i]; }
}

static void bwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const act_ctx *s = vctx;
  int64_t i0 = (int64_t)task * KD_CHUNK, n = kd_min64(s->n - i0, KD_CHUNK);
  const float *x = s->a + i0, *g = s->g + i0;
  float *dx = s->o1 + i0;
  if (!s->glu && s->kind == KD_ACT_GELU) for (int64_t i = 0; i < n; i++) dx[i] += gelu_grad(x[i]) * g[i];
  else if (!s->glu) for (int64_t i = 0; i < n; i++) dx[i] += silu_grad(x[i]) * g[i];
  else if (s->kind == KD_ACT_GELU) { /* GeGLU */
    const float *u = s->b + i0;
    float *du = s->o2 + i0;
    for (int64_t i = 0; i < n; i++) {
      dx[i] += g[i] * u[i] * gelu_grad(x[i]);
      du[i] += g[i] * gelu(x[i]);
    }
  } else {
    const float *u = s->b + i0;
    float *du = s->o2 + i0;
    for (int64_t i = 0; i < n; i++) {
      float sg = kd_sigmoidf(x[i]);
      dx[i] += g[i] * u[i] * (sg * (1.0f + x[i] * (1.0f - sg)));
      du[i] += g[i] * (x[i] * sg);
    }
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
