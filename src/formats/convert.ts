// Converting a Llama checkpoint between formats: GGUF, a Hugging Face folder or a llama2.c .bin in; GGUF or a
// Hugging Face folder out; optionally to another tensor type (f32, f16, bf16, q8_0, q4_0). Tensors stream one at
// a time. Not here: reading the checkpoint's layout (llama-layout.ts), the CLI (cli/commands/convert.ts).
//
// Conventions (what llama.cpp and transformers do, so that they accept the output):
// - Q/K rows are permuted between Hugging Face's rotate-half order and GGUF's adjacent pairs (rope-permute.ts).
// - --type q8_0/q4_0 quantizes every 2-D weight, token_embd and output included (llama-quantize --pure);
//   1-D norms stay F32; a weight whose rows are not whole blocks (stories260K's ffn_down, rows of 172) keeps
//   its source type (F32/F16/BF16), and the report says so (llama-quantize itself refuses such tensors).
// - GGUF from GGUF keeps every metadata key (general.file_type updated); from elsewhere the llama keys are
//   built by gguf/conventions.ts and the tokenizer comes from --tokenizer (a GGUF file or a llama2.c
//   tokenizer.bin) or, for a llama2.c checkpoint, a tokenizer.bin / tok{V}.bin beside it.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ByteLevelBpe } from "../tokenizer/bpe.js";
import { tokenizerFromGgufMetadata } from "../tokenizer/gguf-vocab.js";
import { saveHfTokenizer } from "../tokenizer/hf-json.js";
import { loadTokenizer } from "../tokenizer/load.js";
import { NAMED_PATTERNS } from "../tokenizer/pretokenize.js";
import { SentencePieceBpe, TokenType } from "../tokenizer/spm.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { KotodamaError } from "../util/errors.js";
import { archMetadata, checkLlamaCppMetadata, LlamaFileType, tokenizerMetadata } from "./gguf/conventions.js";
import { ggmlTypeByName } from "./gguf/ggml-types.js";
import { GGUF_MAGIC, readGguf } from "./gguf/read.js";
import type { GgufMetadata, GgufValue } from "./gguf/value.js";
import { writeGgufFile, type GgufTensorToWrite } from "./gguf/write.js";
import { writeHfFolder } from "./hf/folder.js";
import { llamaHeadDim, readLlamaCheckpoint, type LlamaCheckpoint, type LlamaHparams, type LlamaWeight } from "./llama-layout.js";
import { quantize } from "./quant/index.js";
import { permuteQkRows, type RopeRowOrder } from "./rope-permute.js";
import { openTensorFile, tensorF32, type FileFormat, type TensorFile } from "./tensor-file.js";

export type ConvertType = "f32" | "f16" | "bf16" | "q8_0" | "q4_0";
export const CONVERT_TYPES: readonly ConvertType[] = ["f32", "f16", "bf16", "q8_0", "q4_0"];
const GGML_NAME: Record<ConvertType, string> = { f32: "F32", f16: "F16", bf16: "BF16", q8_0: "Q8_0", q4_0: "Q4_0" };
const FILE_TYPE: Record<string, number> = {
  F32: LlamaFileType.ALL_F32, F16: LlamaFileType.MOSTLY_F16, BF16: LlamaFileType.MOSTLY_BF16, Q8_0: LlamaFileType.MOSTLY_Q8_0, Q4_0: LlamaFileType.MOSTLY_Q4_0,
};

export interface ConvertOptions {
  /** Tensor type of the output (default: keep each tensor's type; quantized → F32 for a Hugging Face folder). */
  readonly type?: ConvertType;
  /** Tokenizer for a GGUF output whose source carries none: a GGUF file or a llama2.c tokenizer.bin. */
  readonly tokenizer?: string;
}

export interface ConvertedTensor {
  /** Name in the output. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly from: string;
  readonly to: string;
  /** Why the type differs from the one asked for, when it does. */
  readonly note?: string;
}

