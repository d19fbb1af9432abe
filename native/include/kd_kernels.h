/* The element-wise, normalization, activation, RoPE, optimizer and conversion kernels of kotodama (C11, no
 * Node specifics). Not here: GEMM (kd_gemm.h), attention (kd_attention.h), cross-entropy (kd_xent.h).
 *
 * Semantics follow src/engine/ops.ts exactly (the ref backend is the executable spec): tensors are dense
 * row-major f32; forward kernels overwrite their outputs, backward kernels ACCUMULATE (+=) into gradients.
 * Kernels trust their arguments (sizes, lengths, ids are checked by the caller: native/binding/), except
 * where a function returns a status. Work is split into chunks whose boundaries depend only on the sizes,
 * never on the thread count, so every result is bit-identical for any thread count and any ISA path. */
#ifndef KD_KERNELS_H
#define KD_KERNELS_H
#include <stdint.h>

#define KD_MAX_RANK 16 /* most dims a shape given to binary/reduce/broadcast/permute may have */

typedef enum { KD_BIN_ADD, KD_BIN_SUB, KD_BIN_MUL, KD_BIN_DIV, KD_BIN_MAX, KD_BIN_MIN } kd_binary_op;
typedef enum {
  KD_UN_NEG, KD_UN_EXP, KD_UN_LOG, KD_UN_SQRT, KD_UN_RSQRT, KD_UN_ABS, KD_UN_SQUARE, KD_UN_RECIP,
  KD_UN_TANH, KD_UN_SIGMOID, KD_UN_RELU, KD_UN_SCALE, KD_UN_ADD_SCALAR, KD_UN_POW_SCALAR
} kd_unary_op;
typedef enum { KD_RED_SUM, KD_RED_MEAN, KD_RED_MAX, KD_RED_MIN } kd_reduce_op;
typedef enum { KD_ACT_GELU, KD_ACT_SILU } kd_activation;
typedef enum { KD_ROPE_ADJACENT, KD_ROPE_HALF } kd_rope_pairing;
typedef enum { KD_HALF_F16, KD_HALF_BF16 } kd_half_kind;

/* out (out_shape) = a (a_shape) op b (b_shape), NumPy broadcasting; out may be a when a_shape == out_shape. */
void kd_binary(kd_binary_op op, const float *a, int a_rank, const int64_t *a_shape, const float *b, int b_rank,
               const int64_t *b_shape, float *out, int out_rank, const int64_t *out_shape);
/* out[i] = f(x[i]) for i < n (scalar s for scale/addScalar/powScalar). out may be x. */
void kd_unary(kd_unary_op op, const float *x, float *out, int64_t n, float s);
/* Reduces x (rank, shape) over the axes flagged in reduce_axis[rank] (keepdims layout). */
void kd_reduce(kd_reduce_op op, const float *x, int rank, const int64_t *shape, const uint8_t *reduce_axis,
               float *out);
/* out (out_shape) = x (x_shape) broadcast NumPy-style. */
void kd_broadcast(const float *x, int x_rank, const int64_t *x_shape, float *out, int out_rank,
                  const int64_t *out_shape);
/* out = x permuted: out.shape[i] = shape[perm[i]]. */
void kd_permute(const float *x, int rank, const int64_t *shape, const int32_t *perm, float *out);

/* Both return -1 when done, or the first i whose ids[i] is outside [0, v) (then nothing was written). */
int64_t kd_embedding_forward(const float *weight, const int32_t *ids, int64_t n, int64_t c, int64_t v,
                             float *out);
int64_t kd_embedding_backward(const float *dout, const int32_t *ids, int64_t n, int64_t c, int64_t v,
                              float *dweight);

/* LayerNorm / RMSNorm over rows of x (n, c). bias and dbias may be NULL. */
void kd_layernorm_forward(const float *x, const float *weight, const float *bias, int64_t n, int64_t c, float eps,
                          float *out, float *mean, float *rstd);
