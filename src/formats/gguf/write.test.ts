// GGUF writer tests: byte-identical read → write round trips of llama.cpp-made files, every value type and
// nested arrays through write → read, streamed vs in-memory output, and llama.cpp's metadata conventions.
// Not here: reader error cases (read.test.ts, fuzz.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KotodamaError } from "../../util/errors.js";
import { sharedOrSkip } from "../../util/paths.js";
import { GgmlType } from "./ggml-types.js";
import { type GgufFile, readGguf, tensorBytes } from "./read.js";
import { type GgufValue } from "./value.js";
import { encodeGguf, writeGgufFile, type GgufToWrite } from "./write.js";
import { archMetadata, checkLlamaCppMetadata, tokenizerMetadata } from "./conventions.js";

const asWrite = (f: GgufFile): GgufToWrite => ({
  metadata: f.metadata,
  tensors: f.tensors.map((t) => ({ name: t.name, dims: t.dims, type: t.type, data: () => tensorBytes(f, t) })),
});

/** The GGUF files under ../shared/reference; each absent folder marks the test skipped (or fails it under
 *  KOTODAMA_REQUIRE_SHARED=1). */
function refFiles(t: { skip(message: string): void }): string[] {
  const out: string[] = [];
  for (const sub of ["stories260K", "quant", "tokenizers"]) {
    const dir = sharedOrSkip(t, "reference", sub);
    if (dir !== null) for (const x of readdirSync(dir)) if (x.endsWith(".gguf")) out.push(join(dir, x));
  }
  return out;
}

test("every llama.cpp/gguf-py GGUF in ../shared round-trips byte for byte", (t) => {
  const files = refFiles(t);
  if (files.length === 0) return;
  let identical = 0;
  for (const p of files) {
    const orig = new Uint8Array(readFileSync(p));
    const f = readGguf(orig, { name: p });
    const out = encodeGguf(asWrite(f));
    if (f.tensors.length === 0) {
      // Vocab-only files end right after the header; we pad to the alignment as gguf-py does for data.
      assert.deepEqual(out.subarray(0, orig.length), orig, p);
    } else {
      assert.equal(out.length, orig.length, p);
      assert.ok(Buffer.from(out).equals(Buffer.from(orig)), `${p} differs`);
    }
    identical++;
  }
  assert.ok(identical >= 16, `only ${identical} files`);
});

