// Response-only targets: for English, Japanese and multi-turn chats under kotodama's template the targets equal
// a mask derived independently from the ids (a scan for the <|assistant|> … <|end|> control tokens); and with a
// tokenizer whose BPE merges cross the prompt/response boundary (the plain template, no control token there),
// searching for the response's own token sequence fails while the character-span mask is right.
// Not here: encodeChat's span computation itself (tokenizer/chat-encode.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeChat, KOTODAMA_CHAT_TEMPLATES, trainBpe, type Tokenizer } from "../../tokenizer/index.js";
import { IGNORE_INDEX } from "../data.js";
import { encodeExamples, sftTargets } from "./examples.js";
import type { SftMessage } from "./formats.js";
import { PLAIN_CHAT_TEMPLATES } from "./template.js";

const one = (tok: Tokenizer, s: string): number => {
  const ids = tok.encode(s, { allowSpecial: true, addBos: false });
  assert.equal(ids.length, 1, s);
  return ids[0]!;
};

/** The expected targets from the ids alone: a response runs from the token after "<|assistant|>" "\n" through
 *  its "<|end|>" (control tokens never merge, and "\n" is its own pre-token under GPT-2's pattern). */
function expectedTargets(tok: Tokenizer, ids: readonly number[]): number[] {
  const asst = one(tok, "<|assistant|>");
  const end = one(tok, "<|end|>");
  const nl = one(tok, "\n");
  const inResp = ids.map(() => false);
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== asst) continue;
    assert.equal(ids[i + 1], nl);
    let j = i + 2;
    while (ids[j] !== end) inResp[j++] = true;
    inResp[j] = true;
  }
  return ids.slice(1).map((id, t) => (inResp[t + 1] ? id : IGNORE_INDEX));
}

/** Text of ids with control tokens spelled out (decode() drops them); bytes joined before decoding, since byte-level
 *  tokens may split a character. */
function spell(tok: Tokenizer, ids: readonly number[]): string {
  const parts = ids.map((id) => (tok.isAdded?.(id) === true ? new TextEncoder().encode(tok.tokenText(id)) : tok.tokenBytes(id)));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new TextDecoder().decode(all);
}

const EN = "The capital of France is Paris. Thank you! How are you today? I am fine, thanks for asking.\n".repeat(20);
const JA = "富士山の高さは3776メートルです。日本で一番高い山です。ありがとうございます。こんにちは、元気ですか？\n".repeat(20);

const CASES: { name: string; corpus: string; messages: SftMessage[]; responses: string[] }[] = [
  { name: "English", corpus: EN, messages: [{ role: "user", content: "What is the capital of France?" }, { role: "assistant", content: "Paris. Thank you!" }], responses: ["Paris. Thank you!"] },
  { name: "Japanese", corpus: JA, messages: [{ role: "user", content: "富士山の高さは？" }, { role: "assistant", content: "3776メートルです。" }], responses: ["3776メートルです。"] },
  {
    name: "multi-turn with system",
    corpus: EN + JA,
    messages: [
      { role: "system", content: "You are kind." },
      { role: "user", content: "How are you today?" },
      { role: "assistant", content: "I am fine, thanks for asking." },
      { role: "user", content: "一番高い山は？" },
      { role: "assistant", content: "富士山です。" },
    ],
    responses: ["I am fine, thanks for asking.", "富士山です。"],
  },
];

for (const c of CASES) {
  test(`targets cover exactly the assistant tokens (${c.name}, kotodama's template)`, () => {
    const tok = trainBpe({ texts: [c.corpus], vocabSize: 420 });
    const enc = encodeChat(tok, { messages: c.messages }, { template: KOTODAMA_CHAT_TEMPLATES });
    const { inputs, targets } = sftTargets(enc);
    assert.deepEqual([...inputs], enc.ids.slice(0, -1));
    assert.deepEqual([...targets], expectedTargets(tok, enc.ids));
    // The kept targets spell the responses and their end markers, in order.
    const kept = [...targets].filter((y) => y !== IGNORE_INDEX);
    assert.equal(spell(tok, kept), c.responses.map((r) => `${r}<|end|>`).join(""));
  });
}

