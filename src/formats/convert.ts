// Converting a Llama or GPT-2 checkpoint between formats: GGUF, a Hugging Face folder, a kotodama run directory
// or a llama2.c .bin in; GGUF or a Hugging Face folder out; optionally to another tensor type (f32, f16, bf16,
// q8_0, q4_0, q4_k). Tensors stream one at a time. Not here: reading the checkpoint's layout (llama-layout.ts,
// gpt2-layout.ts), the CLI (cli/commands/convert.ts).
//
// Conventions (what llama.cpp and transformers do, so that they accept the output):
// - Q/K rows are permuted between Hugging Face's rotate-half order and GGUF's adjacent pairs (rope-permute.ts).
// - GPT-2's Conv1D weights (c_attn, c_proj, c_fc) are transposed between transformers' (in, out) and GGUF's
//   (out, in), as llama.cpp's convert_hf_to_gguf.py GPT2Model does; position_embd stays F32 under --type
//   (convert_hf_to_gguf keeps POS_EMBD F32, llama-quantize never quantizes it).
// - --type q8_0/q4_0/q4_k quantizes every 2-D weight, token_embd and output included (llama-quantize --pure);
//   1-D norms stay F32; a weight whose rows are not whole blocks (stories260K's ffn_down, rows of 172) keeps
//   its source type (F32/F16/BF16), and the report says so (llama-quantize itself refuses such tensors).
// - GGUF from GGUF keeps every metadata key (general.file_type updated); from elsewhere the llama keys are
//   built by gguf/conventions.ts and the tokenizer comes from --tokenizer (a GGUF file or a llama2.c
//   tokenizer.bin) or, for a llama2.c checkpoint, a tokenizer.bin / tok{V}.bin beside it.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ByteLevelBpe } from "../tokenizer/bpe.js";
import { ggufChatTemplateEntries, saveHfTokenizerConfig } from "../tokenizer/chat-template-source.js";
import { chatTemplatesFor } from "../tokenizer/kotodama-chat.js";
import { tokenizerFromGgufMetadata } from "../tokenizer/gguf-vocab.js";
import { saveHfTokenizer } from "../tokenizer/hf-json.js";
import { loadTokenizer } from "../tokenizer/load.js";
import { llamaCppPreName } from "../tokenizer/pretokenizers-llamacpp.js";
import { SentencePieceBpe, TokenType } from "../tokenizer/spm.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { KotodamaError } from "../util/errors.js";
import { archMetadata, checkLlamaCppMetadata, LlamaFileType, tokenizerMetadata } from "./gguf/conventions.js";
import { ggmlTypeByName } from "./gguf/ggml-types.js";
import { GGUF_MAGIC, readGguf } from "./gguf/read.js";
import type { GgufMetadata, GgufValue } from "./gguf/value.js";
import { writeGgufFile, type GgufTensorToWrite } from "./gguf/write.js";
import { writeHfFolder } from "./hf/folder.js";
import { isGpt2Checkpoint, readGpt2Checkpoint, type Gpt2Hparams, type Gpt2Weight } from "./gpt2-layout.js";
import { llamaHeadDim, readLlamaCheckpoint, type LlamaHparams, type LlamaWeight } from "./llama-layout.js";
import { quantize } from "./quant/index.js";
import { permuteQkRows, type RopeRowOrder } from "./rope-permute.js";
import { openTensorFile, tensorF32, type FileFormat, type TensorEntry, type TensorFile } from "./tensor-file.js";