test("all 13 value types and nested arrays survive write → read → write", () => {
  const meta = new Map<string, GgufValue>([
    ["u8", { type: "uint8", value: 255 }],
    ["i8", { type: "int8", value: -128 }],
    ["u16", { type: "uint16", value: 65535 }],
    ["i16", { type: "int16", value: -32768 }],
    ["u32", { type: "uint32", value: 4294967295 }],
    ["i32", { type: "int32", value: -2147483648 }],
    ["f32", { type: "float32", value: Math.fround(0.1) }],
    ["f64", { type: "float64", value: 0.1 }],
    ["u64", { type: "uint64", value: (1n << 64n) - 1n }],
    ["i64", { type: "int64", value: -(1n << 63n) }],
    ["b", { type: "bool", value: true }],
    ["s", { type: "string", value: "héllo ✓ 言霊" }],
    ["empty", { type: "string", value: "" }],
    ["au8", { type: "array", itemType: "uint8", value: new Uint8Array([1, 2, 3]) }],
    ["ai16", { type: "array", itemType: "int16", value: new Int16Array([-1, 2]) }],
    ["af64", { type: "array", itemType: "float64", value: new Float64Array([Math.PI]) }],
    ["ai64", { type: "array", itemType: "int64", value: new BigInt64Array([-5n]) }],
    ["abool", { type: "array", itemType: "bool", value: [true, false, true] }],
    ["astr", { type: "array", itemType: "string", value: ["a", "", "ü"] }],
    ["aempty", { type: "array", itemType: "float32", value: new Float32Array(0) }],
    ["nested", { type: "array", itemType: "array", value: [
      { type: "array", itemType: "int32", value: new Int32Array([7, 8]) },
      { type: "array", itemType: "array", value: [{ type: "array", itemType: "string", value: ["deep"] }] },
    ] }],
    ["general.alignment", { type: "uint32", value: 64 }],
  ]);
  const data = new Float32Array([1, -2, 3.5, 0, 5, 6]);
  const g: GgufToWrite = {
    metadata: meta,
    tensors: [
      { name: "w", dims: [3, 2], type: GgmlType.F32, data: new Uint8Array(data.buffer) },
      { name: "e", dims: [0], type: GgmlType.F32, data: new Uint8Array(0) },
      { name: "q", dims: [32], type: GgmlType.Q8_0, data: new Uint8Array(34).fill(1) },
    ],
  };
  const bytes = encodeGguf(g);
  const f = readGguf(bytes);
  assert.equal(f.alignment, 64);
  assert.equal(f.dataOffset % 64, 0);
  assert.deepEqual([...f.metadata.keys()], [...meta.keys()]);
  for (const [k, v] of meta) assert.deepEqual(f.metadata.get(k), v, k);
  assert.deepEqual(new Float32Array(tensorBytes(f, f.tensors[0]!).slice().buffer), data);
  assert.equal(f.tensors[2]!.offset, 64); // 24 bytes of w padded to 64; e takes none
  assert.deepEqual(encodeGguf(asWrite(f)), bytes);
  // Streamed output equals the in-memory encoding.
  const dir = mkdtempSync(join(tmpdir(), "kd-gguf-"));
  try {
    writeGgufFile(join(dir, "x.gguf"), asWrite(f));
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, "x.gguf"))), bytes);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("the writer refuses values and tensors it would write wrongly", () => {
  const bad: [GgufToWrite, RegExp][] = [
    [{ metadata: new Map([["x", { type: "uint8", value: 256 } as GgufValue]]), tensors: [] }, /256 is not a uint8/],
    [{ metadata: new Map([["x", { type: "int32", value: 1.5 } as GgufValue]]), tensors: [] }, /not a int32/],
    [{ metadata: new Map(), tensors: [{ name: "a", dims: [31], type: GgmlType.Q8_0, data: new Uint8Array(34) }] }, /block size 32/],
    [{ metadata: new Map(), tensors: [{ name: "a", dims: [2], type: GgmlType.F32, data: new Uint8Array(4) }] }, /8 bytes expected/],
    [{ metadata: new Map(), tensors: [{ name: "a", dims: [1], type: 0, data: new Uint8Array(4) }, { name: "a", dims: [1], type: 0, data: new Uint8Array(4) }] }, /duplicate/],
    [{ metadata: new Map([["general.alignment", { type: "uint32", value: 48 } as GgufValue]]), tensors: [] }, /power of two/],
  ];
  for (const [g, re] of bad) assert.throws(() => encodeGguf(g), (e: unknown) => e instanceof KotodamaError && re.test(e.message));
});

test("llama.cpp conventions: reference files pass the checker, the builders' output passes, mistakes are named", (t) => {
  const built = new Map<string, GgufValue>([
    ...archMetadata({ arch: "llama", name: "t", contextLength: 512, embeddingLength: 64, blockCount: 5, feedForwardLength: 172, headCount: 8, headCountKv: 4, rmsEps: 1e-5, ropeFreqBase: 10000, ropeDimensionCount: 8, fileType: 0 }),
    ...tokenizerMetadata({ model: "llama", tokens: ["<unk>", "<s>", "</s>"], scores: new Float32Array(3), tokenTypes: new Int32Array([2, 3, 3]), bosId: 1, eosId: 2, unkId: 0, addBos: true }),
  ]);
  assert.deepEqual(checkLlamaCppMetadata(built), []);
  const wrong = new Map(built);
  wrong.set("llama.block_count", { type: "int32", value: 5 });
  wrong.delete("llama.attention.layer_norm_rms_epsilon");
  wrong.set("tokenizer.ggml.eos_token_id", { type: "uint32", value: 9 });
  assert.deepEqual(checkLlamaCppMetadata(wrong), [
    "llama.block_count: llama.cpp expects uint32, found int32",
    "llama.attention.layer_norm_rms_epsilon is missing",
    "tokenizer.ggml.eos_token_id 9 ≥ vocab size 3",
  ]);
  const files = refFiles(t).filter((p) => !p.includes("ggml-vocab"));
  if (files.length === 0) return;
  for (const p of files) assert.deepEqual(checkLlamaCppMetadata(readGguf(p).metadata), [], p);
});
