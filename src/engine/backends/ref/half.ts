// Reference half-precision conversion kernels (f16/bf16 ↔ f32) over dtype.ts's bit-exact conversions.
// Not here: the conversions themselves (src/engine/dtype.ts, shared with the model-format readers).

import type { F32ToHalfArgs, HalfToF32Args } from "../../ops.js";
import { bf16ArrayToF32, f16ArrayToF32, f32ArrayToBf16, f32ArrayToF16 } from "../../dtype.js";

/** out[i] = value of the half bits src[i], i in [0, src.length). Exact. */
export function halfToF32(args: HalfToF32Args): void {
  if (args.kind === "f16") f16ArrayToF32(args.src, args.out);
  else bf16ArrayToF32(args.src, args.out);
}

/** out[i] = half bits of src[i], round to nearest even, i in [0, src.length). */
export function f32ToHalf(args: F32ToHalfArgs): void {
  if (args.kind === "f16") f32ArrayToF16(args.src, args.out);
  else f32ArrayToBf16(args.src, args.out);
}