export interface ConvertReport {
  readonly input: string;
  readonly output: string;
  readonly inputFormat: FileFormat;
  readonly outputFormat: "gguf" | "hf-folder";
  readonly hparams: LlamaHparams;
  readonly tensors: readonly ConvertedTensor[];
  readonly notes: readonly string[];
}

/** The output format a path asks for: "*.gguf" → GGUF; anything else is a Hugging Face folder. */
export function outputFormatOf(path: string): "gguf" | "hf-folder" {
  if (path.toLowerCase().endsWith(".gguf")) return "gguf";
  if (/\.(bin|safetensors|pt|pth)$/i.test(path)) {
    throw new KotodamaError(`convert: cannot write ${path}: outputs are a .gguf file or a Hugging Face folder (a directory path)`);
  }
  if (existsSync(path) && !statSync(path).isDirectory()) throw new KotodamaError(`convert: ${path} exists and is not a directory (Hugging Face output is a folder)`);
  return "hf-folder";
}

/** The stored type of weight w in the output, and why it is not the requested one when it is not. */
function targetType(w: LlamaWeight, out: "gguf" | "hf-folder", type: ConvertType | undefined): { to: string; note?: string } {
  const src = w.entry.dtype;
  const plain = src === "F32" || src === "F16" || src === "BF16";
  if (out === "hf-folder") return { to: type !== undefined ? GGML_NAME[type] : plain ? src : "F32" };
  if (type === undefined) return { to: src };
  if (w.shape.length === 1) return { to: "F32" }; // norms stay F32 (llama.cpp's converters and llama-quantize)
  const want = GGML_NAME[type];
  const block = ggmlTypeByName(want)!.blockSize;
  const row = w.shape[w.shape.length - 1]!;
  if (row % block === 0) return { to: want };
  const keep = plain ? src : "F32";
  return { to: keep, note: `rows of ${row} are not whole ${want} blocks of ${block}: kept ${keep}` };
}

/** The bytes of weight w as `to`, Q/K rows permuted when the RoPE order changes. */
function tensorData(w: LlamaWeight, to: string, hp: LlamaHparams, permute: RopeRowOrder | null): Uint8Array {
  const heads = w.qk === "q" ? hp.nHeads : hp.nKvHeads;
  const rows = w.shape[0]!;
  if (to === w.entry.dtype) {
    const raw = w.entry.bytes();
    return permute !== null && w.qk !== null ? permuteQkRows(raw, raw.length / rows, heads, permute) : raw;
  }
  let x = tensorF32(w.entry);
  if (permute !== null && w.qk !== null) x = permuteQkRows(x, x.length / rows, heads, permute);
  const id = ggmlTypeByName(to);
  if (id === undefined) throw new KotodamaError(`convert: no ggml type "${to}"`);
  return quantize(id.id, x);
}

/** The tokenizer file that goes with the source when --tokenizer is not given: tokenizer.json in a folder or
 *  run directory; tokenizer.bin or tok{V}.bin (llama2.c's name for small ones) beside a .bin checkpoint. */
function defaultTokenizer(f: TensorFile, hp: LlamaHparams): string | undefined {
  const candidates =
    f.format === "llama2c" ? [join(dirname(f.path), "tokenizer.bin"), join(dirname(f.path), `tok${hp.vocabSize}.bin`)]
    : f.format === "hf-folder" ? [join(f.path, "tokenizer.json")] : [];
  return candidates.find((p) => existsSync(p));
}

/** llama.cpp's tokenizer.ggml.pre name for a byte-level BPE regex (kotodama's own pattern keeps its name, which
 *  kotodama reads back but llama.cpp does not know). */
function preName(pattern: string): string | undefined {
  const name = Object.entries(NAMED_PATTERNS).find(([, p]) => p === pattern)?.[0];
  return name === "llama3" ? "llama-bpe" : name === "gpt-4" ? undefined : name;
}

/** A tokenizer as tokenizer.ggml.* entries: SentencePiece by scores → "llama", byte-level BPE → "gpt2";
 *  padded with "[PAD{i}]" unused tokens up to the model's vocabulary (as llama.cpp's converter pads). */