export type ConvertType = "f32" | "f16" | "bf16" | "q8_0" | "q4_0" | "q4_k";
export const CONVERT_TYPES: readonly ConvertType[] = ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_k"];
const GGML_NAME: Record<ConvertType, string> = { f32: "F32", f16: "F16", bf16: "BF16", q8_0: "Q8_0", q4_0: "Q4_0", q4_k: "Q4_K" };
const FILE_TYPE: Record<string, number> = {
  F32: LlamaFileType.ALL_F32, F16: LlamaFileType.MOSTLY_F16, BF16: LlamaFileType.MOSTLY_BF16, Q8_0: LlamaFileType.MOSTLY_Q8_0, Q4_0: LlamaFileType.MOSTLY_Q4_0, Q4_K: LlamaFileType.MOSTLY_Q4_K_M,
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
  /** The model family: GGUF architecture "llama" (LlamaForCausalLM) or "gpt2" (GPT2LMHeadModel). */
  readonly arch: "llama" | "gpt2";
  readonly hparams: LlamaHparams | Gpt2Hparams;
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

/** A weight of either family as the writers see it: names, GGUF shape, Hugging Face shape, source tensor, and
 *  its bytes as a given type in the output's layout. */
interface SourceWeight {
  readonly gguf: string;
  readonly hf: string;
  /** Row-major as GGUF holds it (ne reversed). */
  readonly shape: readonly number[];
  /** Row-major as the Hugging Face folder holds it (GPT-2 Conv1D: shape reversed). */
  readonly hfShape: readonly number[];
  readonly entry: TensorEntry;
  bytesAs(to: string): Uint8Array;
}

/** The stored type of weight w in the output, and why it is not the requested one when it is not. */
function targetType(w: SourceWeight, out: "gguf" | "hf-folder", type: ConvertType | undefined): { to: string; note?: string } {
  const src = w.entry.dtype;
  const plain = src === "F32" || src === "F16" || src === "BF16";
  if (out === "hf-folder") return { to: type !== undefined ? GGML_NAME[type] : plain ? src : "F32" };
  if (type === undefined) return { to: src };
  if (w.shape.length === 1) return { to: "F32" }; // norms stay F32 (llama.cpp's converters and llama-quantize)
  if (w.gguf === "position_embd.weight") return { to: "F32" }; // convert_hf_to_gguf keeps POS_EMBD F32
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

/** (rows, cols) → (cols, rows) of elements of `size` bytes. */
function transposeBytes(x: Uint8Array, rows: number, cols: number, size: number): Uint8Array {
  const y = new Uint8Array(x.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) y.set(x.subarray((r * cols + c) * size, (r * cols + c + 1) * size), (c * rows + r) * size);
  }
  return y;
}

/** The bytes of GPT-2 weight w as `to`, in the output's layout: Conv1D weights (in, out) in a folder, (out, in)
 *  in GGUF. */
function gpt2TensorData(w: Gpt2Weight, to: string, out: "gguf" | "hf-folder"): Uint8Array {
  const flip = w.conv1d && w.entryTransposed !== (out === "hf-folder");
  const [rows, cols] = w.entry.shape.length === 2 ? [w.entry.shape[0]!, w.entry.shape[1]!] : [1, w.entry.nElements];
  if (to === w.entry.dtype && !(flip && w.entry.nBytes % w.entry.nElements !== 0)) {
    const raw = w.entry.bytes();
    return flip ? transposeBytes(raw, rows, cols, w.entry.nBytes / w.entry.nElements) : raw;
  }
  let x = tensorF32(w.entry);
  if (flip) x = new Float32Array(transposeBytes(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), rows, cols, 4).buffer);
  const id = ggmlTypeByName(to);
  if (id === undefined) throw new KotodamaError(`convert: no ggml type "${to}"`);
  return quantize(id.id, x);
}

/** The tokenizer file that goes with the source when --tokenizer is not given: tokenizer.json in a folder or
 *  run directory; tokenizer.bin or tok{V}.bin (llama2.c's name for small ones) beside a .bin checkpoint. */
