// encodeChat on a kotodama tokenizer with Japanese text: the ids, the assistant character spans and the token
// mask, each checked against what kotodama's template must produce (written out by hand below), not against the
// prefix-rendering that computes them. Not here: rendering real models' templates (tests/chat-templates.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { assistantCharSpans, encodeChat, tokenByteOffsets } from "./chat-encode.js";
import { type ChatMessage, ChatTemplateError, renderChat } from "./chat-template.js";
import { KOTODAMA_CHAT_TEMPLATE, chatTemplatesFor, hasKotodamaSpecials } from "./kotodama-chat.js";
import { trainBpe } from "./train.js";

const CORPUS = "富士山の高さは3776メートルです。日本で一番高い山です。ありがとうございます。こんにちは、元気ですか？\n".repeat(20);
const tok = trainBpe({ texts: [CORPUS], vocabSize: 400 });
const MESSAGES = [
  { role: "system", content: "あなたは親切なアシスタントです。" },
  { role: "user", content: "富士山の高さは？" },
  { role: "assistant", content: "3776メートルです。" },
  { role: "user", content: "一番高い山は？" },
  { role: "assistant", content: "富士山です。" },
];
const WANT =
  "<|bos|><|system|>\nあなたは親切なアシスタントです。<|end|><|user|>\n富士山の高さは？<|end|>" +
  "<|assistant|>\n3776メートルです。<|end|><|user|>\n一番高い山は？<|end|><|assistant|>\n富士山です。<|end|>";

test("a kotodama vocabulary gets kotodama's template; the rendering is the hand-written one", () => {
  assert.equal(hasKotodamaSpecials(tok), true);
  assert.equal(chatTemplatesFor(tok)?.template, KOTODAMA_CHAT_TEMPLATE);
  const r = encodeChat(tok, { messages: MESSAGES });
  assert.equal(r.text, WANT);
  assert.deepEqual(r.ids, tok.encode(WANT, { allowSpecial: true, addBos: false }));
  const bos = tok.special.bos!;
  assert.equal(r.ids[0], bos);
  assert.equal(r.ids.filter((id) => id === bos).length, 1, "exactly one BOS: the template writes it, encode adds none");
});

test("assistant spans are the responses with their <|end|>, as characters and as tokens", () => {
  const r = encodeChat(tok, { messages: MESSAGES });
  assert.deepEqual(r.assistantSpans.map((s) => [s.message, r.text.slice(s.start, s.end)]), [[2, "3776メートルです。<|end|>"], [4, "富士山です。<|end|>"]]);
  const end = tok.encode("<|end|>", { allowSpecial: true, addBos: false });
  const utf8 = new TextDecoder();
  for (const s of r.assistantSpans) {
    assert.equal(s.exact, true, "the response starts after the '\\n' token and ends at <|end|>");
    const ids = r.ids.slice(s.tokenStart, s.tokenEnd);
    assert.equal(ids[ids.length - 1], end[0], "the masked tokens end with <|end|>");
    // Decoding the masked tokens (control tokens by their text) gives back exactly the span's text.
    const text = ids.map((id) => (tok.isAdded?.(id) === true ? tok.tokenText(id) : utf8.decode(tok.tokenBytes(id), { stream: true }))).join("");
    assert.equal(text, r.text.slice(s.start, s.end));
  }
  const masked = [...r.assistantMask].reduce((a, b) => a + b, 0);
  assert.equal(masked, r.assistantSpans.reduce((a, s) => a + s.tokenEnd - s.tokenStart, 0));
  assert.equal(r.assistantMask.length, r.ids.length);
  assert.equal(r.assistantMask[r.assistantSpans[0]!.tokenStart - 1], 0, "the '\\n' after <|assistant|> is prompt");
});

test("token offsets tile the text; a generation prompt adds no span", () => {
  const r = encodeChat(tok, { messages: MESSAGES.slice(0, 4), add_generation_prompt: true });
  assert.ok(r.text.endsWith("<|assistant|>\n"));
  assert.equal(r.assistantSpans.length, 1);
  let pos = 0;
  for (const [s, e] of r.offsets) {
    assert.ok(s <= pos && e >= s, "offsets are monotone");
    pos = Math.max(pos, e);
  }
  assert.equal(pos, r.text.length);
  assert.equal(tokenByteOffsets(tok, r.text, r.ids).at(-1)![1], new TextEncoder().encode(r.text).length);
});

test("a template that rewrites earlier turns makes the span an error, not a guess", () => {
  // Drops every assistant message but the last (as Qwen3 drops past reasoning): prefixes do not agree.
  const t = "{% for m in messages %}{% if m.role != 'assistant' or loop.last %}<{{ m.role }}>{{ m.content }}{% endif %}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";
  const render = (ms: readonly ChatMessage[], agp: boolean): string => renderChat(t, { messages: ms, add_generation_prompt: agp });
  const ms = MESSAGES.slice(1);
  assert.throws(() => assistantCharSpans(render, ms, render(ms, false)), ChatTemplateError);
  assert.throws(() => encodeChat(tok, { messages: [{ role: "tool", content: "x" }] }), /role must be system, user or assistant, got tool/);
});
