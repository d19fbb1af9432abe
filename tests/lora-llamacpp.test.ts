// kotodama's LoRA adapters in llama.cpp: a family fixture (tests/fixtures/families.ts) gets random non-zero adapters
// on every projection, kotodama writes them as a llama.cpp LoRA GGUF, and llama.cpp itself (node-llama-cpp, the
// adapter applied with createContext({ lora })) loads it onto the base GGUF; its logits must equal kotodama's merged
// model's. The `llama` base is also loaded from an HF folder (rotate-half q/k rows), so that the lora_b row
// permutation of the export is exercised; and the PEFT export read back must give the same logits.
// Not here: the module and merge tests (src/nn/lora.test.ts, src/models/lora.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decoderLogits } from "../src/models/decoder.js";
import type { FamilyName } from "../src/models/families/index.js";
import { decoderWeightsFrom } from "../src/models/load.js";
import { openModelSource } from "../src/models/load-sources.js";
import { attachLora, mergeLora, resolveLoraConfig, type LoraTarget } from "../src/models/lora.js";
import { writeLoraGguf } from "../src/models/lora-gguf.js";
import { readPeftAdapter, writePeftAdapter } from "../src/models/lora-peft.js";
import { writeFamilyHf } from "../src/models/save-family-hf.js";
import { Rng } from "../src/util/rng.js";
import { fixtureWeights, writeFixture } from "./fixtures/families.js";
import { llamaCppOrSkip, openLlamaCppModel } from "./support/llamacpp.js";

/** Largest |Δlogit| relative to the largest |logit| of the position, as tests/families.test.ts measures the bases:
 *  1e-4 where both sides compute in f32; 1e-3 for GELU families (llama.cpp's CPU GELU reads an f16 table). */
const tolerance = (name: FamilyName): number => (name === "gpt2" || name === "gemma2" ? 1e-3 : 1e-4);

const TARGETS: Readonly<Record<"llama" | "gpt2", readonly LoraTarget[]>> = {
  llama: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  gpt2: ["c_attn", "c_proj", "c_fc"],
};

function worstRel(a: readonly Float32Array[], b: (pos: number) => Float32Array): number {
  let worst = 0;
  a.forEach((r, pos) => {
    const o = b(pos);
    let maxRef = 0, maxD = 0;
    for (let i = 0; i < r.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(r[i]!));
      maxD = Math.max(maxD, Math.abs(o[i]! - r[i]!));
    }
    worst = Math.max(worst, maxD / maxRef);
  });
  return worst;
}

const dir = mkdtempSync(join(tmpdir(), "kotodama-lora-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Phi-3 stores q|k|v and gate|up fused: its adapters are exported stacked (models/lora-fuse.ts), with every target
 *  and with some parts of each fused matrix left out. */
const CASES: readonly { name: FamilyName; base: "gguf" | "hf"; targets?: readonly LoraTarget[] }[] = [
  { name: "llama", base: "gguf" }, { name: "llama", base: "hf" }, { name: "qwen2", base: "gguf" }, { name: "gemma2", base: "gguf" }, { name: "gpt2", base: "gguf" },
  { name: "phi3", base: "gguf" }, { name: "phi3", base: "gguf", targets: ["q_proj", "v_proj", "up_proj", "down_proj"] },
];

for (const { name, base, targets } of CASES) {
  test(`${name} (kotodama base from ${base}${targets === undefined ? "" : `, targets ${targets.join(" ")}`}): llama.cpp applies kotodama's LoRA GGUF and agrees with the merged model`, async (t) => {
    const llama = await llamaCppOrSkip(t);
    if (llama === null) return;
    const fx = writeFixture(dir, name, "f32");
    let path = fx.path;
    if (base === "hf") {
      path = join(dir, `${name}-hf`);
      // The fixture's Llama 3.1 RoPE factors are not a tensor in HF folders but config.json's rope_scaling.
      const ropeScaling = { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 };
      writeFamilyHf(path, fx.family, fx.config, fixtureWeights(fx.family, fx.config, 1), { rope_scaling: ropeScaling });
    }
    const src = openModelSource(path);
    const c = src.config;
    if (base === "hf") assert.equal(c.ropePairing, "half", "the HF folder holds rotate-half q/k rows");
    const w = decoderWeightsFrom(c, src.tensors, path);
    const g = w.tokEmb.graph;
    const rng = new Rng(11);
    const lw = attachLora(g, w, resolveLoraConfig({ rank: 8, alpha: 16, targets: targets ?? TARGETS[name === "gpt2" ? "gpt2" : "llama"] }, name === "gpt2" ? "gpt2" : "llama"), { rng });
    for (const { adapter } of lw.adapters) rng.fillNormal(adapter.b.data, 0, 0.05);
    const tag = `${name}-${base}${targets === undefined ? "" : "-some"}`;
    const loraPath = join(dir, `${tag}-lora.gguf`);
    writeLoraGguf(loraPath, fx.family, c, lw);

    const V = c.vocabSize;
    const ids = Array.from({ length: 40 }, () => rng.nextU32() % (V - 1));
    const T = ids.length;
    const rows = (x: Float32Array): (pos: number) => Float32Array => (pos) => x.subarray(pos * V, (pos + 1) * V);
    const merged = g.noGrad(() => decoderLogits(c, mergeLora(lw), Int32Array.from(ids), 1, T)).data.slice();
    const adapted = g.noGrad(() => decoderLogits(c, lw.weights, Int32Array.from(ids), 1, T)).data.slice();
    const withLora = await openLlamaCppModel(llama, fx.path, { contextSize: 128, lora: loraPath });
    const plain = await openLlamaCppModel(llama, fx.path, { contextSize: 128 });
    try {
      const ref = await withLora.logits(ids);
      const refBase = await plain.logits(ids);
      const dMerged = worstRel(ref, rows(merged));
      const dAdapted = worstRel(ref, rows(adapted));
      const moved = worstRel(refBase, rows(merged));
      t.diagnostic(`${name} (${base} base): llama.cpp+LoRA vs kotodama merged ${dMerged.toExponential(2)}, vs kotodama adapters ${dAdapted.toExponential(2)} (tolerance ${tolerance(name)}); llama.cpp without the adapter is ${moved.toExponential(2)} away`);
      assert.ok(moved > 100 * tolerance(name), `the adapter must move the logits far beyond the tolerance (moved ${moved})`);
      assert.ok(dMerged <= tolerance(name), `merged: ${dMerged}`);
      assert.ok(dAdapted <= tolerance(name), `adapters: ${dAdapted}`);

      // The PEFT export read back onto the same base computes the same logits.
      const peft = join(dir, `${tag}-peft`);
      writePeftAdapter(peft, fx.family, c, lw, "kotodama/fixture");
      const back = readPeftAdapter(peft, fx.family, c);
      const w2 = decoderWeightsFrom(c, src.tensors, path);
      const lw2 = attachLora(w2.tokEmb.graph, w2, back.config, { values: back.values });
      const again = w2.tokEmb.graph.noGrad(() => decoderLogits(c, mergeLora(lw2), Int32Array.from(ids), 1, T)).data;
      assert.deepEqual(again, merged, "PEFT round trip");
      assert.deepEqual([...back.values.keys()], lw.adapters.map((a) => a.name), "the same adapters come back");
      assert.deepEqual(back.config.targets.slice().sort(), lw.config.targets.slice().sort(), "the same targets come back");
    } finally {
      await withLora.dispose();
      await plain.dispose();
    }
  });
}
