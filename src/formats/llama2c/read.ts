// llama2.c checkpoints (Karpathy's run.c "legacy" format, and export.py's version-1 fp32 format): the Config
// header and the f32 weights in llama2.c's order, returned as named tensors with PyTorch (out, in) shapes.
// Not here: tokenizer.bin (tokenizer/), mapping to a kotodama model (models/), version-2 int8 checkpoints.
//
// Legacy layout (run.c): 7 × int32 {dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}
// (vocab_size < 0 means an untied classifier), then f32: token_embedding_table (V, C); rms_att (L, C);
// wq (L, H·D, C); wk (L, Hkv·D, C); wv (L, Hkv·D, C); wo (L, C, H·D); rms_ffn (L, C); w1 (L, F, C);
// w2 (L, C, F); w3 (L, F, C); rms_final (C); freq_cis_real/imag (2 × seq_len·D/2, unused); wcls (V, C) if
// untied. Version 1 (export.py): magic "ak42", int32 version 1, the 7 ints, uint8 shared_classifier, zero
// padding to 256 bytes; then norms first: rms_att (L, C), rms_ffn (L, C), rms_final (C), embedding (V, C),
// wq, wk, wv, wo, w1, w2, w3 (each L stacked), wcls if not shared. Q/K rows are in the adjacent-pair RoPE
// order run.c uses (the same as GGUF llama; no permutation).
import { FormatError } from "../../util/errors.js";
import { type ByteSource, toSource } from "../source.js";

export interface Llama2cConfig {
  readonly dim: number;
  readonly hiddenDim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly vocabSize: number;
  readonly seqLen: number;
  /** True when the classifier is the token embedding (vocab_size was positive / shared_classifier = 1). */
  readonly sharedClassifier: boolean;
  readonly version: 0 | 1;
}

export interface Llama2cTensor {
  /** llama2.c's TransformerWeights field name, per layer "layers.{l}.{field}" (e.g. "layers.0.wq"). */
  readonly name: string;
  /** Row-major, outermost first: a Linear weight is (out, in). */
  readonly shape: readonly number[];
  /** Absolute byte offset of the f32 data in the file. */
  readonly offset: number;
}

export interface Llama2cFile {
  readonly source: ByteSource;
  readonly config: Llama2cConfig;
  readonly tensors: readonly Llama2cTensor[];
}

const V1_MAGIC = 0x616b3432; // "ak42" as llama2.c writes it (struct.pack("I", 0x616b3432))
const V1_HEADER = 256;

/** Parses the header and lays out every tensor; checks the file is exactly as long as the config implies. */
export function readLlama2c(input: string | Uint8Array | ByteSource, opts: { name?: string } = {}): Llama2cFile {
  const src = toSource(input, opts.name);
  const fail = (m: string): FormatError => new FormatError(src.name, m);
  if (src.size < 28) throw fail(`truncated: ${src.size} bytes, a llama2.c checkpoint starts with a 28-byte config`);
  const head = src.read(0, Math.min(src.size, V1_HEADER)).slice();
  const dv = new DataView(head.buffer);
  let version: 0 | 1 = 0;
  let at = 0;
  if (dv.getUint32(0, true) === V1_MAGIC) {
    const v = dv.getInt32(4, true);
    if (v !== 1) throw fail(`llama2.c checkpoint version ${v} is not supported (only the legacy format and version 1, fp32)`);
    if (src.size < V1_HEADER) throw fail("truncated version-1 header");
    version = 1;
    at = 8;
  }
  const ints = Array.from({ length: 7 }, (_, i) => dv.getInt32(at + 4 * i, true));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = ints as [number, number, number, number, number, number, number];
  const shared = version === 1 ? dv.getUint8(36) === 1 : rawVocab > 0;
  const vocabSize = Math.abs(rawVocab);
  const names = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"];
  const vals = [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen];
  vals.forEach((v, i) => {
    if (!(v > 0)) throw fail(`config ${names[i]} is ${ints[i]}, expected > 0 (is this a llama2.c .bin checkpoint?)`);
  });
  if (dim % nHeads !== 0) throw fail(`config dim ${dim} is not a multiple of n_heads ${nHeads}`);
  if (nHeads % nKvHeads !== 0) throw fail(`config n_heads ${nHeads} is not a multiple of n_kv_heads ${nKvHeads}`);
  const D = dim / nHeads;
  const kv = nKvHeads * D;
  const C = dim, F = hiddenDim, L = nLayers, V = vocabSize;

  // The size the config implies, computed before laying anything out (a hostile n_layers must not loop).
  const floats = V * C + L * (2 * C + 2 * C * C + 2 * kv * C + 3 * C * F) + C + (version === 0 ? seqLen * D : 0) + (shared ? 0 : V * C);
  const expected = (version === 1 ? V1_HEADER : 28) + 4 * floats;
  if (expected !== src.size) {
    throw fail(`the config (dim ${C}, hidden ${F}, ${L} layers, ${nHeads}/${nKvHeads} heads, vocab ${V}${shared ? "" : " untied"}, seq_len ${seqLen}) implies ${expected} bytes, the file has ${src.size}`);
  }

  // Per-layer stacks are split into one tensor per layer ("layers.{l}.{field}").
  const tensors: Llama2cTensor[] = [];
  let off = version === 1 ? V1_HEADER : 28;
  const add = (name: string, shape: number[]): void => {
    tensors.push({ name, shape, offset: off });
    off += shape.reduce((a, b) => a * b, 1) * 4;
  };
  const stack = (field: string, shape: number[]): void => {
    for (let l = 0; l < L; l++) add(`layers.${l}.${field}`, shape);
  };
  const matrices = (): void => {
    stack("wq", [C, C]);
    stack("wk", [kv, C]);
    stack("wv", [kv, C]);
    stack("wo", [C, C]);
    if (version === 1) {
      stack("w1", [F, C]);
      stack("w2", [C, F]);
      stack("w3", [F, C]);
    }
  };
  if (version === 0) {
    add("token_embedding_table", [V, C]);
    stack("rms_att_weight", [C]);
    matrices();
    stack("rms_ffn_weight", [C]);
    stack("w1", [F, C]);
    stack("w2", [C, F]);
    stack("w3", [F, C]);
    add("rms_final_weight", [C]);
    off += seqLen * D * 4; // freq_cis_real and freq_cis_imag: seq_len·D/2 floats each, unused (RoPE is computed)
  } else {
    stack("rms_att_weight", [C]);
    stack("rms_ffn_weight", [C]);
    add("rms_final_weight", [C]);
    add("token_embedding_table", [V, C]);
    matrices();
  }
  if (!shared) add("wcls", [V, C]);
  if (off !== src.size) throw new Error(`llama2c layout bug: ${off} ≠ ${src.size}`);
  return { source: src, config: { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen, sharedClassifier: shared, version }, tensors };
}

/** One tensor's values as f32 (a fresh copy). */
export function llama2cTensorData(f: Llama2cFile, t: Llama2cTensor): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  return new Float32Array(f.source.read(t.offset, n * 4).slice().buffer);
}
