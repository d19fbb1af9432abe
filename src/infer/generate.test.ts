// generate and score on stories260K: seeded reproducibility, stop strings, streaming text, context rules, bad
// input errors; per-token log-probabilities against llama.cpp's logits, ranking, top-K next tokens.
// Not here: exact greedy ids and perplexity (stories260k.test.ts), sampler maths (sampler.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadBackend } from "../engine/backend.js";
import { loadModel } from "../models/load.js";
import { sharedOrSkip } from "../util/paths.js";
import { generate, generateText } from "./generate.js";
import { logSumExp } from "./logprobs.js";
import { createInferModel, openInferModel, type InferModel } from "./model.js";
import { rankTexts, scoreText, windowedPerplexity } from "./score.js";

const backend = loadBackend({ threads: 1 });
let cached: InferModel | null = null;
const model = (dir: string): InferModel => (cached ??= createInferModel(loadModel(`${dir}/stories260K.gguf`), backend));

interface RefPrompt {
  prompt: string;
  prompt_ids: number[];
  greedy_ids: number[];
  text: string;
  logits_last_prompt_pos: number[];
}
const refPrompts = (dir: string): RefPrompt[] => (JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { prompts: RefPrompt[] }).prompts;

test("seeded sampling is reproducible; streamed pieces concatenate to the decoded ids", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const m = model(dir);
  const run = (seed: number, temperature = 1): Promise<Awaited<ReturnType<typeof generateText>>> =>
    generateText(m, "Once upon a time", { seed, temperature, topK: 0, topP: 1, minP: 0, maxTokens: 100, ignoreEos: true });
  const a = await run(11);
  const b = await run(11);
  const c = await run(12);
  assert.deepEqual(a.ids, b.ids);
  assert.notDeepEqual(a.ids, c.ids);
  // Hot sampling reaches byte-fallback tokens (ids 3…258); the stream must still equal decode(ids) exactly.
  let bytes = 0;
  for (const seed of [1, 2, 3, 4]) {
    const r = await run(seed, 2.5);
    bytes += r.ids.filter((id) => id >= 3 && id <= 258).length;
    assert.equal(r.tokens.map((x) => x.text).join(""), r.text);
    assert.equal(r.text, m.tokenizer.decode([...r.promptIds, ...r.ids]).slice("Once upon a time".length));
  }
  t.diagnostic(`byte-fallback tokens sampled: ${bytes}`);
});

test("stop strings end generation before the string, also when it spans tokens", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const m = model(dir);
  const greedy = { temperature: 0, maxTokens: 64, ignoreEos: true };
  const r1 = await generateText(m, "Once upon a time", { ...greedy, stop: ["Lily"] });
  assert.equal(r1.text, ", there was a little girl named ");
  assert.equal(r1.finishReason, "stop");
  const r2 = await generateText(m, "Once upon a time", { ...greedy, stop: ["zzz", "ittle gi"] });
  assert.equal(r2.text, ", there was a l");
  const r3 = await generateText(m, "Once upon a time", { ...greedy, maxTokens: 5 });
  assert.equal(r3.finishReason, "length");
  assert.equal(r3.ids.length, 5);
});

