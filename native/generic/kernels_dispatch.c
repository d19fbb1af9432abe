/* Public entry points of kd_kernels.h: each picks the ISA build of its kernel (generic, avx2, avx512) from
 * kd_cpu_isa(). Not here: kernel code (the files named in the table below, compiled once per ISA). */
#include "kd_cpu.h"
#include "kd_kernels.h"

/* The ISA build of kernel `name` in use now. */
static kd_isa isa_now(void) { return kd_cpu_isa(); }
#define KD_PICK(name) \
  (isa_now() == KD_ISA_AVX512 ? name##_avx512 : isa_now() == KD_ISA_AVX2 ? name##_avx2 : name##_generic)

/* Declares name_generic/_avx2/_avx512 and defines name() calling the one for the ISA in use. */
#define KD_DISPATCH(ret, name, params, args) \
  ret name##_generic params;                 \
  ret name##_avx2 params;                    \
  ret name##_avx512 params;                  \
  ret name params { KD_RETURN_##ret KD_PICK(name) args; }
#define KD_RETURN_void
#define KD_RETURN_double return
#define KD_RETURN_int64_t return

/* elementwise.c */
KD_DISPATCH(void, kd_binary,
            (kd_binary_op op, const float *a, int a_rank, const int64_t *a_shape, const float *b, int b_rank,
             const int64_t *b_shape, float *out, int out_rank, const int64_t *out_shape),
            (op, a, a_rank, a_shape, b, b_rank, b_shape, out, out_rank, out_shape))
KD_DISPATCH(void, kd_unary, (kd_unary_op op, const float *x, float *out, int64_t n, float s), (op, x, out, n, s))
KD_DISPATCH(void, kd_broadcast,
            (const float *x, int x_rank, const int64_t *x_shape, float *out, int out_rank, const int64_t *out_shape),
            (x, x_rank, x_shape, out, out_rank, out_shape))
/* reduce.c */
KD_DISPATCH(void, kd_reduce,
            (kd_reduce_op op, const float *x, int rank, const int64_t *shape, const uint8_t *reduce_axis,
             float *out),
            (op, x, rank, shape, reduce_axis, out))
/* norm.c */
KD_DISPATCH(void, kd_layernorm_forward,
            (const float *x, const float *weight, const float *bias, int64_t n, int64_t c, float eps, float *out,
             float *mean, float *rstd),
            (x, weight, bias, n, c, eps, out, mean, rstd))
KD_DISPATCH(void, kd_layernorm_backward,
            (const float *dout, const float *x, const float *weight, const float *mean, const float *rstd,
             int64_t n, int64_t c, float *dx, float *dweight, float *dbias),
            (dout, x, weight, mean, rstd, n, c, dx, dweight, dbias))
KD_DISPATCH(void, kd_rmsnorm_forward,
            (const float *x, const float *weight, int64_t n, int64_t c, float eps, float *out, float *rstd),
            (x, weight, n, c, eps, out, rstd))
KD_DISPATCH(void, kd_rmsnorm_backward,
            (const float *dout, const float *x, const float *weight, const float *rstd, int64_t n, int64_t c,
             float *dx, float *dweight),
            (dout, x, weight, rstd, n, c, dx, dweight))
/* softmax.c */
KD_DISPATCH(void, kd_softmax_forward, (const float *x, int64_t n, int64_t c, float *out), (x, n, c, out))
KD_DISPATCH(void, kd_softmax_backward, (const float *dout, const float *y, int64_t n, int64_t c, float *dx),
            (dout, y, n, c, dx))
/* activation.c */
KD_DISPATCH(void, kd_activation_forward, (kd_activation kind, const float *x, float *out, int64_t n),
            (kind, x, out, n))
KD_DISPATCH(void, kd_activation_backward,
            (kd_activation kind, const float *dout, const float *x, float *dx, int64_t n), (kind, dout, x, dx, n))
KD_DISPATCH(void, kd_swiglu_forward, (kd_activation act, const float *gate, const float *up, float *out, int64_t n),
            (act, gate, up, out, n))
KD_DISPATCH(void, kd_swiglu_backward,
            (kd_activation act, const float *dout, const float *gate, const float *up, float *dgate, float *dup,
             int64_t n),
            (act, dout, gate, up, dgate, dup, n))
/* rope.c */
KD_DISPATCH(void, kd_rope_forward,
            (const float *x, int64_t b, int64_t t, int64_t h, int64_t d, int64_t rotary_dim,
             kd_rope_pairing pairing, double theta, const int32_t *positions, const float *freq_factors, float *out),
            (x, b, t, h, d, rotary_dim, pairing, theta, positions, freq_factors, out))
KD_DISPATCH(void, kd_rope_backward,
            (const float *dout, int64_t b, int64_t t, int64_t h, int64_t d, int64_t rotary_dim,
             kd_rope_pairing pairing, double theta, const int32_t *positions, const float *freq_factors, float *dx),
            (dout, b, t, h, d, rotary_dim, pairing, theta, positions, freq_factors, dx))
/* optim.c */
KD_DISPATCH(void, kd_adamw,
            (float *param, const float *grad, float *m, float *v, int64_t n, double lr, double beta1, double beta2,
             double eps, double weight_decay, int64_t step),
            (param, grad, m, v, n, lr, beta1, beta2, eps, weight_decay, step))
KD_DISPATCH(double, kd_sum_squares, (const float *x, int64_t n), (x, n))
/* minhash.c */
KD_DISPATCH(void, kd_minhash, (const uint32_t *shingles, int64_t n, const uint32_t *salts, int64_t p, uint32_t *sig),
            (shingles, n, salts, p, sig))
/* topk.c */
KD_DISPATCH(int64_t, kd_top_k, (const float *x, int64_t v, int64_t k, int32_t *ids), (x, v, k, ids))
/* half.c */
KD_DISPATCH(void, kd_half_to_f32, (kd_half_kind kind, const uint16_t *src, float *out, int64_t n),
            (kind, src, out, n))
KD_DISPATCH(void, kd_f32_to_half, (kd_half_kind kind, const float *src, uint16_t *out, int64_t n),
            (kind, src, out, n))

const char *kd_kernels_isa(void) { return kd_cpu_isa_name(); }
