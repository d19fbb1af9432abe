// Storage dtypes and exact conversions f32 ↔ f16 (IEEE 754 binary16) and f32 ↔ bf16, scalar and array forms.
// Not here: quantized block formats (formats/) or tensor dtype bookkeeping (tensor/); compute is always f32.
//
// f16: 1 sign, 5 exponent (bias 15), 10 mantissa bits; subnormals below 2^−14; max finite 65504.
// bf16: the top 16 bits of an f32 (same 8-bit exponent), so only the mantissa is rounded.
// Both conversions from f32 round to nearest, ties to even; NaN stays NaN (quiet bit set, sign and the top
// payload bits kept); values past the largest finite f16 become ±inf, as IEEE rounding requires.

export type DType = "f32" | "f16" | "bf16";

/** Bytes per element of each storage dtype. */
export const DTYPE_BYTES: { readonly [K in DType]: number } = { f32: 4, f16: 2, bf16: 2 };

// One-element views used to move between a float and its bits. Private scratch, not observable state.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The IEEE bits of Math.fround(x). (A JS number NaN may lose its payload; use the array forms for that.) */
export function f32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0];
}

/** The f32 value with the given 32 bits. */
export function f32FromBits(bits: number): number {
  scratchU32[0] = bits >>> 0;
  return scratchF32[0];
}

// ---- f16 ------------------------------------------------------------------------------------------------

/** f32 bits → f16 bits, round to nearest even. */
export function f32BitsToF16Bits(bits: number): number {
  const x = bits >>> 0;
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs >= 0x7f800000) {
    if (abs === 0x7f800000) return sign | 0x7c00; // ±inf
    return sign | 0x7e00 | ((abs >>> 13) & 0x3ff); // NaN: quiet, top payload bits kept
  }
  // 65520 = 0x477ff000 is halfway between 65504 (max finite) and 65536; ties go to the even "65536" = inf.
  if (abs >= 0x477ff000) return sign | 0x7c00;
  if (abs < 0x38800000) {
    // Below 2^−14: an f16 subnormal (or zero). Its mantissa is value · 2^24, rounded; exact in double.
    const scaled = f32FromBits(abs) * 16777216;
    return sign | roundHalfEven(scaled); // may round up to 0x400, the smallest normal: still correct bits
  }
  // Normal: re-bias the exponent (127 → 15) and round the 13 dropped mantissa bits; a carry ripples into
  // the exponent, which is exactly what rounding up to the next binade needs.
  const rebased = abs - 0x38000000;
  return sign | ((rebased + 0xfff + ((rebased >>> 13) & 1)) >>> 13);
}

/** f16 bits → f32 bits (exact: every f16 is an f32). */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf or NaN (payload kept)
  if (exp === 0) {
    if (mant === 0) return sign >>> 0; // ±0
    // Subnormal m · 2^−24: normalize the mantissa into an f32 normal.
    let e = 1;
    while ((mant & 0x400) === 0) {
      mant <<= 1;
      e--;
    }
    return (sign | ((e + 112) << 23) | ((mant & 0x3ff) << 13)) >>> 0;
  }
  return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
}

/** f32 value → f16 bits (x is first rounded to f32). */
export function f32ToF16(x: number): number {
  return f32BitsToF16Bits(f32Bits(x));
}

/** f16 bits → value. */
export function f16ToF32(h: number): number {
  return f32FromBits(f16BitsToF32Bits(h));
}

// ---- bf16 -----------------------------------------------------------------------------------------------

/** f32 bits → bf16 bits, round to nearest even (large finite values may round to ±inf, as IEEE rounds). */
export function f32BitsToBf16Bits(bits: number): number {
  const x = bits >>> 0;
  if ((x & 0x7fffffff) > 0x7f800000) return (x >>> 16) | 0x0040; // NaN: keep sign and top payload, quiet it
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bf16 bits → f32 bits (exact). */
export function bf16BitsToF32Bits(h: number): number {
  return ((h & 0xffff) << 16) >>> 0;
}

/** f32 value → bf16 bits (x is first rounded to f32). */
export function f32ToBf16(x: number): number {
  return f32BitsToBf16Bits(f32Bits(x));
}

/** bf16 bits → value. */
export function bf16ToF32(h: number): number {
  return f32FromBits(bf16BitsToF32Bits(h));
}

// ---- arrays (bit-exact, NaN payloads kept) ----------------------------------------------------------------

/** Bits of an f32 array without copying (a Float32Array view is always 4-byte aligned). */
export function f32ArrayBits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** out[i] = f16 bits of src[i], i in [0, src.length). */
export function f32ArrayToF16(src: Float32Array, out: Uint16Array): Uint16Array {
  const bits = f32ArrayBits(src);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16Bits(bits[i]);
  return out;
}

/** out[i] = f32 value of the f16 bits src[i], i in [0, src.length). */
export function f16ArrayToF32(src: Uint16Array, out: Float32Array): Float32Array {
  const bits = f32ArrayBits(out);
  for (let i = 0; i < src.length; i++) bits[i] = f16BitsToF32Bits(src[i]);
  return out;
}

/** out[i] = bf16 bits of src[i], i in [0, src.length). */
export function f32ArrayToBf16(src: Float32Array, out: Uint16Array): Uint16Array {
  const bits = f32ArrayBits(src);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToBf16Bits(bits[i]);
  return out;
}

/** out[i] = f32 value of the bf16 bits src[i], i in [0, src.length). */
export function bf16ArrayToF32(src: Uint16Array, out: Float32Array): Float32Array {
  const bits = f32ArrayBits(out);
  for (let i = 0; i < src.length; i++) bits[i] = bf16BitsToF32Bits(src[i]);
  return out;
}

/** True when the 16 bits are a NaN of the given half kind. */
export function isHalfNaN(kind: "f16" | "bf16", h: number): boolean {
  return kind === "f16" ? (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 : (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
}

/** Rounds a non-negative number to the nearest integer, ties to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const r = x - f;
  if (r > 0.5 || (r === 0.5 && (f & 1) === 1)) return f + 1;
  return f;
}
