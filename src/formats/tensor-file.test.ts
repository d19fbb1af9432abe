// openTensorFile across formats: the same stories260K weights from GGUF, llama2.c, and from safetensors /
// Hugging Face folders written here; f32 conversions; the inspect report. Not here: per-format edge cases.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedOrSkip } from "../util/paths.js";
import { FormatError } from "../util/errors.js";
import { formatInspect, inspectReport } from "./inspect.js";
import { writeHfFolder } from "./hf/folder.js";
import { writeSafetensorsFile } from "./safetensors/write.js";
import { encodeGguf } from "./gguf/write.js";
import { readGguf } from "./gguf/read.js";
import { fromF32, loadTensor, namedTensorBytes, openTensorFile, parameterCount, tensorF32, toGgufTensors, toSafetensorsTensors } from "./tensor-file.js";

test("stories260K through every format: same values, shapes, parameter counts; inspect reports them", (t) => {
  const gg = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  const bin = sharedOrSkip(t, "reference", "stories260K", "stories260K.bin");
  if (gg === null || bin === null) return;
  const g = openTensorFile(gg);
  assert.equal(g.format, "gguf");
  assert.equal(parameterCount(g), 292_800); // 260,032 + the explicit output.weight copy (32,768)
  const l = openTensorFile(bin);
  assert.equal(l.format, "llama2c");
  assert.equal(parameterCount(l), 260_032);
  const emb = l.tensors.find((x) => x.name === "token_embedding_table")!;
  const gEmb = g.tensors.find((x) => x.name === "token_embd.weight")!;
  assert.deepEqual(gEmb.shape, [512, 64]);
  assert.deepEqual(tensorF32(emb), tensorF32(gEmb));

  const dir = mkdtempSync(join(tmpdir(), "kd-tf-"));
  try {
    // GGUF → safetensors (F32 and BF16) → back.
    const st = join(dir, "m.safetensors");
    writeSafetensorsFile(st, g.tensors.map((x) => ({ name: x.name, dtype: "F32", shape: x.shape, data: () => x.bytes() })));
    const s = openTensorFile(st);
    assert.equal(s.format, "safetensors");
    assert.equal(parameterCount(s), parameterCount(g));
    for (const x of g.tensors) assert.deepEqual(tensorF32(s.tensors.find((y) => y.name === x.name)!), tensorF32(x), x.name);
    const folder = join(dir, "hf");
    const bf = g.tensors.map((x) => fromF32(x.name, x.shape, tensorF32(x), "BF16"));
    writeHfFolder(folder, { config: { model_type: "llama" }, tensors: bf.map((x) => ({ ...x, data: namedTensorBytes(x) })), maxShardBytes: 200_000 });
    const h = openTensorFile(folder);
    assert.equal(h.format, "hf-folder");
    assert.equal(h.config?.model_type, "llama");
    for (const x of bf) {
      const back = tensorF32(h.tensors.find((y) => y.name === x.name)!);
      assert.deepEqual(back, tensorF32(x));
      const orig = tensorF32(g.tensors.find((y) => y.name === x.name)!);
      for (let i = 0; i < orig.length; i++) assert.ok(Math.abs(back[i]! - orig[i]!) <= Math.abs(orig[i]!) * 2 ** -8, x.name);
    }
    const r = inspectReport(h);
    assert.equal(r.parameterCount, 292_800);
    assert.equal(r.dtypeCounts.BF16, 48);
    assert.ok(String(r.details.shards).includes("model-00001-of-"));
  } finally {
    rmSync(dir, { recursive: true });
  }
  const text = formatInspect(g);
  assert.match(text, /parameters: 292,800 in 48 tensors/);
  assert.match(text, /tokenizer\.ggml\.tokens = string\[512\] \["<unk>", "<s>", "<\/s>"/);
  assert.match(text, /blk\.0\.ffn_down\.weight\s+\[64, 172\]\s+F32\s+44,032/);
  const json = inspectReport(g);
  assert.deepEqual(json.metadata["tokenizer.ggml.tokens"], { type: "string[]", length: 512, head: ["<unk>", "<s>", "</s>", "<0x00>", "<0x01>", "<0x02>", "<0x03>", "<0x04>"] });
  assert.equal(json.metadata["llama.block_count"], 5);
});

test("NamedTensor conversions: fromF32 / loadTensor / tensorF32 agree; unknown files are refused", () => {
  const x = new Float32Array(64).map((_, i) => Math.sin(i));
  const q = fromF32("w", [2, 32], x, "Q8_0");
  assert.equal(q.data.byteLength, 2 * 34);
  const back = tensorF32(q);
  for (let i = 0; i < 64; i++) assert.ok(Math.abs(back[i]! - x[i]!) < 0.01);
  const f = fromF32("w", [2, 32], x);
  assert.deepEqual(tensorF32(f), x);
  assert.deepEqual(loadTensor({ name: "w", shape: [2, 32], dtype: "F32", nElements: 64, nBytes: 256, file: "-", bytes: () => namedTensorBytes(f) }).data, x);
  assert.throws(() => openTensorFile("/nonexistent/x.gguf"), FormatError);
  // NamedTensor → GGUF: shape [2, 32] becomes ne [32, 2]; the Q8_0 bytes are stored as given.
  const g = readGguf(encodeGguf({ metadata: new Map(), tensors: toGgufTensors([q, { ...f, name: "f" }]) }));
  assert.deepEqual(g.tensors.map((t) => [t.name, t.typeName, t.dims]), [["w", "Q8_0", [32, 2]], ["f", "F32", [32, 2]]]);
  assert.throws(() => toSafetensorsTensors([q]), /cannot be stored in safetensors/);
  assert.equal(toSafetensorsTensors([f])[0]!.dtype, "F32");
});
