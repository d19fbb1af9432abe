// Conversions between ggml-typed bytes and f32 by type id: dequantize (F32, F16, BF16, Q8_0, Q4_0, Q4_K,
// Q5_K, Q6_K) and quantize (F32, F16, BF16, Q8_0, Q4_0, Q4_K). Not here: the block layouts (one file per family).
import { bf16ArrayToF32, f16ArrayToF32, f32ArrayToBf16, f32ArrayToF16 } from "../../engine/dtype.js";
import { KotodamaError } from "../../util/errors.js";
import { GgmlType, ggmlTypeInfo } from "../gguf/ggml-types.js";
import { dequantizeQ4_0, quantizeQ4_0 } from "./q4_0.js";
import { dequantizeQ8_0, quantizeQ8_0 } from "./q8_0.js";
import { dequantizeQ4K, dequantizeQ5K, dequantizeQ6K } from "./kquants.js";
import { quantizeQ4K } from "./q4_k.js";

export { quantizeQ4K } from "./q4_k.js";
export { dequantizeQ4_0, quantizeQ4_0 } from "./q4_0.js";
export { dequantizeQ8_0, quantizeQ8_0 } from "./q8_0.js";
export { dequantizeQ4K, dequantizeQ5K, dequantizeQ6K } from "./kquants.js";

/** Type ids `dequantize` accepts. */
export const DEQUANTIZABLE: readonly number[] = [
  GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
];
/** Type ids `quantize` produces. */
export const QUANTIZABLE: readonly number[] = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0];

function typeName(type: number): string {
  return ggmlTypeInfo(type)?.name ?? `ggml type ${type}`;
}

/** Bytes an n-element tensor of `type` takes, or an error if n is not a whole number of blocks. */
export function typedByteLength(type: number, n: number): number {
  const t = ggmlTypeInfo(type);
  if (t === undefined) throw new KotodamaError(`unknown ggml type ${type}`);
  if (n % t.blockSize !== 0) throw new KotodamaError(`${t.name}: ${n} elements is not a multiple of the block size ${t.blockSize}`);
  return (n / t.blockSize) * t.typeSize;
}

/** Copies bytes into a fresh, aligned buffer (file bytes may sit at any offset). */
const aligned = (b: Uint8Array): ArrayBuffer => b.slice().buffer;

/** Raw bytes of `type` holding n elements → n f32 values (exact: ggml's to_float, bit for bit). */
export function dequantize(type: number, bytes: Uint8Array, n: number): Float32Array {
  const want = typedByteLength(type, n);
  if (bytes.byteLength !== want) throw new KotodamaError(`${typeName(type)}: ${n} elements need ${want} bytes, got ${bytes.byteLength}`);
  switch (type) {
    case GgmlType.F32: return new Float32Array(aligned(bytes));
    case GgmlType.F16: return f16ArrayToF32(new Uint16Array(aligned(bytes)), new Float32Array(n));
    case GgmlType.BF16: return bf16ArrayToF32(new Uint16Array(aligned(bytes)), new Float32Array(n));
    case GgmlType.Q8_0: return dequantizeQ8_0(bytes, n);
    case GgmlType.Q4_0: return dequantizeQ4_0(bytes, n);
    case GgmlType.Q4_K: return dequantizeQ4K(bytes, n);
    case GgmlType.Q5_K: return dequantizeQ5K(bytes, n);
    case GgmlType.Q6_K: return dequantizeQ6K(bytes, n);
  }
  throw new KotodamaError(`cannot dequantize ${typeName(type)} (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)`);
}

/** f32 values → raw bytes of `type`, as ggml's reference quantizers write them. For block types the length
 *  must be a multiple of the block size (ggml quantizes row by row; rows are whole blocks). */
export function quantize(type: number, x: Float32Array): Uint8Array {
  typedByteLength(type, x.length);
  switch (type) {
    case GgmlType.F32: return new Uint8Array(x.slice().buffer);
    case GgmlType.F16: return new Uint8Array(f32ArrayToF16(x, new Uint16Array(x.length)).buffer);
    case GgmlType.BF16: return new Uint8Array(f32ArrayToBf16(x, new Uint16Array(x.length)).buffer);
    case GgmlType.Q8_0: return quantizeQ8_0(x);
    case GgmlType.Q4_0: return quantizeQ4_0(x);
    case GgmlType.Q4_K: return quantizeQ4K(x);
  }
  throw new KotodamaError(`cannot quantize to ${typeName(type)} (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K)`);
}
