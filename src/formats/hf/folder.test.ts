// Hugging Face folder tests: unsharded and sharded write → read, transformers' file layout (sorted JSON,
// shard names, index, __metadata__ format "pt"), and the index consistency checks.
// Not here: safetensors header rules (safetensors.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError } from "../../util/errors.js";
import { readSafetensors } from "../safetensors/read.js";
import { HF_INDEX, hfJson, readHfFolder, writeHfFolder } from "./folder.js";

const f32 = (xs: number[]): Uint8Array => new Uint8Array(new Float32Array(xs).buffer);
const tensors = [
  { name: "model.embed_tokens.weight", dtype: "F32", shape: [2, 2], data: f32([1, 2, 3, 4]) },
  { name: "model.norm.weight", dtype: "F32", shape: [2], data: f32([5, 6]) },
  { name: "lm_head.weight", dtype: "BF16", shape: [2, 2], data: new Uint8Array(8).fill(0x3f) },
];
const config = { architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_size: 2, torch_dtype: "float32" };

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "kd-hf-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

test("unsharded folder: config.json as transformers writes it, model.safetensors with format pt", () => {
  withDir((dir) => {
    assert.deepEqual(writeHfFolder(dir, { config, generationConfig: { bos_token_id: 1 }, tensors }), ["model.safetensors"]);
    assert.equal(readFileSync(join(dir, "config.json"), "utf8"), '{\n  "architectures": [\n    "LlamaForCausalLM"\n  ],\n  "hidden_size": 2,\n  "model_type": "llama",\n  "torch_dtype": "float32"\n}\n');
    const h = readHfFolder(dir);
    assert.deepEqual(h.config, config);
    assert.deepEqual(h.generationConfig, { bos_token_id: 1 });
    assert.equal(h.metadata.get("format"), "pt");
    assert.deepEqual(h.tensors.map((t) => t.name), tensors.map((t) => t.name));
    assert.deepEqual(h.tensors[1]!.bytes(), tensors[1]!.data);
  });
});

test("sharded folder: numbered shards, sorted index with total_size, same tensors back", () => {
  withDir((dir) => {
    const names = writeHfFolder(dir, { config, tensors, maxShardBytes: 16 });
    assert.deepEqual(names, ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]);
    const index = JSON.parse(readFileSync(join(dir, HF_INDEX), "utf8")) as { metadata: { total_size: number }; weight_map: Record<string, string> };
    assert.equal(index.metadata.total_size, 16 + 8 + 8);
    assert.deepEqual(Object.keys(index.weight_map), ["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight"]);
    assert.equal(readSafetensors(join(dir, names[1]!)).metadata.get("format"), "pt");
    const h = readHfFolder(dir);
    assert.deepEqual(h.shards, names);
    assert.deepEqual(new Set(h.tensors.map((t) => t.name)), new Set(tensors.map((t) => t.name)));
    for (const t of tensors) assert.deepEqual(h.tensors.find((x) => x.name === t.name)!.bytes(), t.data);
    // Rewriting unsharded removes the stale index, so the folder reads back as the new write.
    writeHfFolder(dir, { config, tensors: tensors.slice(0, 1) });
    assert.equal(readHfFolder(dir).tensors.length, 1);
  });
});

test("inconsistent folders are refused with the file and reason", () => {
  withDir((dir) => {
    assert.throws(() => readHfFolder(dir), /no config\.json/);
    writeFileSync(join(dir, "config.json"), "[1]");
    assert.throws(() => readHfFolder(dir), /expected a JSON object/);
    writeHfFolder(dir, { config, tensors, maxShardBytes: 16 });
    const idx = join(dir, HF_INDEX);
    const good = JSON.parse(readFileSync(idx, "utf8")) as { weight_map: Record<string, string> };
    const variants: [Record<string, string>, RegExp][] = [
      [{ ...good.weight_map, "extra.weight": good.weight_map["lm_head.weight"]! }, /"extra\.weight" is not in/],
      [{ ...good.weight_map, "lm_head.weight": "../x.safetensors" }, /not a plain file name/],
      [{ ...good.weight_map, "lm_head.weight": "model-00001-of-00002.safetensors" }, /puts it in|does not list/],
      [Object.fromEntries(Object.entries(good.weight_map).filter(([k]) => k !== "model.norm.weight")), /does not list it/],
    ];
    for (const [wm, re] of variants) {
      writeFileSync(idx, hfJson({ metadata: { total_size: 0 }, weight_map: wm }));
      assert.throws(() => readHfFolder(dir), (e: unknown) => e instanceof FormatError && re.test(e.message), re.source);
    }
    assert.ok(readdirSync(dir).length >= 3);
  });
});
