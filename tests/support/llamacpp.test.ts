// The oracle itself, checked against llama.cpp's own dump for stories260K (../shared/reference, made with the
// llama.cpp C API at a pinned commit): if node-llama-cpp's prebuilt binary drifts, every oracle test would drift
// with it, so this pins it. Not here: comparisons with kotodama (tests/families.test.ts and the like).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sharedOrSkip } from "../../src/util/paths.js";
import { llamaCppOrSkip, openLlamaCppModel } from "./llamacpp.js";

interface Reference { readonly prompts: readonly { readonly prompt: string; readonly prompt_ids: number[]; readonly greedy_ids: number[] }[] }

test("llama.cpp oracle: stories260K tokenization and 64 greedy ids equal llama.cpp's reference dump", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const llama = await llamaCppOrSkip(t);
  if (llama === null) return;
  const m = await openLlamaCppModel(llama, join(dir, "stories260K.gguf"));
  try {
    const ref = JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as Reference;
    for (const p of ref.prompts.slice(0, 3)) {
      assert.deepEqual([1, ...m.tokenize(p.prompt)], p.prompt_ids, p.prompt);
      assert.deepEqual(await m.greedy(p.prompt_ids, 64), p.greedy_ids.slice(0, 64), p.prompt);
      const lg = await m.logits(p.prompt_ids);
      assert.equal(lg.length, p.prompt_ids.length);
      const last = lg[lg.length - 1]!;
      assert.equal(last.length, m.vocabSize);
      assert.equal(last.indexOf(Math.max(...last)), p.greedy_ids[0], "argmax of the last logits is the first greedy id");
    }
  } finally {
    await m.dispose();
  }
});