void kd_layernorm_backward(const float *dout, const float *x, const float *weight, const float *mean,
                           const float *rstd, int64_t n, int64_t c, float *dx, float *dweight, float *dbias);
void kd_rmsnorm_forward(const float *x, const float *weight, int64_t n, int64_t c, float eps, float *out,
                        float *rstd);
void kd_rmsnorm_backward(const float *dout, const float *x, const float *weight, const float *rstd, int64_t n,
                         int64_t c, float *dx, float *dweight);

/* Row softmax of x (n, c); backward: dx += y ⊙ (dout − rowsum(dout ⊙ y)). */
void kd_softmax_forward(const float *x, int64_t n, int64_t c, float *out);
void kd_softmax_backward(const float *dout, const float *y, int64_t n, int64_t c, float *dx);

/* gelu (tanh form) / silu over n elements; backward accumulates dx += f'(x) · dout. */
void kd_activation_forward(kd_activation kind, const float *x, float *out, int64_t n);
void kd_activation_backward(kd_activation kind, const float *dout, const float *x, float *dx, int64_t n);
/* Gated linear unit out = act(gate) ⊙ up: act silu (SwiGLU) or gelu (GeGLU, Gemma's gelu_pytorch_tanh);
 * backward: dgate += dout · up · act'(gate), dup += dout · act(gate). */
void kd_swiglu_forward(kd_activation act, const float *gate, const float *up, float *out, int64_t n);
void kd_swiglu_backward(kd_activation act, const float *dout, const float *gate, const float *up, float *dgate,
                        float *dup, int64_t n);

/* RoPE on x (b, t, h, d), first rotary_dim dims of each head rotated by positions[t] · theta^(−2i/rotary_dim),
 * divided by freq_factors[i] (rotary_dim/2 values > 0: llama.cpp's rope_freqs) unless freq_factors is NULL.
 * Forward writes out (may be x); backward accumulates dx += R(−angle) dout. */
void kd_rope_forward(const float *x, int64_t b, int64_t t, int64_t h, int64_t d, int64_t rotary_dim,
                     kd_rope_pairing pairing, double theta, const int32_t *positions, const float *freq_factors,
                     float *out);
void kd_rope_backward(const float *dout, int64_t b, int64_t t, int64_t h, int64_t d, int64_t rotary_dim,
                      kd_rope_pairing pairing, double theta, const int32_t *positions, const float *freq_factors,
                      float *dx);

/* One AdamW step in place over n parameters (step >= 1). Hyper-parameters are double so that 1 − β and the
 * bias corrections are formed before rounding to f32 (1 − (float)0.999 is off by 1e-5 relative). */
void kd_adamw(float *param, const float *grad, float *m, float *v, int64_t n, double lr, double beta1,
              double beta2, double eps, double weight_decay, int64_t step);
/* Σ x² in double precision. */
double kd_sum_squares(const float *x, int64_t n);

/* MinHash signature: sig[i] = min over the n shingle hashes s of fmix32(s ^ salts[i]), i < p (minhash.c). */
void kd_minhash(const uint32_t *shingles, int64_t n, const uint32_t *salts, int64_t p, uint32_t *sig);

/* The sampler's top-k: ids[0..k) = the ids of the k largest of x[0..v), decreasing, ties to the lower id
 * (src/infer/sampler.ts topIds). Returns k, or -1 when x holds a NaN or k is outside [1, v] (topk.c). */
int64_t kd_top_k(const float *x, int64_t v, int64_t k, int32_t *ids);

/* f16 (IEEE binary16) / bf16 ↔ f32 over n values, round to nearest even, NaN stays NaN. */
void kd_half_to_f32(kd_half_kind kind, const uint16_t *src, float *out, int64_t n);
void kd_f32_to_half(kd_half_kind kind, const float *src, uint16_t *out, int64_t n);

/* The instruction set these kernels use now: "avx512", "avx2" or "generic" (KOTODAMA_ISA=generic|avx2|avx512
 * caps it; read once). */
const char *kd_kernels_isa(void);

#endif
