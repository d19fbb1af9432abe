// Tests of the GGUF reader against llama.cpp-made files (../shared/reference) and hand-built byte strings.
// Not here: dequantization fingerprints (quant/*.test.ts), writing (write.test.ts), fuzzing (fuzz.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../../util/errors.js";
import { sharedOrSkip } from "../../util/paths.js";
import { metaInt, metaNumber, metaString, metaStringArray } from "./value.js";
import { type GgufFile, readGguf, tensorBytes } from "./read.js";

interface DequantJson {
  data_offset: number;
  alignment: number;
  gguf_version: number;
  metadata: Record<string, unknown>;
  tensors: { name: string; ggml_type: string; shape_ne: number[]; data_offset: number; n_bytes: number; sha256_raw: string }[];
}

test("stories260K.gguf: header as in the gguf-dump listing", (t) => {
  const storiesGguf = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (storiesGguf === null) return;
  const f = readGguf(storiesGguf);
  assert.equal(f.version, 3);
  assert.equal(f.metadata.size, 19);
  assert.equal(f.tensors.length, 48);
  assert.equal(metaString(f.metadata, "general.architecture"), "llama");
  assert.equal(metaInt(f.metadata, "llama.block_count"), 5);
  assert.equal(metaInt(f.metadata, "llama.feed_forward_length"), 172);
  assert.equal(metaInt(f.metadata, "tokenizer.ggml.seperator_token_id"), 4294967295);
  assert.equal(metaNumber(f.metadata, "llama.attention.layer_norm_rms_epsilon"), 9.999999747378752e-6);
  const toks = metaStringArray(f.metadata, "tokenizer.ggml.tokens");
  assert.equal(toks?.length, 512);
  assert.equal(toks?.[1], "<s>");
  const types = f.metadata.get("tokenizer.ggml.token_type");
  assert.ok(types?.type === "array" && types.itemType === "int32" && types.value instanceof Int32Array);
  const ffnDown = f.tensors.find((x) => x.name === "blk.0.ffn_down.weight");
  assert.deepEqual(ffnDown?.dims, [172, 64]);
  assert.equal(ffnDown?.typeName, "F32");
  assert.throws(() => metaString(f.metadata, "llama.block_count"), FormatError);
});

test("quant fixtures: offsets, shapes, types and raw bytes match the dequant.json fingerprints", (t) => {
  const quantDir = sharedOrSkip(t, "reference", "quant");
  if (quantDir === null) return;
  const files = readdirSync(quantDir).filter((x) => x.endsWith(".gguf"));
  assert.ok(files.length >= 11);
  for (const name of files) {
    const ref = JSON.parse(readFileSync(join(quantDir, `${name}.dequant.json`), "utf8")) as DequantJson;
    const bytes: Uint8Array = readFileSync(join(quantDir, name));
    // Same answers from a path (lazy range reads) and from bytes in memory.
    const both: GgufFile[] = [readGguf(join(quantDir, name)), readGguf(bytes, { name })];
    for (const f of both) {
      assert.equal(f.version, ref.gguf_version);
      assert.equal(f.alignment, ref.alignment);
      assert.equal(f.dataOffset, ref.data_offset, name);
      assert.equal(f.tensors.length, ref.tensors.length);
      assert.equal(metaInt(f.metadata, "general.file_type"), ref.metadata["general.file_type"]);
      for (const r of ref.tensors) {
        const ti = f.tensors.find((x) => x.name === r.name);
        assert.ok(ti !== undefined, r.name);
        assert.equal(ti.typeName, r.ggml_type);
        assert.deepEqual(ti.dims, r.shape_ne);
        assert.equal(f.dataOffset + ti.offset, r.data_offset);
        assert.equal(ti.nBytes, r.n_bytes);
        const sha = createHash("sha256").update(tensorBytes(f, ti)).digest("hex");
        assert.equal(sha, r.sha256_raw, `${name} ${r.name}`);
      }
    }
  }
});

test("vocab-only GGUF files (no tensors, unpadded end) parse", (t) => {
  const dir = sharedOrSkip(t, "reference", "tokenizers");
  if (dir === null) return;
  const f = readGguf(join(dir, "ggml-vocab-gpt-2.gguf"));
  assert.equal(f.tensors.length, 0);
  assert.equal(metaString(f.metadata, "tokenizer.ggml.model"), "gpt2");
  assert.equal(metaStringArray(f.metadata, "tokenizer.ggml.tokens")?.length, 50257);
  assert.equal(metaStringArray(f.metadata, "tokenizer.ggml.merges")?.length, 50000);
});

/** A minimal GGUF: magic, version, counts, then raw payload. */
function header(version: number, nTensors: bigint, nKv: bigint, rest: number[] = []): Uint8Array {
  const b = Buffer.alloc(24);
  b.write("GGUF", 0, "latin1");
  b.writeUInt32LE(version, 4);
  b.writeBigUInt64LE(nTensors, 8);
  b.writeBigUInt64LE(nKv, 16);
  return new Uint8Array([...b, ...rest]);
}

test("malformed headers give FormatErrors naming the problem", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array([1, 2, 3]), /truncated: magic/],
    [new Uint8Array(Buffer.from("GGML\x03\0\0\0")), /not a GGUF file/],
    [header(1, 0n, 0n), /version 1/],
    [header(0x03000000, 0n, 0n), /big-endian/],
    [header(3, 1n << 60n, 0n), /tensor count is \d+, more than the file can hold/],
    [header(3, 0n, 1n << 40n), /key\/value count/],
    // one kv whose key length is absurd
    [header(3, 0n, 1n, [...Buffer.alloc(8, 0xff), 0, 0, 0, 0, 0]), /key #0 length is \d+, more than the file can hold/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => readGguf(bytes, { name: "x.gguf" }), (e: unknown) => e instanceof FormatError && re.test(e.message) && e.message.startsWith("x.gguf: "));
  }
});
