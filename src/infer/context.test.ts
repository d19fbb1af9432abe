// How many positions a call uses: the need, at least DEFAULT_CONTEXT_CAP, at most the model's context, unless the
// caller asks (then up to anything for RoPE, with a warning past the model's context). Not here: generate's use
// of it on a real model (generate.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { MODEL_PRESETS, NEUTRAL_FLAGS, type ModelConfig } from "../models/config.js";
import { DEFAULT_CONTEXT_CAP, resolveContext } from "./context.js";

const big: ModelConfig = { ...MODEL_PRESETS.default, ...NEUTRAL_FLAGS, context: 131072 };
const small: ModelConfig = { ...big, context: 512 };

test("a model declaring 128k positions gets a cache sized to the need (at least 4096), not 128k", () => {
  assert.equal(DEFAULT_CONTEXT_CAP, 4096);
  assert.equal(resolveContext(big, null, 20, "x").capacity, 4096);
  assert.equal(resolveContext(big, null, 10000, "x").capacity, 10000);
  assert.equal(resolveContext(big, 65536, 20, "x").capacity, 65536, "--context asks for more");
  assert.equal(resolveContext(small, null, 20, "x").capacity, 512, "never past the model's own context by default");
  assert.throws(() => resolveContext(small, null, 600, "the prompt"), /the prompt needs 600 positions, longer than the context of 512/);
  assert.deepEqual(resolveContext(big, null, 20, "x").warnings, []);
});