function tokenizerAsGguf(tok: Tokenizer, vocabSize: number, where: string, notes: string[]): [string, GgufValue][] {
  let tokens: string[];
  let types: number[];
  let scores: number[] | undefined;
  let meta: Omit<Parameters<typeof tokenizerMetadata>[0], "tokens" | "scores" | "tokenTypes">;
  if (tok instanceof SentencePieceBpe) {
    const s = tok.spec;
    if (s.merging.by !== "scores") throw new KotodamaError(`convert: ${where}: a SentencePiece vocabulary with merge ranks has no GGUF "llama" form; expected scores`);
    [tokens, types, scores] = [[...s.vocab], Array.from(s.types), Array.from(s.merging.scores)];
    meta = {
      model: "llama", bosId: s.special.bos, eosId: s.special.eos, unkId: s.special.unk, padId: s.special.pad,
      ...(s.addBos ? {} : { addBos: false }), ...(s.addSpacePrefix ? {} : { addSpacePrefix: false }),
    };
  } else if (tok instanceof ByteLevelBpe) {
    const s = tok.spec;
    tokens = [...s.vocab];
    types = tokens.map(() => TokenType.normal);
    for (const a of s.added) types[a.id] = a.special ? TokenType.control : TokenType.userDefined;
    const pre = preName(s.pattern);
    if (pre === undefined) notes.push(`tokenizer pre-tokenizer regex has no llama.cpp name: written as "default" (llama.cpp then splits text its own way)`);
    else if (pre === "kotodama") notes.push(`tokenizer.ggml.pre "kotodama": kotodama reads it back exactly; llama.cpp does not know this pre-tokenizer and would refuse the vocabulary`);
    meta = {
      model: "gpt2", pre: pre ?? "default", merges: s.merges.map(([a, b]) => `${a} ${b}`),
      bosId: s.special.bos, eosId: s.special.eos, unkId: s.special.unk, padId: s.special.pad, ...(s.addBos ? { addBos: true } : {}),
    };
  } else {
    throw new KotodamaError(`convert: ${where}: a ${tok.kind} tokenizer cannot be written as GGUF metadata`);
  }
  if (tokens.length > vocabSize) throw new KotodamaError(`convert: tokenizer ${where} has ${tokens.length} tokens, the model's vocabulary only ${vocabSize}`);
  if (tokens.length < vocabSize) notes.push(`tokenizer padded from ${tokens.length} to the model's ${vocabSize} tokens with unused "[PAD{i}]" tokens`);
  for (let i = tokens.length; i < vocabSize; i++) {
    tokens.push(`[PAD${i}]`);
    types.push(TokenType.unused);
    scores?.push(-1000);
  }
  return tokenizerMetadata({ ...meta, tokens, tokenTypes: Int32Array.from(types), ...(scores === undefined ? {} : { scores: Float32Array.from(scores) }) });
}

/** tokenizer.ggml.* entries from a tokenizer file: a GGUF file's keys copied as they are, anything else that
 *  loadTokenizer reads (tokenizer.json, llama2.c tokenizer.bin) converted. */
function tokenizerEntries(path: string, vocabSize: number, notes: string[]): [string, GgufValue][] {
  const head = readFileSync(path).subarray(0, 4);
  if (head.length === 4 && head.readUInt32LE(0) === GGUF_MAGIC) {
    const entries = [...readGguf(path).metadata].filter(([k]) => k.startsWith("tokenizer."));
    if (entries.length === 0) throw new KotodamaError(`convert: --tokenizer ${path} is a GGUF file without tokenizer.* metadata`);
    return entries;
  }
  return tokenizerAsGguf(loadTokenizer(path), vocabSize, path, notes);
}

