/* Rotary position embedding (Su et al. 2021) with adjacent or rotate-half pairing, partial rotary dims and optional
 * per-pair frequency factors (llama.cpp rope_freqs: Llama 3.1 scaling), forward and backward. Angles are computed
 * in double (positions reach 1e5; f32 angles would drift).
 * Not here: attention itself (kd_attention.h). Per ISA. */
#include <math.h>
#include <stdlib.h>
#include "kd_impl.h"
#include "kd_kernels.h"

typedef struct {
  const float *x;
  float *out;
  int64_t b, t, h, d, rd;
  int half, backward;
  const float *cs; /* [t][rd/2][2]: cos, sin */
  int64_t per_task;
} rope_ctx;

/* One head: forward o = R(θ) x; backward o += R(−θ) x (x is dOut). */
static void rope_head(const float *x, float *o, const float *cs, int64_t d, int64_t rd, int half, int backward) {
  /* pair i is (x0[i·s0], x1[i·s0]): adjacent dims (2i, 2i+1), or rotate-half dims (i, i + rd/2) */
  int64_t np = rd / 2, s0 = half ? 1 : 2, off1 = half ? np : 1;
  const float *x0 = x, *x1 = x + off1;
  float *o0 = o, *o1 = o + off1;
  if (!backward) {
    for (int64_t i = 0; i < np; i++) {
      float c = cs[2 * i], s = cs[2 * i + 1], a = x0[i * s0], b = x1[i * s0];
      o0[i * s0] = a * c - b * s;
      o1[i * s0] = a * s + b * c;
    }
    if (o != x) for (int64_t j = rd; j < d; j++) o[j] = x[j];
  } else {
    for (int64_t i = 0; i < np; i++) {
      float c = cs[2 * i], s = cs[2 * i + 1], a = x0[i * s0], b = x1[i * s0];
      o0[i * s0] += a * c + b * s;
      o1[i * s0] += b * c - a * s;
    }
    for (int64_t j = rd; j < d; j++) o[j] += x[j];
  }
}

static void rope_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const rope_ctx *r = vctx;
  int64_t rows = r->b * r->t, r0 = (int64_t)task * r->per_task, r1 = kd_min64(rows, r0 + r->per_task);
  int64_t hd = r->h * r->d, np = r->rd / 2;
  for (int64_t row = r0; row < r1; row++) {
    const float *cs = r->cs + (row % r->t) * np * 2;
    for (int64_t hh = 0; hh < r->h; hh++)
      rope_head(r->x + row * hd + hh * r->d, r->out + row * hd + hh * r->d, cs, r->d, r->rd, r->half,
                r->backward);
  }
}

static void rope_run(const float *x, int64_t b, int64_t t, int64_t h, int64_t d, int64_t rotary_dim,
                     kd_rope_pairing pairing, double theta, const int32_t *positions, const float *ff, float *out,
                     int backward) {
  int64_t np = rotary_dim / 2;
  if (b * t * h * d == 0) return;
  float *cs = malloc((size_t)kd_max64(1, t * np * 2) * sizeof(float));
  if (!cs) return;
  for (int64_t i = 0; i < np; i++) {
    double freq = pow(theta, -2.0 * (double)i / (double)rotary_dim);
    if (ff) freq /= (double)ff[i]; /* llama.cpp ggml_rope_ext: theta_extrap = theta_base / freq_factor */
    for (int64_t tt = 0; tt < t; tt++) {
      double a = (double)positions[tt] * freq;
      cs[(tt * np + i) * 2] = (float)cos(a);
      cs[(tt * np + i) * 2 + 1] = (float)sin(a);
    }
  }
  rope_ctx r = {x, out, b, t, h, d, rotary_dim, pairing == KD_ROPE_HALF, backward, cs, 0};
  r.per_task = kd_rows_per_task(h * d);
  kd_run(kd_div_up(b * t, r.per_task), rope_task, &r);
  free(cs);
}

void KD_FN(kd_rope_forward)(const float *x, int64_t b, int64_t t, int64_t h, int64_t d, int64_t rotary_dim,
                            kd_rope_pairing pairing, double theta, const int32_t *positions,
                            const float *freq_factors, float *out) {
  rope_run(x, b, t, h, d, rotary_dim, pairing, theta, positions, freq_factors, out, 0);
}
void KD_FN(kd_rope_backward)(const float *dout, int64_t b, int64_t t, int64_t h, int64_t d, int64_t rotary_dim,
                             kd_rope_pairing pairing, double theta, const int32_t *positions,
                             const float *freq_factors, float *dx) {
  rope_run(dout, b, t, h, d, rotary_dim, pairing, theta, positions, freq_factors, dx, 1);
}