test("context: the model's by default, --context beyond it warns (RoPE), too long is an error", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const m = model(dir);
  assert.equal(m.config.context, 128);
  assert.match(m.notes.join("\n"), /context_length is 128/);
  await assert.rejects(generateText(m, "The cat", { maxTokens: 200 }), /needs 204 positions, longer than the context of 128 \(pass --context N/);
  const r = await generateText(m, "The cat", { maxTokens: 200, context: 256, temperature: 0, ignoreEos: true });
  assert.equal(r.ids.length, 200);
  assert.match(r.warnings.join("\n"), /context 256 is longer than the model's declared context of 128/);
  const full = await generateText(m, "The cat", { temperature: 0, ignoreEos: true });
  assert.equal(full.ids.length, 128 - 4);
  assert.equal(full.finishReason, "context");
});

test("bad input: unknown options, missing files, a llama2.c model without tokenizer, a tokenizer that does not fit", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const m = model(dir);
  await assert.rejects(generate(m, "x", { temprature: 0.5 }).next(), /unknown option 'temprature'/);
  await assert.rejects(generate(m, "x", { topK: -1 }).next(), /option topK \(--top-k\) expects an integer/);
  assert.throws(() => openInferModel(`${dir}/missing.gguf`, { backend }), /missing\.gguf: cannot open model/);
  assert.throws(() => openInferModel(`${dir}/stories260K.bin`, { backend }), /carries no tokenizer: pass --tokenizer FILE/);
  assert.throws(() => openInferModel(`${dir}/stories260K.gguf`, { backend, tokenizer: `${dir}/nope.bin` }), /nope\.bin/);
  const gpt2 = sharedOrSkip(t, "reference", "tokenizers", "ggml-vocab-gpt-2.gguf");
  if (gpt2 !== null) assert.throws(() => openInferModel(`${dir}/stories260K.bin`, { backend, tokenizer: gpt2 }), /50257 tokens but the model's vocabulary has 512/);
  assert.throws(() => scoreText(m, ""), /at least 2 are needed/);
  assert.throws(() => windowedPerplexity(m, "Once upon a time", 128), /needs at least 256/);
});

test("score: per-token log-probabilities equal log-softmax of llama.cpp's logits; ranking; top-K next tokens", (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const m = model(dir);
  for (const [i, p] of refPrompts(dir).slice(0, 4).entries()) {
    const s = scoreText(m, p.prompt + p.text, { top: 3 });
    const ids = [...p.prompt_ids, ...p.greedy_ids];
    assert.deepEqual(s.tokens.map((x) => x.id), ids);
    const steps = new Float32Array(readFileSync(`${dir}/logits/p${i + 1}_steps_llamacpp_kvf32.f32`).buffer.slice(0));
    const n = p.prompt_ids.length;
    let worst = 0;
    for (let j = 0; j < 64; j++) {
      const row = steps.subarray(j * 512, (j + 1) * 512);
      const want = row[ids[n + j]!]! - logSumExp(row);
      worst = Math.max(worst, Math.abs(s.tokens[n + j]!.logprob! - want));
    }
    assert.ok(worst < 1e-4, `logprob differs by ${worst}`);
    assert.equal(s.tokens[0]!.logprob, null);
    const sum = s.tokens.reduce((a, x) => a + (x.logprob ?? 0), 0);
    assert.ok(Math.abs(s.total - sum) < 1e-9);
    assert.ok(Math.abs(s.perplexity - Math.exp(-s.total / (ids.length - 1))) < 1e-9);
    assert.equal(s.next.length, 3);
    assert.ok(s.next[0]!.prob >= s.next[1]!.prob && s.next[1]!.prob >= s.next[2]!.prob);
  }
  // Top next token after a prompt = llama.cpp's argmax, with its probability.
  const p0 = refPrompts(dir)[0]!;
  const s0 = scoreText(m, p0.prompt, { top: 1 });
  assert.equal(s0.next[0]!.id, p0.greedy_ids[0]);
  const want = Math.exp(p0.logits_last_prompt_pos[p0.greedy_ids[0]!]! - logSumExp(p0.logits_last_prompt_pos));
  assert.ok(Math.abs(s0.next[0]!.prob - want) < 1e-5);
  const ranked = rankTexts([scoreText(m, "park the to went cat The."), scoreText(m, "The cat went to the park.")]);
  assert.equal(ranked[0]!.text, "The cat went to the park.");
});

test("a logits hook steers sampling (here: only one token allowed) while reported log-probabilities stay the model's", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const m = model(dir);
  const free = await generateText(m, "Once upon a time", { temperature: 0, maxTokens: 4, ignoreEos: true });
  const only = free.ids[0] === 300 ? 301 : 300;
  const seen: number[][] = [];
  const it = generate(m, "Once upon a time", { temperature: 0, maxTokens: 4, ignoreEos: true }, undefined, {
    logits: (l, generated) => {
      seen.push([...generated]);
      for (let i = 0; i < l.length; i++) if (i !== only) l[i] = -Infinity;
    },
  });
  const toks = [];
  for (;;) {
    const r = await it.next();
    if (r.done === true) break;
    toks.push(r.value);
  }
  assert.deepEqual(toks.map((x) => x.id), [only, only, only, only]);
  assert.deepEqual(seen, [[], [only], [only, only], [only, only, only]], "the hook sees the ids generated so far");
  assert.ok(toks.every((x) => x.logprob < 0 && Number.isFinite(x.logprob)), "log-probabilities are the model's, not the masked ones");
});
