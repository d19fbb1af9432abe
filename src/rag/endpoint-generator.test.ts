// endpointGenerator over a recording ChatResponder: one greedy request per chat with the messages and maxTokens as
// given, the answer passed through, the byte bound against a hand count, and the errors for what the chat API
// cannot carry. Not here: a real server (cli/commands/endpoint-serve.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AnswerOptions, ChatResponder, ChatTurn } from "../infer/responder.js";
import { KotodamaError } from "../util/errors.js";
import { BYTE_BOUND_ALLOWANCE, byteBoundTokens, endpointGenerator } from "./endpoint-generator.js";

function recorder(): ChatResponder & { calls: { conversations: (readonly ChatTurn[])[]; options: AnswerOptions }[] } {
  const calls: { conversations: (readonly ChatTurn[])[]; options: AnswerOptions }[] = [];
  return {
    name: "recorder", settings: {}, calls,
    async answer(conversations, options) {
      calls.push({ conversations: [...conversations], options });
      return conversations.map((c) => ({ text: `echo ${c[c.length - 1]!.content}`, generatedTokens: 1 }));
    },
  };
}

test("endpointGenerator: one request per chat, messages and maxTokens as given, the reply returned", async () => {
  const r = recorder();
  const g = endpointGenerator(r, { contextTokens: 300 });
  const msgs = [{ role: "system", content: "Be brief." }, { role: "user", content: "富士山" }];
  assert.equal(await g.complete(msgs, { maxTokens: 7 }), "echo 富士山");
  assert.deepEqual(r.calls, [{ conversations: [[{ role: "system", content: "Be brief." }, { role: "user", content: "富士山" }]], options: { maxTokens: 7 } }]);
  assert.equal(g.contextTokens, 300);
  // The byte bound by hand: 16 + (9 + 16) + (9 + 16) — "富士山" is 9 UTF-8 bytes.
  assert.equal(BYTE_BOUND_ALLOWANCE.perChat + BYTE_BOUND_ALLOWANCE.perMessage * 2, 48);
  assert.equal(g.countTokens(msgs), 66);
  assert.equal(byteBoundTokens(msgs), 66);
  // An exact counter replaces the bound.
  assert.equal(endpointGenerator(r, { contextTokens: 300, countTokens: (m) => m.length }).countTokens(msgs), 2);
});

test("endpointGenerator: what a chat request cannot carry is a clear error", async () => {
  const g = endpointGenerator(recorder(), { contextTokens: 64 });
  await assert.rejects(g.complete([{ role: "tool", content: "x" }], { maxTokens: 1 }), (e: Error) => e instanceof KotodamaError && /role 'tool' is not system, user or assistant/.test(e.message));
  await assert.rejects(g.complete([{ role: "user", content: [{ type: "text", text: "x" }] }], { maxTokens: 1 }), /role 'user' has no plain-text content/);
  assert.throws(() => endpointGenerator(recorder(), { contextTokens: 4 }), /contextTokens must be an integer ≥ 8, got 4/);
});
