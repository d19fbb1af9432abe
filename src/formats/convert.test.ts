// convert against llama.cpp's own files: stories260K.bin → GGUF holds exactly stories260K.gguf's tensors and
// vocabulary; GGUF → Hugging Face folder → GGUF gives back identical tensors (Q/K permuted on the way and
// back); → Q8_0 / Q4_0 / Q4_K gives llama-quantize's bytes for every quantized tensor. Not here: the layout reader's
// own error cases beyond a few (llama-layout.ts), the CLI (cli/commands/convert.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedOrSkip } from "../util/paths.js";
import { KotodamaError } from "../util/errors.js";
import { convertModel } from "./convert.js";
import { checkLlamaCppMetadata } from "./gguf/conventions.js";
import { readGguf, tensorBytes, type GgufFile } from "./gguf/read.js";
import { permuteQkRows } from "./rope-permute.js";
import { openTensorFile, tensorF32 } from "./tensor-file.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "kd-convert-"));

const bytesOf = (f: GgufFile, name: string): Uint8Array => {
  const t = f.tensors.find((x) => x.name === name);
  assert.ok(t, `tensor ${name} present`);
  return tensorBytes(f, t);
};
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

test("stories260K.bin + tok512.bin → GGUF: llama.cpp's stories260K.gguf tensors and vocabulary exactly", (t) => {
  const stories = sharedOrSkip(t, "reference", "stories260K");
  if (stories === null) return;
  const dir = tmp();
  try {
    const out = join(dir, "s.gguf");
    const r = convertModel(join(stories, "stories260K.bin"), out);
    assert.ok(r.notes.some((n) => n.includes("tok512.bin")), "found the tokenizer beside the checkpoint");
    const a = readGguf(out);
    const b = readGguf(join(stories, "stories260K.gguf"));
    assert.equal(a.tensors.length, 48);
    assert.deepEqual(a.tensors.map((x) => x.name), b.tensors.map((x) => x.name), "llama.cpp's tensor order");
    for (const tb of b.tensors) {
      const ta = a.tensors.find((x) => x.name === tb.name)!;
      assert.deepEqual([ta.type, ...ta.dims], [tb.type, ...tb.dims], tb.name);
      assert.ok(sameBytes(tensorBytes(a, ta), tensorBytes(b, tb)), `${tb.name} bytes`);
    }
    for (const k of ["tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type", "tokenizer.ggml.model", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "llama.rope.dimension_count", "llama.attention.head_count_kv", "llama.attention.layer_norm_rms_epsilon"]) {
      assert.deepEqual(a.metadata.get(k), b.metadata.get(k), k);
    }
    // The checkpoint's real context (512), not the converter default 128 that stories260K.gguf carries.
    assert.deepEqual(a.metadata.get("llama.context_length"), { type: "uint32", value: 512 });
    assert.deepEqual(checkLlamaCppMetadata(a.metadata), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("stories260K.gguf → Hugging Face folder → GGUF: identical tensors; the folder holds rotate-half Q/K", (t) => {
  const stories = sharedOrSkip(t, "reference", "stories260K");
  if (stories === null) return;
  const dir = tmp();
  try {
    const src = join(stories, "stories260K.gguf");
    const hf = join(dir, "hf");
    const r1 = convertModel(src, hf);
    assert.ok(r1.notes.some((n) => n.includes("gguf-to-hf")));
    const cfg = JSON.parse(readFileSync(join(hf, "config.json"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(
      [cfg.architectures, cfg.hidden_size, cfg.intermediate_size, cfg.num_attention_heads, cfg.num_key_value_heads, cfg.num_hidden_layers, cfg.vocab_size, cfg.max_position_embeddings, cfg.rms_norm_eps, cfg.tie_word_embeddings],
      [["LlamaForCausalLM"], 64, 172, 8, 4, 5, 512, 128, 1e-5, false],
    );
    const g = readGguf(src);
    const folder = openTensorFile(hf);
    const q = tensorF32(folder.tensors.find((x) => x.name === "model.layers.2.self_attn.q_proj.weight")!);
    const k = tensorF32(folder.tensors.find((x) => x.name === "model.layers.2.self_attn.k_proj.weight")!);
    const gq = new Float32Array(bytesOf(g, "blk.2.attn_q.weight").slice().buffer);
    const gk = new Float32Array(bytesOf(g, "blk.2.attn_k.weight").slice().buffer);
    assert.deepEqual(q, permuteQkRows(gq, 64, 8, "gguf-to-hf"));
    assert.deepEqual(k, permuteQkRows(gk, 64, 4, "gguf-to-hf"));
    assert.notDeepEqual(q, gq, "the permutation changes the rows");
    const back = join(dir, "back.gguf");
    const r2 = convertModel(hf, back, { tokenizer: src });
    assert.ok(r2.notes.some((n) => n.includes("hf-to-gguf")));
    const b = readGguf(back);
    assert.deepEqual(b.tensors.map((x) => x.name), g.tensors.map((x) => x.name));
    for (const tg of g.tensors) assert.ok(sameBytes(bytesOf(b, tg.name), tensorBytes(g, tg)), `${tg.name} survives the round trip`);
    assert.deepEqual(b.metadata.get("tokenizer.ggml.tokens"), g.metadata.get("tokenizer.ggml.tokens"));
    assert.deepEqual(checkLlamaCppMetadata(b.metadata), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("stories260K.gguf → Q8_0 / Q4_0: llama-quantize's bytes for the 32 quantized tensors, ffn_down kept F32", (t) => {
  const stories = sharedOrSkip(t, "reference", "stories260K");
  const quantDir = sharedOrSkip(t, "reference", "quant");
  if (stories === null || quantDir === null) return;
  const dir = tmp();
  try {
    for (const [type, file] of [["q8_0", "stories260K-Q8_0.gguf"], ["q4_0", "stories260K-Q4_0.gguf"]] as const) {
      const out = join(dir, `${type}.gguf`);
      const r = convertModel(join(stories, "stories260K.gguf"), out, { type });
      const kept = r.tensors.filter((x) => x.note !== undefined);
      assert.deepEqual(kept.map((x) => x.name), [0, 1, 2, 3, 4].map((l) => `blk.${l}.ffn_down.weight`));
      assert.ok(kept.every((x) => x.to === "F32" && x.note!.includes("rows of 172")));
      const a = readGguf(out);
      const ref = readGguf(join(quantDir, file));
      let quantized = 0;
      for (const tr of ref.tensors) {
        const ta = a.tensors.find((x) => x.name === tr.name)!;
        assert.equal(ta.type, tr.type, `${file} ${tr.name} type`);
        assert.ok(sameBytes(tensorBytes(a, ta), tensorBytes(ref, tr)), `${file} ${tr.name} bytes`);
        if (tr.typeName === type.toUpperCase()) quantized++;
      }
      assert.equal(quantized, 32, file);
      assert.equal(readFileSync(out).length, readFileSync(join(quantDir, file)).length, "same file size");
      assert.deepEqual(a.metadata.get("general.file_type"), ref.metadata.get("general.file_type"));
      assert.deepEqual(a.metadata.get("general.quantization_version"), ref.metadata.get("general.quantization_version"));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("tiny-random-llama F32 → Q4_K: llama-quantize --pure's bytes for its 9 Q4_K tensors, and its file type", (t) => {
  const quantDir = sharedOrSkip(t, "reference", "quant");
  if (quantDir === null) return;
  const dir = tmp();
  try {
    const out = join(dir, "q4_k.gguf");
    const r = convertModel(join(quantDir, "tiny-random-llama-f32.gguf"), out, { type: "q4_k" });
    assert.equal(r.tensors.filter((x) => x.to === "Q4_K").length, 9);
    const a = readGguf(out), ref = readGguf(join(quantDir, "tiny-random-llama-q4_k-pure.gguf"));
    for (const tr of ref.tensors) {
      const ta = a.tensors.find((x) => x.name === tr.name)!;
      assert.equal(ta.type, tr.type, `${tr.name} type`);
      assert.ok(sameBytes(tensorBytes(a, ta), tensorBytes(ref, tr)), `${tr.name} bytes`);
    }
    assert.deepEqual(a.metadata.get("general.file_type"), ref.metadata.get("general.file_type"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("convert refuses what it cannot write, naming the reason", (t) => {
  const stories = sharedOrSkip(t, "reference", "stories260K");
  if (stories === null) return;
  const src = join(stories, "stories260K.gguf");
  const dir = tmp();
  try {
    const throwsWith = (fn: () => unknown, msg: string): void => assert.throws(fn, (e: unknown) => e instanceof KotodamaError && e.message.includes(msg));
    throwsWith(() => convertModel(src, join(dir, "hf"), { type: "q8_0" }), "a Hugging Face folder holds f32, f16 or bf16 tensors, not q8_0");
    throwsWith(() => convertModel(src, join(dir, "x.bin")), "outputs are a .gguf file or a Hugging Face folder");
    throwsWith(() => convertModel(src, src), "is the input itself");
    throwsWith(() => convertModel(src, join(dir, "x.gguf"), { type: "q5_k" as "q8_0" }), "type must be one of f32, f16, bf16, q8_0, q4_0, q4_k");
    throwsWith(() => convertModel(join(stories, "stories260K.bin"), join(dir, "y.gguf"), { tokenizer: join(stories, "ppl_text.txt") }), "ppl_text.txt");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
