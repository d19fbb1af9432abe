// The endpoint chat's conversation against a stub server: each request carries the system message and the whole
// history, replies are trimmed, a failed request leaves the conversation as it was, /reset and /system act on what
// the next request sends. (Against a real kotodama server: endpoint-serve.test.ts.)
import assert from "node:assert/strict";
import { test } from "node:test";
import type { EndpointResponder } from "../../infer/endpoint.js";
import type { ChatTurn } from "../../infer/responder.js";
import { KotodamaError } from "../../util/errors.js";
import { EndpointConversation } from "./chat-endpoint.js";

function stub(fail: () => boolean): { responder: EndpointResponder; seen: ChatTurn[][]; maxTokens: number[] } {
  const seen: ChatTurn[][] = [], maxTokens: number[] = [];
  const responder = {
    async answerOne(messages: readonly ChatTurn[], o: { maxTokens: number }) {
      if (fail()) throw new KotodamaError("http://stub/v1/chat/completions: 500");
      seen.push(messages.map((m) => ({ ...m })));
      maxTokens.push(o.maxTokens);
      return { text: `reply ${seen.length}`, generatedTokens: 2 };
    },
  } as unknown as EndpointResponder;
  return { responder, seen, maxTokens };
}

test("EndpointConversation: the history and system message in every request; a failure keeps the conversation", async () => {
  let failing = false;
  const s = stub(() => failing);
  const c = new EndpointConversation(s.responder, "Be brief.", 33);
  assert.deepEqual(await c.send("one"), { reply: "reply 1", generatedTokens: 2 });
  await c.send("two");
  assert.deepEqual(s.seen[1], [
    { role: "system", content: "Be brief." }, { role: "user", content: "one" }, { role: "assistant", content: "reply 1" }, { role: "user", content: "two" },
  ]);
  assert.deepEqual(s.maxTokens, [33, 33]);
  failing = true;
  await assert.rejects(c.send("three"), /500/);
  assert.equal(c.messages().length, 5, "the failed turn is not kept");
  failing = false;
  c.setSystem(null);
  await c.send("four");
  assert.deepEqual(s.seen[2]!.map((m) => m.content), ["one", "reply 1", "two", "reply 2", "four"]);
  c.reset();
  c.setSystem("New.");
  await c.send("five");
  assert.deepEqual(s.seen[3], [{ role: "system", content: "New." }, { role: "user", content: "five" }]);
});
