// llama.cpp's GGUF metadata conventions: builders for the architecture and tokenizer keys with the wire
// types llama.cpp's loader insists on (llama-model-loader get_key checks types strictly), and a checker.
// Sources: gguf-py constants.py / gguf_writer.py and llama.cpp llama-arch.cpp, llama-vocab.cpp (c392e509).
// Not here: mapping model weights to tensor names (models/), choosing tokenizer contents (tokenizer/).
import type { GgufValue, GgufMetadata, GgufTypeName } from "./value.js";

/** llama.cpp's general.file_type values (enum llama_ftype) for the types kotodama writes. */
export const LlamaFileType = { ALL_F32: 0, MOSTLY_F16: 1, MOSTLY_Q4_0: 2, MOSTLY_Q8_0: 7, MOSTLY_Q4_K_M: 15, MOSTLY_BF16: 32 } as const;

export interface ArchMetadata {
  /** "llama" or "gpt2" (llama.cpp architecture names). */
  readonly arch: string;
  readonly name?: string;
  readonly contextLength: number;
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly feedForwardLength: number;
  readonly headCount: number;
  readonly headCountKv?: number;
  /** RMSNorm epsilon (llama). */
  readonly rmsEps?: number;
  /** LayerNorm epsilon (gpt2). */
  readonly layerNormEps?: number;
  readonly ropeFreqBase?: number;
  readonly ropeDimensionCount?: number;
  readonly vocabSize?: number;
  readonly fileType?: number;
}

const u32 = (value: number): GgufValue => ({ type: "uint32", value });
const f32 = (value: number): GgufValue => ({ type: "float32", value });
const str = (value: string): GgufValue => ({ type: "string", value });

/** general.* and <arch>.* keys, in gguf-py's order, with llama.cpp's types (counts uint32, eps float32). */
export function archMetadata(a: ArchMetadata): [string, GgufValue][] {
  const p = a.arch;
  const out: [string, GgufValue][] = [["general.architecture", str(p)]];
  if (a.name !== undefined) out.push(["general.name", str(a.name)]);
  out.push([`${p}.context_length`, u32(a.contextLength)]);
  out.push([`${p}.embedding_length`, u32(a.embeddingLength)]);
  out.push([`${p}.block_count`, u32(a.blockCount)]);
  out.push([`${p}.feed_forward_length`, u32(a.feedForwardLength)]);
  out.push([`${p}.attention.head_count`, u32(a.headCount)]);
  if (a.headCountKv !== undefined) out.push([`${p}.attention.head_count_kv`, u32(a.headCountKv)]);
  if (a.ropeDimensionCount !== undefined) out.push([`${p}.rope.dimension_count`, u32(a.ropeDimensionCount)]);
  if (a.ropeFreqBase !== undefined) out.push([`${p}.rope.freq_base`, f32(a.ropeFreqBase)]);
  if (a.rmsEps !== undefined) out.push([`${p}.attention.layer_norm_rms_epsilon`, f32(a.rmsEps)]);
  if (a.layerNormEps !== undefined) out.push([`${p}.attention.layer_norm_epsilon`, f32(a.layerNormEps)]);
  if (a.vocabSize !== undefined) out.push([`${p}.vocab_size`, u32(a.vocabSize)]);
  if (a.fileType !== undefined) out.push(["general.file_type", u32(a.fileType)]);
  return out;
}

export interface TokenizerMetadata {
  /** tokenizer.ggml.model: "llama" (SentencePiece), "gpt2" (byte-level BPE), "bert", ... */
  readonly model: string;
  /** tokenizer.ggml.pre: the pre-tokenizer name ("default", "llama-bpe", "gpt-2", ...); gpt2 models want it. */
  readonly pre?: string;
  readonly tokens: readonly string[];
  readonly scores?: Float32Array;
  /** llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte. */
  readonly tokenTypes?: Int32Array;
  /** BPE merges as "left right" strings (gpt2 models). */
  readonly merges?: readonly string[];
  readonly bosId?: number;
  readonly eosId?: number;
  readonly unkId?: number;
  readonly padId?: number;
  readonly addBos?: boolean;
  readonly addEos?: boolean;
  readonly addSpacePrefix?: boolean;
}

/** tokenizer.ggml.* keys with llama.cpp's types (ids uint32, flags bool, scores float32[], types int32[]). */
export function tokenizerMetadata(t: TokenizerMetadata): [string, GgufValue][] {
  const out: [string, GgufValue][] = [["tokenizer.ggml.model", str(t.model)]];
  if (t.pre !== undefined) out.push(["tokenizer.ggml.pre", str(t.pre)]);
  out.push(["tokenizer.ggml.tokens", { type: "array", itemType: "string", value: [...t.tokens] }]);
  if (t.scores !== undefined) out.push(["tokenizer.ggml.scores", { type: "array", itemType: "float32", value: t.scores }]);
  if (t.tokenTypes !== undefined) out.push(["tokenizer.ggml.token_type", { type: "array", itemType: "int32", value: t.tokenTypes }]);
  if (t.merges !== undefined) out.push(["tokenizer.ggml.merges", { type: "array", itemType: "string", value: [...t.merges] }]);
  if (t.bosId !== undefined) out.push(["tokenizer.ggml.bos_token_id", u32(t.bosId)]);
  if (t.eosId !== undefined) out.push(["tokenizer.ggml.eos_token_id", u32(t.eosId)]);
  if (t.unkId !== undefined) out.push(["tokenizer.ggml.unknown_token_id", u32(t.unkId)]);
  if (t.padId !== undefined) out.push(["tokenizer.ggml.padding_token_id", u32(t.padId)]);
  if (t.addBos !== undefined) out.push(["tokenizer.ggml.add_bos_token", { type: "bool", value: t.addBos }]);
  if (t.addEos !== undefined) out.push(["tokenizer.ggml.add_eos_token", { type: "bool", value: t.addEos }]);
  if (t.addSpacePrefix !== undefined) out.push(["tokenizer.ggml.add_space_prefix", { type: "bool", value: t.addSpacePrefix }]);
  return out;
}