function ggufMetadata(ck: LlamaCheckpoint, source: GgufMetadata | null, fileType: number, quantized: boolean, tokenizer: string | undefined, notes: string[]): Map<string, GgufValue> {
  const u32 = (value: number): GgufValue => ({ type: "uint32", value });
  let meta: Map<string, GgufValue>;
  if (source !== null) {
    meta = new Map(source);
    // llama-quantize's order when the source has neither key: quantization_version, then file_type.
    if (quantized && !meta.has("general.quantization_version")) meta.set("general.quantization_version", u32(2));
    meta.set("general.file_type", u32(fileType));
    if (tokenizer !== undefined) notes.push("--tokenizer ignored: the GGUF source carries its own tokenizer");
  } else {
    const h = ck.hp;
    meta = new Map(archMetadata({
      arch: "llama", name: h.name, contextLength: h.context, embeddingLength: h.dim, blockCount: h.nLayers,
      feedForwardLength: h.hiddenDim, headCount: h.nHeads, headCountKv: h.nKvHeads, rmsEps: h.rmsEps,
      ropeFreqBase: h.ropeTheta, ropeDimensionCount: llamaHeadDim(h), vocabSize: h.vocabSize, fileType,
    }));
    if (tokenizer === undefined) {
      notes.push("no tokenizer written (pass --tokenizer FILE: a GGUF file or a llama2.c tokenizer.bin); llama.cpp needs one to run the model");
    } else {
      const entries = tokenizerEntries(tokenizer, h.vocabSize, notes);
      const tokens = entries.find(([k]) => k === "tokenizer.ggml.tokens")?.[1];
      if (tokens?.type === "array" && tokens.value.length !== h.vocabSize) {
        throw new KotodamaError(`convert: tokenizer ${tokenizer} has ${tokens.value.length} tokens, the model's vocabulary ${h.vocabSize}`);
      }
      for (const [k, v] of entries) meta.set(k, v);
      notes.push(`tokenizer from ${tokenizer}`);
    }
  }
  if (quantized && !meta.has("general.quantization_version")) meta.set("general.quantization_version", u32(2));
  for (const p of checkLlamaCppMetadata(meta)) notes.push(`llama.cpp metadata check: ${p}`);
  return meta;
}

/** Shortest decimal that reads back as the same f32 (an epsilon stored as f32 prints as 1e-5, not 9.99…e-6). */
function f32Decimal(x: number): number {
  for (let p = 1; p <= 9; p++) {
    const v = Number(x.toPrecision(p));
    if (Math.fround(v) === Math.fround(x)) return v;
  }
  return x;
}

function hfConfig(h: LlamaHparams, dtype: string, tok: Tokenizer | undefined): { config: Record<string, unknown>; generation: Record<string, unknown> } {
  const special = { bos_token_id: tok?.special.bos, eos_token_id: tok?.special.eos };
  const config = {
    architectures: ["LlamaForCausalLM"], model_type: "llama", attention_bias: false, attention_dropout: 0.0, mlp_bias: false,
    hidden_act: "silu", hidden_size: h.dim, intermediate_size: h.hiddenDim, head_dim: llamaHeadDim(h), initializer_range: 0.02,
    max_position_embeddings: h.context, num_attention_heads: h.nHeads, num_hidden_layers: h.nLayers,
    num_key_value_heads: h.nKvHeads, pretraining_tp: 1, rms_norm_eps: f32Decimal(h.rmsEps), rope_scaling: null,
    rope_theta: f32Decimal(h.ropeTheta ?? 10000), tie_word_embeddings: h.tied,
    torch_dtype: dtype === "F16" ? "float16" : dtype === "BF16" ? "bfloat16" : "float32", use_cache: true, vocab_size: h.vocabSize,
    ...special,
  };
  return { config, generation: { _from_model_config: true, ...special } };
}