test("a BPE merge across the prompt/response boundary: a token search fails, the character-span mask is right", () => {
  // Pre-tokenize nothing (one pre-token per text), so merges may span "Assistant:\n" and the response.
  const turn = "### User:\n富士山の高さは？\n\n### Assistant:\n富士山は3776メートルです。";
  const tok = trainBpe({ texts: Array.from({ length: 40 }, () => turn), vocabSize: 300, pattern: "[^\\x00]+", minFrequency: 2 });
  const response = "富士山は3776メートルです。";
  const messages: SftMessage[] = [{ role: "user", content: "富士山の高さは？" }, { role: "assistant", content: response }];
  const enc = encodeChat(tok, { messages }, { template: PLAIN_CHAT_TEMPLATES });
  const eos = tok.tokenText(tok.special.eos!);
  assert.ok(enc.text.endsWith(`### Assistant:\n${response}${eos}`));
  const span = enc.assistantSpans[0]!;
  assert.equal(enc.text.slice(span.start, span.end), `${response}${eos}`);
  assert.equal(span.exact, false, "the first response token also holds prompt text");
  const [s0] = enc.offsets[span.tokenStart]!;
  const straddle = enc.text.slice(s0, enc.offsets[span.tokenStart]![1]);
  assert.ok(s0 < span.start, "it starts inside the prompt");
  assert.equal(straddle, "t:\n富士山", "BPE merged the end of 'Assistant:\n' with the response's first characters");

  // Counter-example: the response's own tokens do not occur in the conversation's ids.
  const alone = tok.encode(`${response}${eos}`, { allowSpecial: true, addBos: false });
  const find = (hay: readonly number[], needle: readonly number[]): number => {
    for (let i = 0; i + needle.length <= hay.length; i++) if (needle.every((x, j) => hay[i + j] === x)) return i;
    return -1;
  };
  assert.equal(find(enc.ids, alone), -1, "a token-sequence search cannot find the response");

  // The mask: every token from the straddling one through EOS, nothing before it — written out by hand from the
  // token texts (tokens before the straddle spell the prompt up to it; the masked ones spell the rest).
  const { targets } = sftTargets(enc);
  const k = span.tokenStart;
  assert.equal(spell(tok, enc.ids.slice(0, k)), enc.text.slice(0, s0), "the unmasked tokens spell the prompt before the straddle");
  assert.equal(spell(tok, enc.ids.slice(k, k + 1)), straddle);
  assert.equal(spell(tok, enc.ids.slice(k)), `t:\n${response}${eos}`, "the masked tokens spell the straddle, the response and EOS");
  const want = enc.ids.slice(1).map((id, t) => (t + 1 >= k ? id : IGNORE_INDEX));
  assert.deepEqual([...targets], want);
});

test("examples longer than the context are truncated or dropped, and counted", () => {
  const tok = trainBpe({ texts: [EN], vocabSize: 420 });
  const long: SftMessage[] = [{ role: "user", content: "How are you today? ".repeat(6) }, { role: "assistant", content: "I am fine, thanks for asking. ".repeat(6) }];
  const short: SftMessage[] = [{ role: "user", content: "Hi" }, { role: "assistant", content: "Paris." }];
  const ex = [{ messages: long, where: "a:1" }, { messages: short, where: "a:2" }];
  const n = encodeChat(tok, { messages: long }, { template: KOTODAMA_CHAT_TEMPLATES }).ids.length - 1;
  const promptLen = encodeChat(tok, { messages: long.slice(0, 1), add_generation_prompt: true }, { template: KOTODAMA_CHAT_TEMPLATES }).ids.length;
  const T = promptLen + 3; // three response targets fit
  const cut = encodeExamples(tok, ex, { templates: KOTODAMA_CHAT_TEMPLATES, context: T, overflow: "truncate" });
  assert.ok(n > T);
  assert.deepEqual([cut.rows.length, cut.truncated, cut.dropped], [2, 1, 0]);
  assert.equal(cut.rows[0]!.inputs.length, T);
  assert.equal([...cut.rows[0]!.targets].filter((y) => y !== IGNORE_INDEX).length, 4, "the response's first token is predicted from the prompt's last position");
  const drop = encodeExamples(tok, ex, { templates: KOTODAMA_CHAT_TEMPLATES, context: T, overflow: "drop" });
  assert.deepEqual([drop.rows.length, drop.truncated, drop.dropped, drop.rows[0]!.where], [1, 0, 1, "a:2"]);
  const none = encodeExamples(tok, ex, { templates: KOTODAMA_CHAT_TEMPLATES, context: promptLen - 2, overflow: "truncate" });
  assert.deepEqual([none.rows.length, none.dropped], [1, 1], "a row whose response starts past the context is dropped");
});
