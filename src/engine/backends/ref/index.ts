// The ref backend: every kernel of the op table in plain TypeScript, single-threaded — the executable spec
// that the native backend is tested against. Not here: argument validation (../../validate.ts wraps it).

import { KotodamaError } from "../../../util/errors.js";
import type { Backend, Kernels } from "../../ops.js";
import { activation, activationBackward, swiglu, swigluBackward } from "./activation.js";
import { attention, attentionBackward } from "./attention.js";
import { crossEntropy, crossEntropyBackward } from "./crossEntropy.js";
import { binary, unary } from "./elementwise.js";
import { embedding, embeddingBackward } from "./embedding.js";
import { gemm } from "./gemm.js";
import { f32ToHalf, halfToF32 } from "./half.js";
import { broadcast, permute } from "./layout.js";
import { layerNorm, layerNormBackward, rmsNorm, rmsNormBackward } from "./norm.js";
import { adamw, sumSquares } from "./optim.js";
import { quantMatmul, quantMatmulT } from "./quant.js";
import { reduce } from "./reduce.js";
import { rope, ropeBackward } from "./rope.js";
import { softmax, softmaxBackward } from "./softmax.js";

/** The kernel table: a missing op or a wrong argument type fails to compile. */
export const REF_KERNELS: Kernels = {
  gemm,
  binary,
  unary,
  reduce,
  broadcast,
  permute,
  embedding,
  embeddingBackward,
  layerNorm,
  layerNormBackward,
  rmsNorm,
  rmsNormBackward,
  softmax,
  softmaxBackward,
  activation,
  activationBackward,
  swiglu,
  swigluBackward,
  rope,
  ropeBackward,
  attention,
  attentionBackward,
  crossEntropy,
  crossEntropyBackward,
  adamw,
  sumSquares,
  halfToF32,
  f32ToHalf,
  quantMatmul,
  quantMatmulT,
};

/** A fresh ref backend (unvalidated kernels; wrap with withValidation for untrusted input). Always 1 thread. */
export function createRefBackend(): Backend {
  return {
    ...REF_KERNELS,
    name: "ref",
    threads: () => 1,
    setThreads(n: number): void {
      if (!Number.isInteger(n) || n < 1) throw new KotodamaError(`ref.setThreads: threads must be an integer ≥ 1, got ${n}`);
      // The reference kernels are single-threaded by design; any positive request is accepted and ignored.
    },
  };
}