/** Converts IN to OUT (see the file comment) and says what it did. Overwrites OUT. */
export function convertModel(input: string, output: string, options: ConvertOptions = {}): ConvertReport {
  for (const k of Object.keys(options)) if (k !== "type" && k !== "tokenizer") throw new KotodamaError(`convert: unknown option '${k}'; expected type, tokenizer`);
  if (options.type !== undefined && !CONVERT_TYPES.includes(options.type)) {
    throw new KotodamaError(`convert: type must be one of ${CONVERT_TYPES.join(", ")}, got '${String(options.type)}'`);
  }
  if (resolve(input) === resolve(output)) throw new KotodamaError(`convert: ${output} is the input itself (tensors are read while the output is written)`);
  const outFormat = outputFormatOf(output);
  if (outFormat === "hf-folder" && (options.type === "q8_0" || options.type === "q4_0")) {
    throw new KotodamaError(`convert: a Hugging Face folder holds f32, f16 or bf16 tensors, not ${options.type} (write a .gguf file to quantize)`);
  }
  const f = openTensorFile(input);
  const ck = readLlamaCheckpoint(f);
  const notes = [...ck.notes];
  const targetOrder = outFormat === "gguf" ? "adjacent" : "half";
  const permute: RopeRowOrder | null = ck.ropeOrder === targetOrder ? null : targetOrder === "adjacent" ? "hf-to-gguf" : "gguf-to-hf";
  if (permute !== null) notes.push(`Q/K rows permuted ${permute} (RoPE pair order)`);
  const plan = ck.weights.map((w) => ({ w, ...targetType(w, outFormat, options.type) }));
  const tensors: ConvertedTensor[] = plan.map(({ w, to, note }) => ({
    name: outFormat === "gguf" ? w.gguf : w.hf, shape: w.shape, from: w.entry.dtype, to, ...(note === undefined ? {} : { note }),
  }));
  const dataOf = (i: number): (() => Uint8Array) => () => tensorData(plan[i]!.w, plan[i]!.to, ck.hp, permute);

  if (outFormat === "gguf") {
    const quantized = plan.some((p) => ggmlTypeByName(p.to)!.blockSize > 1);
    const mainType = options.type !== undefined ? GGML_NAME[options.type] : (plan.find((p) => p.w.shape.length === 2)?.to ?? "F32");
    const fileType = FILE_TYPE[mainType] ?? LlamaFileType.ALL_F32;
    const tokenizer = options.tokenizer ?? (f.format === "gguf" ? undefined : defaultTokenizer(f, ck.hp));
    const metadata = ggufMetadata(ck, f.format === "gguf" ? f.metadata : null, fileType, quantized, tokenizer, notes);
    const gt: GgufTensorToWrite[] = plan.map((p, i) => ({ name: p.w.gguf, dims: [...p.w.shape].reverse(), type: ggmlTypeByName(p.to)!.id, data: dataOf(i) }));
    writeGgufFile(output, { metadata, tensors: gt });
  } else {
    const dtypes = new Set(plan.map((p) => p.to));
    const tokFile = options.tokenizer ?? defaultTokenizer(f, ck.hp);
    const tok = f.format === "gguf" && f.metadata.has("tokenizer.ggml.model") ? tokenizerFromGgufMetadata(f.metadata, f.path) : tokFile !== undefined ? loadTokenizer(tokFile) : undefined;
    const { config, generation } = hfConfig(ck.hp, dtypes.size === 1 ? [...dtypes][0]! : "F32", tok);
    writeHfFolder(output, {
      config, generationConfig: generation,
      tensors: plan.map((p, i) => ({ name: p.w.hf, dtype: p.to, shape: p.w.shape, data: dataOf(i) })),
    });
    notes.push(hfTokenizer(tok, tokFile ?? f.path, join(output, "tokenizer.json")));
  }
  return { input, output, inputFormat: f.format, outputFormat: outFormat, hparams: ck.hp, tensors, notes };
}

/** Writes tokenizer.json when the vocabulary is byte-level BPE; says what happened. */
function hfTokenizer(tok: Tokenizer | undefined, from: string, out: string): string {
  if (tok === undefined) return "no tokenizer.json written (no tokenizer found; pass --tokenizer FILE)";
  if (!(tok instanceof ByteLevelBpe)) {
    return `no tokenizer.json written: exporting a ${tok.kind} vocabulary to tokenizer.json is not supported yet; convert back to GGUF with --tokenizer ${from}`;
  }
  saveHfTokenizer(tok, out);
  return "tokenizer.json written (byte-level BPE)";
}
