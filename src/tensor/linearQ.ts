// A frozen weight kept as ggml quantized rows (Q8_0, Q4_0, Q4_K, Q6_K) and linearQ, y = x·Wᵀ + b through it,
// with its gradient rule: dX = dY·W by the engine's quantMatmulT, db = Σ dY; no dW (the weight is frozen, as under
// LoRA on a quantized base: QLoRA, Dettmers et al. 2023, arXiv:2305.14314, with ggml blocks instead of NF4).
// Not here: f32 linear (matmul.ts), quantizers (formats/quant/), LoRA (nn/lora.ts).
import type { QuantType } from "../engine/ops.js";
import { QUANT_MATMUL_BLOCKS, quantRowBytes } from "../engine/quant-blocks.js";
import { ShapeError } from "../util/errors.js";
import type { Tensor } from "./tensor.js";
import { linear } from "./matmul.js";
import { shapeStr } from "./shape.js";

/** A frozen (out, in) weight as ggml rows: row r is bytes [r·rowBytes, (r+1)·rowBytes). Never trained, never a
 *  parameter; it holds no graph (any graph's linearQ may read it). */
export interface QuantWeight {
  readonly kind: "quant";
  readonly type: QuantType;
  readonly shape: readonly [number, number]; // (out, in)
  readonly bytes: Uint8Array;
  readonly name: string | undefined;
}

/** A QuantWeight over `bytes` (not copied); checks that in is whole blocks and that the bytes cover every row. */
export function quantWeight(type: QuantType, bytes: Uint8Array, shape: readonly [number, number], name?: string): QuantWeight {
  const [nOut, nIn] = shape;
  const bs = QUANT_MATMUL_BLOCKS[type].blockSize;
  const what = `quantWeight${name === undefined ? "" : ` ${name}`}`;
  if (!(Number.isSafeInteger(nOut) && nOut > 0 && Number.isSafeInteger(nIn) && nIn > 0)) throw new ShapeError(`${what}: shape ${shapeStr(shape)} must be two positive integers (out, in)`);
  if (nIn % bs !== 0) throw new ShapeError(`${what}: in-dim ${nIn} is not a multiple of the ${type} block size ${bs}`);
  const need = nOut * quantRowBytes(type, nIn);
  if (bytes.length < need) throw new ShapeError(`${what}: ${bytes.length} bytes, expected ${need} for ${shapeStr(shape)} ${type}`);
  return { kind: "quant", type, shape: [nOut, nIn], bytes: bytes.subarray(0, need), name };
}

/** Whether a Linear's weight is quantized rows (else an f32 Tensor). */
export const isQuantWeight = (w: Tensor | QuantWeight): w is QuantWeight => "kind" in w && w.kind === "quant";

/** The weight's exact dequantized values (ggml's), (out, in) row-major. */
export function dequantizeWeight(w: QuantWeight): Float32Array {
  const [nOut, nIn] = w.shape;
  const rb = quantRowBytes(w.type, nIn);
  const out = new Float32Array(nOut * nIn);
  const deq = QUANT_MATMUL_BLOCKS[w.type].dequantize;
  for (let r = 0; r < nOut; r++) deq(w.bytes.subarray(r * rb, (r + 1) * rb), nIn, out.subarray(r * nIn, (r + 1) * nIn));
  return out;
}

/** y = x·Wᵀ + b with W quantized: x (..., in), W (out, in), bias (out) or null → (..., out). The forward is
 *  quantMatmul with f32 activations, not llama.cpp's default q8 ones: training needs the product whose gradient
 *  the backward computes (dX = dY·W with the same dequantized W), and q8 activations would add a rounding of x
 *  (~0.4% per block) that no gradient sees — the loss would then not be a function of x that backward
 *  differentiates, and a gradcheck could not hold. (A backend made by withQuantActivations still overrides it.) */
export function linearQ(x: Tensor, w: QuantWeight, bias: Tensor | null = null): Tensor {
  const g = x.graph;
  const [nOut, nIn] = w.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== nIn) throw new ShapeError(`linearQ: x ${shapeStr(x.shape)} does not end in weight's in-dim ${nIn} (weight ${shapeStr(w.shape)} ${w.type})`);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== nOut)) throw new ShapeError(`linearQ: bias ${shapeStr(bias.shape)} must be (${nOut})`);
  if (bias !== null && bias.graph !== g) throw new ShapeError("linearQ: x and bias belong to different graphs");
  const rows = x.size / nIn; // N
  const out = g.empty([...x.shape.slice(0, -1), nOut]);
  g.backend.quantMatmul({ type: w.type, x: x.data, w: w.bytes, n: rows, k: nIn, nOut, out: out.data, activations: "f32" });
  if (bias !== null) g.backend.binary({ op: "add", a: out.data, aShape: [rows, nOut], b: bias.data, bShape: [nOut], out: out.data, outShape: [rows, nOut] });
  if (g.needsGrad(x, bias)) {
    g.record(out, (dy) => {
      // dx (N, in) = dy (N, out) · W (out, in)
      if (x.requiresGrad) g.writeGrad(x, (dst) => g.backend.quantMatmulT({ type: w.type, dy, w: w.bytes, n: rows, k: nIn, nOut, out: dst }));
      if (bias !== null && bias.requiresGrad) g.writeGrad(bias, (dst) => g.backend.reduce({ op: "sum", x: dy, shape: [rows, nOut], axes: [0], out: dst }));
    });
  }
  return out;
}

/** y = x·Wᵀ + b whichever the weight is: linear on an f32 Tensor, linearQ on quantized rows. */
export const linearAny = (x: Tensor, w: Tensor | QuantWeight, bias: Tensor | null = null): Tensor =>
  isQuantWeight(w) ? linearQ(x, w, bias) : linear(x, w, bias);
