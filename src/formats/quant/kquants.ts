// ggml's k-quant super-blocks (Q4_K, Q5_K, Q6_K): their dequantizers live with the engine (engine/quant-blocks.ts,
// used by the quantMatmul kernels too). Not here: the Q4_K quantizer (q4_k.ts; kotodama writes Q8_0, Q4_0 and
// Q4_K), Q5_K/Q6_K quantizers, Q2_K/Q3_K.
export {
  dequantizeQ4K, dequantizeQ5K, dequantizeQ6K, Q4_K_BYTES, Q5_K_BYTES, Q6_K_BYTES, QK_K,
} from "../../engine/quant-blocks.js";
