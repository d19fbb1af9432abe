// Tests of run configs: a resolved config survives its file form unchanged; unknown presets, unknown or
// missing keys and invalid values are errors that name the field.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRunConfig, resolveRunConfig, runConfigJson } from "./config.js";

test("config round trip: resolve → config.json → parse gives the same config, and resolving the file again too", () => {
  for (const preset of ["tiny", "small", "default"]) {
    const r = resolveRunConfig(preset, { model: { context: 32 }, train: { lr: 5e-4, gradAccum: 3 } });
    assert.equal(r.model.context, 32);
    assert.equal(r.train.gradAccum, 3);
    const text = runConfigJson(r);
    assert.deepEqual(parseRunConfig(JSON.parse(text)), r);
    assert.equal(runConfigJson(resolveRunConfig(undefined, JSON.parse(text))), text);
  }
});

test("bad configs are clear errors naming the field", () => {
  assert.throws(() => resolveRunConfig("medium"), /unknown preset "medium"; expected one of: tiny, small, default/);
  assert.throws(() => resolveRunConfig("tiny", { modle: {} }), /unknown key 'modle'; expected preset, model, train/);
  assert.throws(() => resolveRunConfig("tiny", { model: { nLayer: 2 } }), /model: unknown key 'nLayer'/);
  assert.throws(() => resolveRunConfig("tiny", { train: { learningRate: 1 } }), /train: unknown key 'learningRate'/);
  assert.throws(() => resolveRunConfig("tiny", { train: { batchSize: 0 } }), /batchSize must be an integer ≥ 1, got 0/);
  assert.throws(() => resolveRunConfig("tiny", { train: { lr: 1e-4, minLr: 1e-3 } }), /minLr \(0.001\) must not exceed lr/);
  assert.throws(() => resolveRunConfig("tiny", { model: { dim: 130 } }), /dim \(130\) must be divisible by nHeads \(4\)/);
  const full = JSON.parse(runConfigJson(resolveRunConfig("tiny"))) as { train: Record<string, unknown> };
  delete full.train.seed;
  assert.throws(() => parseRunConfig(full), /train: missing key 'seed'/);
});
