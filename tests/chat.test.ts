// `kotodama chat` and the ChatSession behind it, on a family fixture with a ChatML template: the prompt is the
// template's rendering (checked against an independent encodeChat), the greedy reply is llama.cpp's greedy
// continuation of that prompt cut at the first end-of-turn token, history is trimmed to the context, and the
// one-turn CLI prints {"reply", "ids"}. Not here: template rendering itself (chat-templates.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatSession, endOfTurnIds, openInferModel, type ChatReply } from "../src/infer/index.js";
import { encodeChat } from "../src/tokenizer/index.js";
import { packageRoot } from "../src/util/paths.js";
import { writeFixture } from "./fixtures/families.js";
import { llamaCppOrSkip, openLlamaCppModel } from "./support/llamacpp.js";

const dir = mkdtempSync(join(tmpdir(), "kotodama-chat-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function send(s: ChatSession, text: string, options: Record<string, unknown>): Promise<ChatReply> {
  const it = s.send(text, options);
  for (;;) {
    const r = await it.next();
    if (r.done === true) return r.value;
  }
}

test("chat: the prompt is the template's rendering and the greedy reply is llama.cpp's, cut at the end of turn", async (t) => {
  const fx = writeFixture(dir, "qwen2", "f32");
  const model = openInferModel(fx.path);
  const s = new ChatSession(model, { system: "You are terse." });
  const r = await send(s, "Once upon a time", { temperature: 0, maxTokens: 16 });
  const want = encodeChat(model.tokenizer, { messages: [{ role: "system", content: "You are terse." }, { role: "user", content: "Once upon a time" }], add_generation_prompt: true });
  assert.deepEqual(r.promptIds, want.ids, "prompt = the ChatML rendering, special tokens parsed");
  assert.equal(s.messages().length, 3, "system, user, assistant");
  assert.equal(s.messages()[2]!.content, r.reply);
  const llama = await llamaCppOrSkip(t);
  if (llama === null) return;
  const m = await openLlamaCppModel(llama, fx.path, { contextSize: 256 });
  try {
    const greedy = await m.greedy(r.promptIds, 16);
    const ends = endOfTurnIds(model.tokenizer);
    const cut = greedy.findIndex((id) => ends.has(id));
    assert.deepEqual(r.ids, cut < 0 ? greedy : greedy.slice(0, cut), "reply ids = llama.cpp's greedy ids up to the end of turn");
    assert.equal(r.finishReason, cut < 0 ? "length" : "eos");
  } finally {
    await m.dispose();
  }
});

test("chat: the oldest exchanges are dropped when the conversation outgrows the context; /reset-style reset empties it", async () => {
  const fx = writeFixture(dir, "qwen3", "f32");
  const s = new ChatSession(openInferModel(fx.path), { system: "sys" });
  const long = "The quick brown fox jumps over the lazy dog. ".repeat(3);
  let trimmed = 0;
  for (let i = 0; i < 6; i++) {
    const r = await send(s, `${i}: ${long}`, { temperature: 0, maxTokens: 8, context: 160 });
    assert.ok(r.promptIds.length + r.ids.length <= 160, "prompt + reply fit the context");
    trimmed += r.trimmed;
  }
  assert.ok(trimmed > 0, "something was dropped");
  assert.equal(s.messages()[0]!.role, "system", "the system message is kept");
  assert.ok(s.messages().some((m) => typeof m.content === "string" && m.content.startsWith("5:")), "the newest turn is kept");
  s.reset();
  assert.equal(s.messages().length, 1);
});

test("kotodama chat --message --json prints {reply, ids}", () => {
  const fx = writeFixture(dir, "gemma2", "q8_0");
  const r = spawnSync(process.execPath, [join(packageRoot(), "bin", "kotodama"), "chat", "--model", fx.path, "--message", "Hello", "--temperature", "0", "--max-tokens", "6", "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { reply: unknown; ids: unknown };
  assert.equal(typeof j.reply, "string");
  assert.ok(Array.isArray(j.ids) && j.ids.every((x) => Number.isInteger(x)));
  const bad = spawnSync(process.execPath, [join(packageRoot(), "bin", "kotodama"), "chat", "--model", fx.path, "--json"], { encoding: "utf8" });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--json needs --message/);
});

test("kotodama chat, interactive over a pipe: /system, /save, /reset and /exit act in order, no line is lost", () => {
  const fx = writeFixture(dir, "phi3", "q8_0");
  const save = join(dir, "conv.json");
  const input = ["first question", "/system be brief", `/save ${save}`, "/reset", "second question", `/save ${save}2`, "/exit", "never read"].join("\n");
  const r = spawnSync(process.execPath, [join(packageRoot(), "bin", "kotodama"), "chat", "--model", fx.path, "--temperature", "0", "--max-tokens", "4"], { encoding: "utf8", input });
  assert.equal(r.status, 0, r.stderr);
  const first = JSON.parse(readFileSync(save, "utf8")) as { messages: { role: string; content: string }[] };
  assert.deepEqual(first.messages.map((m) => m.role), ["system", "user", "assistant"]);
  assert.equal(first.messages[0]!.content, "be brief");
  assert.equal(first.messages[1]!.content, "first question");
  const second = JSON.parse(readFileSync(`${save}2`, "utf8")) as { messages: { role: string; content: string }[] };
  assert.deepEqual(second.messages.map((m) => [m.role, m.role === "assistant" ? "" : m.content]), [["system", "be brief"], ["user", "second question"], ["assistant", ""]]);
});
