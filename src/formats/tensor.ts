// The common tensor records every format reader returns: TensorEntry (bytes on disk until asked for) and
// NamedTensor (data in memory). Not here: opening files (tensor-file.ts) or conversions (quant/).

/** A tensor whose bytes stay on disk until asked for. */
export interface TensorEntry {
  readonly name: string;
  /** Row-major, outermost first (PyTorch/numpy order). For GGUF this is ne reversed. */
  readonly shape: readonly number[];
  /** ggml type names for GGUF ("F32", "Q8_0", ...), safetensors dtype names ("F32", "BF16", "I64", ...). */
  readonly dtype: string;
  readonly nElements: number;
  readonly nBytes: number;
  /** The file holding the bytes (a shard, for sharded folders). */
  readonly file: string;
  /** The raw stored bytes (little-endian; quantized blocks as stored). */
  bytes(): Uint8Array;
}

/** A tensor with its data in memory: Float32Array for F32, Uint16Array bits for F16/BF16, block bytes for
 *  quantized types. */
export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly data: Float32Array | Uint16Array | Uint8Array;
}

/** Elements in a shape ([] → 1). */
export const shapeSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
