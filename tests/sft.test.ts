// SFT end to end on a family fixture (Qwen2 flags, ChatML template in its GGUF): full fine-tuning on 20 examples
// lowers the loss on response tokens, and the resulting run directory chats in ChatML (the template stored in
// tokenizer_config.json) and greedily reproduces a trained answer. A run stopped after a checkpoint and resumed
// ends with the same weights as an uninterrupted one. Not here: formats and masks (src/train/sft/*.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../src/engine/backend.js";
import { ChatSession, openInferModel, type ChatReply } from "../src/infer/index.js";
import { readMetrics } from "../src/train/metrics.js";
import { runSft } from "../src/train/sft/index.js";
import { CHATML, writeFixture } from "./fixtures/families.js";

const dir = mkdtempSync(join(tmpdir(), "kotodama-sft-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const CITIES = ["Paris", "Rome", "Tokyo", "Lima", "Oslo", "Cairo", "Delhi", "Quito", "Seoul", "Bern"];
const COUNTRIES = ["France", "Italy", "Japan", "Peru", "Norway", "Egypt", "India", "Ecuador", "Korea", "Switzerland"];

/** 20 examples in two formats: capitals (chat) and reversed words (prompt/completion). */
function writeData(): { chat: string; pc: string } {
  const chat = join(dir, "capitals.jsonl");
  writeFileSync(chat, CITIES.map((c, i) => JSON.stringify({ messages: [{ role: "user", content: `Capital of ${COUNTRIES[i]}?` }, { role: "assistant", content: `${c}.` }] })).join("\n"));
  const pc = join(dir, "pairs.jsonl");
  writeFileSync(pc, CITIES.map((c, i) => JSON.stringify({ prompt: `Where is ${c}?`, completion: `In ${COUNTRIES[i]}.` })).join("\n"));
  return { chat, pc };
}

async function reply(s: ChatSession, text: string): Promise<ChatReply> {
  const it = s.send(text, { temperature: 0, maxTokens: 12 });
  for (;;) {
    const r = await it.next();
    if (r.done === true) return r.value;
  }
}

test("sft on a Qwen2 fixture: response loss falls, the run directory chats in ChatML and recalls a trained answer", async () => {
  const fx = writeFixture(dir, "qwen2", "f32");
  const { chat, pc } = writeData();
  const out = join(dir, "run");
  const backend = loadBackend({ threads: 2 });
  const res = runSft({
    model: fx.path, data: [chat, pc], valData: [chat], outDir: out, backend,
    settings: { maxSteps: 40, lr: 3e-3, batchSize: 4, seed: 3 },
  });
  assert.equal(res.steps, 40);
  assert.equal(res.trainExamples, 20);
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors", "checkpoint.safetensors", "metrics.jsonl", "loss.svg"]) assert.ok(existsSync(join(out, f)), f);
  const m = readMetrics(join(out, "metrics.jsonl"));
  const first = m.slice(0, 4).reduce((s, r) => s + r.train_loss, 0) / 4;
  const last = m.slice(-4).reduce((s, r) => s + r.train_loss, 0) / 4;
  process.stderr.write(`# response loss: first 4 steps ${first.toFixed(3)}, last 4 ${last.toFixed(3)}, val ${res.lastValLoss?.toFixed(3)}\n`);
  assert.ok(last < first / 4, `response loss fell from ${first} to ${last}`);
  const cfg = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as { sft: { data: { path: string; sha256: string; format: string }[] } };
  assert.deepEqual(cfg.sft.data.map((d) => [d.path, d.format, d.sha256.length]), [[chat, "chat", 64], [pc, "prompt-completion", 64]]);

  const model = openInferModel(out, { backend });
  assert.equal(model.tokenizer.chatTemplate?.template, CHATML, "the GGUF's template survives in the run directory");
  const s = new ChatSession(model, {});
  const r = await reply(s, "Capital of Japan?");
  assert.equal(r.reply, "Tokyo.");
});

test("sft resume: stopped after a checkpoint and resumed, the weights equal an uninterrupted run's", () => {
  const fx = writeFixture(dir, "qwen2", "f32", 2);
  const { chat } = writeData();
  const backend = loadBackend({ threads: 2 });
  const settings = { maxSteps: 8, lr: 1e-3, batchSize: 2, seed: 5 };
  const full = join(dir, "full");
  const split = join(dir, "split");
  runSft({ model: fx.path, data: [chat], outDir: full, backend, settings });
  const a = runSft({ model: fx.path, data: [chat], outDir: split, backend, settings, stopAfterStep: 3 });
  assert.equal(a.steps, 3);
  const atStop = readFileSync(join(split, "model.safetensors"));
  const b = runSft({ model: fx.path, data: [chat], outDir: split, backend, settings });
  assert.equal(b.resumedFrom, 3);
  assert.deepEqual(readFileSync(join(split, "model.safetensors")), readFileSync(join(full, "model.safetensors")));
  assert.notDeepEqual(readFileSync(join(split, "model.safetensors")), atStop, "the resumed steps changed the weights");
});