/** Wire types llama.cpp expects for known keys ("<arch>" stands for the architecture prefix). */
const expectedTypes: Record<string, GgufTypeName | `array:${GgufTypeName}`> = {
  "general.architecture": "string",
  "general.name": "string",
  "general.alignment": "uint32",
  "general.file_type": "uint32",
  "general.quantization_version": "uint32",
  "<arch>.vocab_size": "uint32",
  "<arch>.context_length": "uint32",
  "<arch>.embedding_length": "uint32",
  "<arch>.block_count": "uint32",
  "<arch>.feed_forward_length": "uint32",
  "<arch>.attention.head_count": "uint32",
  "<arch>.attention.head_count_kv": "uint32",
  "<arch>.attention.layer_norm_rms_epsilon": "float32",
  "<arch>.attention.layer_norm_epsilon": "float32",
  "<arch>.rope.freq_base": "float32",
  "<arch>.rope.dimension_count": "uint32",
  "tokenizer.ggml.model": "string",
  "tokenizer.ggml.pre": "string",
  "tokenizer.ggml.tokens": "array:string",
  "tokenizer.ggml.scores": "array:float32",
  "tokenizer.ggml.token_type": "array:int32",
  "tokenizer.ggml.merges": "array:string",
  "tokenizer.ggml.bos_token_id": "uint32",
  "tokenizer.ggml.eos_token_id": "uint32",
  "tokenizer.ggml.unknown_token_id": "uint32",
  "tokenizer.ggml.padding_token_id": "uint32",
  "tokenizer.ggml.seperator_token_id": "uint32",
  "tokenizer.ggml.add_bos_token": "bool",
  "tokenizer.ggml.add_eos_token": "bool",
  "tokenizer.ggml.add_space_prefix": "bool",
};

const required: Record<string, readonly string[]> = {
  llama: ["context_length", "embedding_length", "block_count", "feed_forward_length", "attention.head_count", "attention.layer_norm_rms_epsilon"],
  gpt2: ["context_length", "embedding_length", "block_count", "feed_forward_length", "attention.head_count", "attention.layer_norm_epsilon"],
};

/** Problems llama.cpp's loader would report for this metadata (empty = none found): missing required keys,
 *  wrong wire types, token arrays of different lengths, special-token ids out of range (except the
 *  0xFFFFFFFF "none" that llama.cpp's llama2.c converter writes). */
export function checkLlamaCppMetadata(meta: GgufMetadata): string[] {
  const problems: string[] = [];
  const archV = meta.get("general.architecture");
  if (archV?.type !== "string") return ["general.architecture (string) is missing"];
  const arch = archV.value;
  for (const [key, v] of meta) {
    const pattern = key.startsWith(`${arch}.`) ? `<arch>.${key.slice(arch.length + 1)}` : key;
    const want = expectedTypes[pattern];
    if (want === undefined) continue;
    const got = v.type === "array" ? `array:${v.itemType}` : v.type;
    if (got !== want) problems.push(`${key}: llama.cpp expects ${want}, found ${got}`);
  }
  for (const k of required[arch] ?? []) if (!meta.has(`${arch}.${k}`)) problems.push(`${arch}.${k} is missing`);
  const model = meta.get("tokenizer.ggml.model");
  const tokens = meta.get("tokenizer.ggml.tokens");
  if (model !== undefined) {
    if (tokens?.type !== "array") problems.push("tokenizer.ggml.tokens is missing");
    else {
      const n = tokens.value.length;
      for (const k of ["tokenizer.ggml.scores", "tokenizer.ggml.token_type"]) {
        const a = meta.get(k);
        if (a?.type === "array" && a.value.length !== n) problems.push(`${k} has ${a.value.length} entries, tokens has ${n}`);
      }
      for (const k of ["bos", "eos", "unknown", "padding", "seperator"]) {
        const v = meta.get(`tokenizer.ggml.${k}_token_id`);
        if (v?.type === "uint32" && v.value >= n && v.value !== 0xffffffff) problems.push(`tokenizer.ggml.${k}_token_id ${v.value} ≥ vocab size ${n}`);
      }
    }
    if (model.type === "string" && model.value === "gpt2" && !meta.has("tokenizer.ggml.merges")) problems.push("gpt2 tokenizer needs tokenizer.ggml.merges");
  }
  return problems;
}