function defaultTokenizer(f: TensorFile, hp: { readonly vocabSize: number }): string | undefined {
  const candidates =
    f.format === "llama2c" ? [join(dirname(f.path), "tokenizer.bin"), join(dirname(f.path), `tok${hp.vocabSize}.bin`)]
    : f.format === "hf-folder" ? [join(f.path, "tokenizer.json")] : [];
  return candidates.find((p) => existsSync(p));
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
    const pre = llamaCppPreName(s); // only names llama.cpp accepts and cuts identically with; throws otherwise
    meta = {
      model: "gpt2", pre, merges: s.merges.map(([a, b]) => `${a} ${b}`),
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
  const tok = loadTokenizer(path);
  return [...tokenizerAsGguf(tok, vocabSize, path, notes), ...chatTemplateAsGguf(tok, notes)];
}

/** tokenizer.chat_template for a tokenizer converted to GGUF: its own, or kotodama's for a kotodama vocabulary. */
function chatTemplateAsGguf(tok: Tokenizer, notes: string[]): [string, GgufValue][] {
  const t = chatTemplatesFor(tok);
  if (t !== undefined) notes.push(`chat template written (tokenizer.chat_template, from ${t.source})`);
  return t === undefined ? [] : ggufChatTemplateEntries(t);
}

/** general.* and <arch>.* keys of a model converted from elsewhere than GGUF (llama.cpp's names and types). */
function archEntries(arch: "llama" | "gpt2", hp: LlamaHparams | Gpt2Hparams, fileType: number): [string, GgufValue][] {
  const common = {
    name: hp.name, contextLength: hp.context, embeddingLength: hp.dim, blockCount: hp.nLayers, feedForwardLength: hp.hiddenDim,
    headCount: hp.nHeads, vocabSize: hp.vocabSize, fileType,
  };
  if (arch === "gpt2") return archMetadata({ arch, ...common, layerNormEps: (hp as Gpt2Hparams).normEps });
  const h = hp as LlamaHparams;
  return archMetadata({ arch, ...common, headCountKv: h.nKvHeads, rmsEps: h.rmsEps, ropeFreqBase: h.ropeTheta, ropeDimensionCount: llamaHeadDim(h) });
}

function ggufMetadata(arch: () => [string, GgufValue][], vocabSize: number, source: GgufMetadata | null, fileType: number, quantized: boolean, tokenizer: string | undefined, notes: string[]): Map<string, GgufValue> {
  const u32 = (value: number): GgufValue => ({ type: "uint32", value });
  let meta: Map<string, GgufValue>;
  if (source !== null) {
    meta = new Map(source);
    // llama-quantize's order when the source has neither key: quantization_version, then file_type.
    if (quantized && !meta.has("general.quantization_version")) meta.set("general.quantization_version", u32(2));
    meta.set("general.file_type", u32(fileType));
    if (tokenizer !== undefined) notes.push("--tokenizer ignored: the GGUF source carries its own tokenizer");
  } else {
    meta = new Map(arch());
    if (tokenizer === undefined) {
      notes.push("no tokenizer written (pass --tokenizer FILE: a GGUF file or a llama2.c tokenizer.bin); llama.cpp needs one to run the model");
    } else {
      const entries = tokenizerEntries(tokenizer, vocabSize, notes);
      const tokens = entries.find(([k]) => k === "tokenizer.ggml.tokens")?.[1];
      if (tokens?.type === "array" && tokens.value.length !== vocabSize) {
        throw new KotodamaError(`convert: tokenizer ${tokenizer} has ${tokens.value.length} tokens, the model's vocabulary ${vocabSize}`);
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

const torchDtype = (dtype: string): string => (dtype === "F16" ? "float16" : dtype === "BF16" ? "bfloat16" : "float32");

/** transformers' GPT2Config keys (n_ctx = n_positions as GPT-2's own config.json has it; the tanh GELU
 *  kotodama trains with is transformers' "gelu_new"). */
function gpt2HfConfig(h: Gpt2Hparams, dtype: string, tok: Tokenizer | undefined): { config: Record<string, unknown>; generation: Record<string, unknown> } {
  const special = { bos_token_id: tok?.special.bos, eos_token_id: tok?.special.eos };
  const config = {
    activation_function: "gelu_new", architectures: ["GPT2LMHeadModel"], model_type: "gpt2", initializer_range: 0.02,
    layer_norm_epsilon: f32Decimal(h.normEps), n_ctx: h.context, n_embd: h.dim, n_head: h.nHeads, n_inner: h.hiddenDim,
    n_layer: h.nLayers, n_positions: h.context, reorder_and_upcast_attn: false, scale_attn_by_inverse_layer_idx: false,
    scale_attn_weights: true, tie_word_embeddings: h.tied, torch_dtype: torchDtype(dtype), use_cache: true, vocab_size: h.vocabSize,
    ...special,
  };
  return { config, generation: { _from_model_config: true, ...special } };
}

function hfConfig(h: LlamaHparams, dtype: string, tok: Tokenizer | undefined): { config: Record<string, unknown>; generation: Record<string, unknown> } {
  const special = { bos_token_id: tok?.special.bos, eos_token_id: tok?.special.eos };
  const config = {
    architectures: ["LlamaForCausalLM"], model_type: "llama", attention_bias: false, attention_dropout: 0.0, mlp_bias: false,
    hidden_act: "silu", hidden_size: h.dim, intermediate_size: h.hiddenDim, head_dim: llamaHeadDim(h), initializer_range: 0.02,
    max_position_embeddings: h.context, num_attention_heads: h.nHeads, num_hidden_layers: h.nLayers,
    num_key_value_heads: h.nKvHeads, pretraining_tp: 1, rms_norm_eps: f32Decimal(h.rmsEps), rope_scaling: null,
    rope_theta: f32Decimal(h.ropeTheta ?? 10000), tie_word_embeddings: h.tied,
    torch_dtype: torchDtype(dtype), use_cache: true, vocab_size: h.vocabSize,
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
  if (outFormat === "hf-folder" && (options.type === "q8_0" || options.type === "q4_0" || options.type === "q4_k")) {
    throw new KotodamaError(`convert: a Hugging Face folder holds f32, f16 or bf16 tensors, not ${options.type} (write a .gguf file to quantize)`);
  }
  const f = openTensorFile(input);
  const arch = isGpt2Checkpoint(f) ? "gpt2" : "llama";
  let hp: LlamaHparams | Gpt2Hparams;
  let weights: SourceWeight[];
  const notes: string[] = [];
  if (arch === "gpt2") {
    const ck = readGpt2Checkpoint(f);
    hp = ck.hp;
    notes.push(...ck.notes);
    weights = ck.weights.map((w) => ({ ...w, hfShape: w.conv1d ? [...w.shape].reverse() : w.shape, bytesAs: (to: string) => gpt2TensorData(w, to, outFormat) }));
  } else {
    const ck = readLlamaCheckpoint(f);
    hp = ck.hp;
    notes.push(...ck.notes);
    const targetOrder = outFormat === "gguf" ? "adjacent" : "half";
    const permute: RopeRowOrder | null = ck.ropeOrder === targetOrder ? null : targetOrder === "adjacent" ? "hf-to-gguf" : "gguf-to-hf";
    if (permute !== null) notes.push(`Q/K rows permuted ${permute} (RoPE pair order)`);
    weights = ck.weights.map((w) => ({ ...w, hfShape: w.shape, bytesAs: (to: string) => tensorData(w, to, ck.hp, permute) }));
  }
  const plan = weights.map((w) => ({ w, ...targetType(w, outFormat, options.type) }));
  const tensors: ConvertedTensor[] = plan.map(({ w, to, note }) => ({
    name: outFormat === "gguf" ? w.gguf : w.hf, shape: outFormat === "gguf" ? w.shape : w.hfShape, from: w.entry.dtype, to, ...(note === undefined ? {} : { note }),
  }));
  const dataOf = (i: number): (() => Uint8Array) => () => plan[i]!.w.bytesAs(plan[i]!.to);

  if (outFormat === "gguf") {
    const quantized = plan.some((p) => ggmlTypeByName(p.to)!.blockSize > 1);
    const mainType = options.type !== undefined ? GGML_NAME[options.type] : (plan.find((p) => p.w.shape.length === 2)?.to ?? "F32");
    const fileType = FILE_TYPE[mainType] ?? LlamaFileType.ALL_F32;
    const tokenizer = options.tokenizer ?? (f.format === "gguf" ? undefined : defaultTokenizer(f, hp));
    const metadata = ggufMetadata(() => archEntries(arch, hp, fileType), hp.vocabSize, f.format === "gguf" ? f.metadata : null, fileType, quantized, tokenizer, notes);
    const gt: GgufTensorToWrite[] = plan.map((p, i) => ({ name: p.w.gguf, dims: [...p.w.shape].reverse(), type: ggmlTypeByName(p.to)!.id, data: dataOf(i) }));
    writeGgufFile(output, { metadata, tensors: gt });
  } else {
    const dtypes = new Set(plan.map((p) => p.to));
    const tokFile = options.tokenizer ?? defaultTokenizer(f, hp);
    const tok = f.format === "gguf" && f.metadata.has("tokenizer.ggml.model") ? tokenizerFromGgufMetadata(f.metadata, f.path) : tokFile !== undefined ? loadTokenizer(tokFile) : undefined;
    const dtype = dtypes.size === 1 ? [...dtypes][0]! : "F32";
    const { config, generation } = arch === "gpt2" ? gpt2HfConfig(hp as Gpt2Hparams, dtype, tok) : hfConfig(hp as LlamaHparams, dtype, tok);
    writeHfFolder(output, {
      config, generationConfig: generation,
      tensors: plan.map((p, i) => ({ name: p.w.hf, dtype: p.to, shape: p.w.hfShape, data: dataOf(i) })),
    });
    notes.push(hfTokenizer(tok, tokFile ?? f.path, join(output, "tokenizer.json")));
  }
  return { input, output, inputFormat: f.format, outputFormat: outFormat, arch, hparams: hp, tensors, notes };
}

/** Writes tokenizer.json when the vocabulary is byte-level BPE; says what happened. */
function hfTokenizer(tok: Tokenizer | undefined, from: string, out: string): string {
  if (tok === undefined) return "no tokenizer.json written (no tokenizer found; pass --tokenizer FILE)";
  if (!(tok instanceof ByteLevelBpe)) {
    return `no tokenizer.json written: exporting a ${tok.kind} vocabulary to tokenizer.json is not supported yet; convert back to GGUF with --tokenizer ${from}`;
  }
  saveHfTokenizer(tok, out);
  const chat = chatTemplatesFor(tok);
  saveHfTokenizerConfig(tok, chat, dirname(out));
  return `tokenizer.json and tokenizer_config.json written (byte-level BPE${chat === undefined ? "" : `; chat template from ${chat.source}`})`;
}
