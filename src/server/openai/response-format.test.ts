// response_format through the server with the official `openai` client, on loopback with stories260K
// (../shared/reference; skipped visibly when absent): json_schema on chat (plain, n > 1, streamed) and json_object
// on completions give text that parses and validates (ajv); llama.cpp's `grammar` field; a schema the grammar
// compiler rejects is a 400 in OpenAI's error shape naming the field. Not here: the parsers' edge cases
// (requests.test.ts), the grammar engine (src/infer/constrain).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Ajv } from "ajv";
import OpenAI from "openai";
import { sharedPath } from "../../util/paths.js";
import { ApiKeys } from "./auth.js";
import { startOpenAIServer, type RunningServer } from "./server.js";

const MODEL_PATH = sharedPath("reference", "stories260K", "stories260K.gguf");
const KEY = "sk-test-0123456789";
if (MODEL_PATH === null && process.env.KOTODAMA_REQUIRE_SHARED === "1") throw new Error("../shared/reference/stories260K/stories260K.gguf is absent (KOTODAMA_REQUIRE_SHARED=1)");
const skip = MODEL_PATH === null ? "../shared/reference/stories260K/stories260K.gguf is absent; skipped" : false;

const schema = {
  type: "object",
  properties: { name: { type: "string", maxLength: 10 }, age: { type: "integer" }, pets: { type: "array", items: { enum: ["cat", "dog"] }, maxItems: 2 } },
  required: ["name", "age", "pets"],
  additionalProperties: false,
};

describe("response_format on the OpenAI-compatible server", { skip }, () => {
  let server: RunningServer;
  let client: OpenAI;
  const validate = new Ajv().compile(schema);

  before(async () => {
    server = await startOpenAIServer({ models: [{ name: "stories", path: MODEL_PATH! }], keys: new ApiKeys([KEY]), threads: 1 });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
  });
  after(async () => {
    await server.stop();
  });

  const format = { type: "json_schema" as const, json_schema: { name: "person", schema, strict: true } };

  test("chat with a json_schema: every choice parses and validates, and ends with finish_reason stop", async () => {
    const r = await client.chat.completions.create({ model: "stories", messages: [{ role: "user", content: "Tell me about Lily." }], response_format: format, n: 3, seed: 4, max_tokens: 90 });
    assert.equal(r.choices.length, 3);
    for (const c of r.choices) {
      assert.equal(c.finish_reason, "stop", c.message.content ?? "");
      assert.ok(validate(JSON.parse(c.message.content!)), c.message.content ?? "");
    }
  });

  test("streamed chat with a json_schema: the deltas concatenate to a valid value", async () => {
    const stream = await client.chat.completions.create({ model: "stories", messages: [{ role: "user", content: "A dog." }], response_format: format, seed: 9, max_tokens: 90, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.ok(validate(JSON.parse(text)), text);
  });

  test("completions with json_object give a JSON object; llama.cpp's grammar field constrains to GBNF", async () => {
    const r = await client.completions.create({ model: "stories", prompt: "Once upon a time", max_tokens: 60, seed: 1, response_format: { type: "json_object" } } as OpenAI.CompletionCreateParamsNonStreaming);
    if (r.choices[0]!.finish_reason === "stop") {
      const v: unknown = JSON.parse(r.choices[0]!.text);
      assert.ok(typeof v === "object" && v !== null && !Array.isArray(v), r.choices[0]!.text);
    } else assert.match(r.choices[0]!.text, /^\{/);
    const g = await client.completions.create({ model: "stories", prompt: "Is the sky blue?", max_tokens: 10, seed: 2, grammar: 'root ::= ("yes" | "no") "."' } as OpenAI.CompletionCreateParamsNonStreaming);
    assert.match(g.choices[0]!.text, /^(yes|no)\.$/);
    assert.equal(g.choices[0]!.finish_reason, "stop");
  });

  test("a schema with an unsupported keyword is a 400 naming response_format.json_schema.schema", async () => {
    const bad = { type: "json_schema" as const, json_schema: { name: "x", schema: { type: "string", format: "email" } } };
    await assert.rejects(client.chat.completions.create({ model: "stories", messages: [{ role: "user", content: "hi" }], response_format: bad }), (e: unknown) => {
      const err = e as { status: number; param: string; type: string; message: string };
      assert.equal(err.status, 400);
      assert.equal(err.param, "response_format.json_schema.schema");
      assert.equal(err.type, "invalid_request_error");
      assert.match(err.message, /the keyword "format" is not supported/);
      return true;
    });
  });
});
