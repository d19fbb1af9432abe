// GGUF metadata values: the 13 wire types of the GGUF spec as a typed union, and checked accessors
// (metaString, metaNumber, metaStringArray, ...). Not here: reading or writing bytes (read.ts, write.ts).
import { FormatError } from "../../util/errors.js";

/** Wire type ids, as in the GGUF spec (gguf_metadata_value_type). */
export const GgufWireType = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;
export type GgufTypeName = keyof typeof GgufWireType;
export type GgufNumberType = "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "float32" | "float64";
export type GgufBigType = "uint64" | "int64";
export type GgufScalarType = GgufNumberType | GgufBigType | "bool" | "string";

/** Typed-array class per numeric item type (arrays of numbers are held as these, little-endian on disk). */
export interface GgufTypedArrays {
  uint8: Uint8Array;
  int8: Int8Array;
  uint16: Uint16Array;
  int16: Int16Array;
  uint32: Uint32Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
  uint64: BigUint64Array;
  int64: BigInt64Array;
}

export type GgufArray =
  | { readonly type: "array"; readonly itemType: "uint8"; readonly value: Uint8Array }
  | { readonly type: "array"; readonly itemType: "int8"; readonly value: Int8Array }
  | { readonly type: "array"; readonly itemType: "uint16"; readonly value: Uint16Array }
  | { readonly type: "array"; readonly itemType: "int16"; readonly value: Int16Array }
  | { readonly type: "array"; readonly itemType: "uint32"; readonly value: Uint32Array }
  | { readonly type: "array"; readonly itemType: "int32"; readonly value: Int32Array }
  | { readonly type: "array"; readonly itemType: "float32"; readonly value: Float32Array }
  | { readonly type: "array"; readonly itemType: "float64"; readonly value: Float64Array }
  | { readonly type: "array"; readonly itemType: "uint64"; readonly value: BigUint64Array }
  | { readonly type: "array"; readonly itemType: "int64"; readonly value: BigInt64Array }
  | { readonly type: "array"; readonly itemType: "bool"; readonly value: boolean[] }
  | { readonly type: "array"; readonly itemType: "string"; readonly value: string[] }
  /** Nested arrays: each item is itself an array value (any item type). */
  | { readonly type: "array"; readonly itemType: "array"; readonly value: GgufArray[] };

/** One metadata value with its wire type kept, so a file can be written back byte for byte. */
export type GgufValue =
  | { readonly type: GgufNumberType; readonly value: number }
  | { readonly type: GgufBigType; readonly value: bigint }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "string"; readonly value: string }
  | GgufArray;

/** Metadata in file order (a Map keeps insertion order). */
export type GgufMetadata = ReadonlyMap<string, GgufValue>;

// ---- constructors (for writers) ----
export const gguf = {
  u32: (value: number): GgufValue => ({ type: "uint32", value }),
  i32: (value: number): GgufValue => ({ type: "int32", value }),
  u64: (value: bigint | number): GgufValue => ({ type: "uint64", value: BigInt(value) }),
  f32: (value: number): GgufValue => ({ type: "float32", value }),
  f64: (value: number): GgufValue => ({ type: "float64", value }),
  bool: (value: boolean): GgufValue => ({ type: "bool", value }),
  str: (value: string): GgufValue => ({ type: "string", value }),
  strings: (value: string[]): GgufValue => ({ type: "array", itemType: "string", value }),
  f32s: (value: Float32Array): GgufValue => ({ type: "array", itemType: "float32", value }),
  i32s: (value: Int32Array): GgufValue => ({ type: "array", itemType: "int32", value }),
  u32s: (value: Uint32Array): GgufValue => ({ type: "array", itemType: "uint32", value }),
};

// ---- checked accessors (for readers) ----
const where = (file: string, key: string, v: GgufValue, want: string): FormatError =>
  new FormatError(file, `metadata ${key}: expected ${want}, found ${v.type === "array" ? `array of ${v.itemType}` : v.type}`);

/** A numeric scalar of any integer or float type as a JS number (64-bit integers must be ≤ 2^53). */
export function metaNumber(meta: GgufMetadata, key: string, file = "<gguf>"): number | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (v.type === "uint64" || v.type === "int64") {
    const n = Number(v.value);
    if (!Number.isSafeInteger(n)) throw new FormatError(file, `metadata ${key}: ${v.value} does not fit a safe integer`);
    return n;
  }
  if (typeof v.value !== "number") throw where(file, key, v, "a number");
  return v.value;
}

/** A non-negative integer scalar (any integer type). */
export function metaInt(meta: GgufMetadata, key: string, file = "<gguf>"): number | undefined {
  const n = metaNumber(meta, key, file);
  const v = meta.get(key);
  if (n === undefined || v === undefined) return undefined;
  if (v.type === "float32" || v.type === "float64") throw where(file, key, v, "an integer");
  return n;
}

export function metaString(meta: GgufMetadata, key: string, file = "<gguf>"): string | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (v.type !== "string") throw where(file, key, v, "a string");
  return v.value;
}

export function metaBool(meta: GgufMetadata, key: string, file = "<gguf>"): boolean | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (v.type !== "bool") throw where(file, key, v, "a bool");
  return v.value;
}

export function metaStringArray(meta: GgufMetadata, key: string, file = "<gguf>"): string[] | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (v.type !== "array" || v.itemType !== "string") throw where(file, key, v, "an array of strings");
  return v.value;
}

/** A numeric array of any numeric item type, converted to Float64Array (64-bit ints must be ≤ 2^53). */
export function metaNumberArray(meta: GgufMetadata, key: string, file = "<gguf>"): Float64Array | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (v.type !== "array" || v.itemType === "string" || v.itemType === "array" || v.itemType === "bool") {
    throw where(file, key, v, "an array of numbers");
  }
  const out = new Float64Array(v.value.length);
  for (let i = 0; i < out.length; i++) {
    const x = Number(v.value[i]);
    if ((v.itemType === "uint64" || v.itemType === "int64") && !Number.isSafeInteger(x)) {
      throw new FormatError(file, `metadata ${key}[${i}]: ${v.value[i]} does not fit a safe integer`);
    }
    out[i] = x;
  }
  return out;
}

/** Short human-readable rendering (long arrays summarized), for inspect and error messages. */
export function formatValue(v: GgufValue, maxItems = 8): string {
  if (v.type === "string") return JSON.stringify(v.value.length > 200 ? v.value.slice(0, 200) + "…" : v.value);
  if (v.type !== "array") return String(v.value);
  const n = v.value.length;
  const items: string[] = [];
  for (let i = 0; i < Math.min(n, maxItems); i++) {
    const x = v.value[i];
    items.push(v.itemType === "array" ? formatValue(x as GgufArray, 3) : v.itemType === "string" ? JSON.stringify(x) : String(x));
  }
  return `${v.itemType}[${n}] [${items.join(", ")}${n > maxItems ? ", …" : ""}]`;
}
