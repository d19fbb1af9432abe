/* Matrix products with ggml-quantized weights (quantMatmul and quantMatmulT of src/engine/ops.ts): the C entry points.
 * Not here: the kernels (native/generic/quant.c, compiled per ISA) or Node-API glue (native/binding/ops_quant.c).
 * Block layouts are ggml's (src/engine/quant-blocks.ts): Q8_0 34 bytes per 32, Q4_0 18 per 32, Q4_K 144 per 256,
 * Q6_K 210 per 256. */
#ifndef KD_QUANT_H
#define KD_QUANT_H
#include <stdint.h>

typedef enum { KD_QUANT_Q8_0 = 0, KD_QUANT_Q4_0 = 1, KD_QUANT_Q4_K = 2, KD_QUANT_Q6_K = 3 } kd_quant_type;

/* Bytes of one stored row of k weights, or −1 when k is not a whole number of blocks (or type is unknown). */
int64_t kd_quant_row_bytes(kd_quant_type type, int64_t k);

/* out (n, n_out) = x (n, k) · Wᵀ, W row r = the blocks at w + r·kd_quant_row_bytes(type, k). Weights take
 * exactly ggml's dequantized f32 values (decoded block by block in registers, never a whole f32 matrix);
 * x stays f32; f32 accumulation. Parallel over rows of W; the result does not depend on the thread count. */
void kd_quant_matmul(kd_quant_type type, const float *x, const uint8_t *w, int64_t n, int64_t k, int64_t n_out,
                     float *out);

/* out (n, k) = dy (n, n_out) · W (n_out, k), W laid out as above: the transposed product (quantMatmulT, the input
 * gradient of a frozen quantized weight). Exact dequantized weights, f32 dy, f32 FMA accumulation over n_out in
 * order; parallel over 32-column slices × tiles of rows; result independent of the thread count. */
void kd_quant_matmul_t(kd_quant_type type, const float *dy, const uint8_t *w, int64_t n, int64_t k, int64_t n_out,
                       float *out);

/* The same product with activations quantized as llama.cpp's x86 CPU backend does (Q8_0 blocks for Q8_0/Q4_0
 * weights, Q8_K for Q4_K/Q6_K) and integer block dot products scaled by d_w·d_x in f32 (ggml_vec_dot_*_q8_*;
 * src/engine/quant-activations.ts and backends/ref/quant.ts are the spec). Returns 0, or −1 when its scratch
 * (N·K bytes plus scales) cannot be allocated. Result independent of the thread count. */
int kd_quant_matmul_q8(kd_quant_type type, const float *x, const uint8_t *w, int64_t n, int64_t k, int64_t n_out,
                       float *out);

/* Whether the AVX-512 path uses VNNI (vpdpbusd) for quantMatmul's q8 activations: on by default where the CPU
 * has avx512vnni. kd_quant_set_vnni(0|1) switches it (tests, benchmarks); returns −1 (unchanged) when the CPU
 * lacks it. Not safe while kernels run on other threads. */
int kd_quant_vnni(void);
int kd_quant_set_vnni(int on);

#endif
