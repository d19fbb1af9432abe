// `kotodama chat-template` end to end (compiled CLI in a child process): a kotodama tokenizer → the hand-written
// rendering, --json spans, --show-template, a GGUF's own named templates, and errors naming the flag or message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { saveHfTokenizer } from "../../tokenizer/hf-json.js";
import { KOTODAMA_CHAT_TEMPLATE } from "../../tokenizer/kotodama-chat.js";
import { trainBpe } from "../../tokenizer/train.js";

const mainJs = fileURLToPath(new URL("../main.js", import.meta.url));

function cli(args: string[]): { rc: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ["-e", `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`, "--", ...args], { encoding: "utf8" });
  return { rc: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test("chat-template renders a conversation with kotodama's template; --json gives the assistant spans", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-chat-cli-"));
  saveHfTokenizer(trainBpe({ texts: ["おはようございます。今日はいい天気ですね。\n".repeat(10)], vocabSize: 300 }), join(dir, "tokenizer.json"));
  const msgs = join(dir, "m.json");
  writeFileSync(msgs, JSON.stringify([{ role: "user", content: "おはよう" }, { role: "assistant", content: "いい天気ですね。" }, { role: "user", content: "はい" }]));
  const r = cli(["chat-template", "--model", dir, "--messages", msgs, "--add-generation-prompt"]);
  assert.equal(r.rc, 0, r.err);
  assert.equal(r.out, "<|bos|><|user|>\nおはよう<|end|><|assistant|>\nいい天気ですね。<|end|><|user|>\nはい<|end|><|assistant|>\n");
  const j = JSON.parse(cli(["chat-template", "--model", dir, "--messages", msgs, "--json"]).out) as { text: string; ids: number[]; assistant_spans: { message: number; start: number; end: number }[] };
  assert.deepEqual(j.assistant_spans.map((s) => [s.message, j.text.slice(s.start, s.end)]), [[1, "いい天気ですね。<|end|>"]]);
  assert.equal(cli(["chat-template", "--model", dir, "--show-template"]).out, `${KOTODAMA_CHAT_TEMPLATE}\n`);
  assert.match(cli(["chat-template", "--help"]).out, /--add-generation-prompt/);
  writeFileSync(msgs, JSON.stringify({ messages: [{ role: "user", content: 1 }] }));
  const bad = cli(["chat-template", "--model", dir, "--messages", msgs]);
  assert.equal(bad.rc, 2);
  assert.match(bad.err, /messages\[0\]\.content: expected a string/);
  assert.match(cli(["chat-template", "--messages", msgs]).err, /--model PATH is required/);
  assert.match(cli(["chat-template", "--model", dir, "--show-template", "--template", "rag"]).err, /no chat template named "rag"/);
});
