// Continuous batching in src/infer (decode-batcher.ts): generations that run at the same time through one
// DecodeBatcher — started at different moments, of different lengths, greedy and sampled, one with a logits hook
// (a constraint), one abandoned half-way — each give exactly the ids and text generate gives alone, while the
// batcher ran fewer decode steps than tokens (they were decoded together). On a Q8_0 family fixture, whose logits
// are bitwise batch-independent (tests/batch-decode.test.ts says why F32 is only within rounding).
// Not here: the server's admission and cancellation (src/server/openai/batching.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../src/engine/backend.js";
import { DecodeBatcher, generate, generateText, openInferModel, type GenerateHooks } from "../src/infer/index.js";
import { writeFixture } from "./fixtures/families.js";

const dir = mkdtempSync(join(tmpdir(), "kotodama-batcher-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

test("concurrent generations through a DecodeBatcher equal generate alone, in fewer decode steps than tokens", async () => {
  const m = openInferModel(writeFixture(dir, "llama", "q8_0", 3).path, { backend: loadBackend({ threads: 1 }) });
  const V = m.config.vocabSize;
  // A hook that forbids every even id: a constraint's mask, per sequence.
  const odd: GenerateHooks = { logits: (l) => { for (let i = 0; i < V; i += 2) l[i] = -Infinity; } };
  const jobs = [
    { prompt: [5, 9, 11, 2, 7], o: { temperature: 0, maxTokens: 12, ignoreEos: true }, hooks: {} },
    { prompt: [3], o: { temperature: 0.9, topK: 40, seed: 7, maxTokens: 20, ignoreEos: true }, hooks: {} },
    { prompt: [8, 8, 8, 1, 4, 6, 2, 9, 10, 12, 13], o: { temperature: 0.8, seed: 3, maxTokens: 9, ignoreEos: true }, hooks: odd },
    { prompt: [4, 1], o: { temperature: 1, seed: 11, maxTokens: 15, ignoreEos: true }, hooks: {} },
  ];
  const alone = await Promise.all(jobs.map((j) => generateText(m, j.prompt, j.o, undefined, j.hooks)));
  assert.ok(alone[2]!.ids.every((id) => id % 2 === 1), "the hook constrained the alone run (the check can fail)");

  const batcher = new DecodeBatcher(m, 8);
  const drain = async (j: (typeof jobs)[number], delaySteps: number): Promise<number[]> => {
    for (let i = 0; i < delaySteps; i++) await new Promise((r) => setImmediate(r)); // join mid-run
    const ids: number[] = [];
    for await (const t of generate(m, j.prompt, j.o, undefined, j.hooks, batcher)) if (t.id >= 0) ids.push(t.id);
    return ids;
  };
  // A fifth generation is abandoned after 3 tokens (a cancelled client): the others must not notice.
  const abandoned = (async (): Promise<number> => {
    let n = 0;
    for await (const t of generate(m, [2, 3], { temperature: 0.7, seed: 1, maxTokens: 50, ignoreEos: true }, undefined, {}, batcher)) if (t.id >= 0 && ++n === 3) break;
    return n;
  })();
  const got = await Promise.all(jobs.map((j, i) => drain(j, i * 3)));
  assert.equal(await abandoned, 3);
  jobs.forEach((_, i) => assert.deepEqual(got[i], alone[i]!.ids, `generation ${i}: the same ids as alone`));
  const tokens = got.reduce((a, g) => a + g.length, 0) + 3;
  assert.ok(batcher.steps < tokens - jobs.length, `${batcher.steps} batched steps for ${tokens} tokens: decoded together`);
  assert.ok(batcher.sequences / batcher.steps > 2, `mean batch ${(batcher.sequences / batcher.steps).toFixed(2)} > 2`);
});

test("a DecodeBatcher refuses a batch size out of range and another model's generation", async () => {
  const m = openInferModel(writeFixture(dir, "llama", "q8_0", 3).path, { backend: loadBackend({ threads: 1 }) });
  assert.throws(() => new DecodeBatcher(m, 0), /maxBatch must be an integer in \[1, 128\], got 0/);
  assert.throws(() => new DecodeBatcher(m, 129), /got 129/);
  const other = openInferModel(writeFixture(dir, "llama", "q8_0", 3).path, { backend: loadBackend({ threads: 1 }) });
  await assert.rejects(generate(other, [1], { maxTokens: 2 }, undefined, {}, new DecodeBatcher(m, 2)).next(), /the batcher belongs to another model/);
});
