// The request parsers, API keys, model specs (--allow-dir confinement), the registry's LRU unloading and the
// metrics text, without a model. Not here: anything that generates (server.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiKeys, readKeyFile } from "./auth.js";
import { ApiError } from "./errors.js";
import { Metrics } from "./metrics.js";
import { defaultModelName, parseModelFlag, resolveModelSpecs } from "./model-specs.js";
import { heldBytes, ModelRegistry } from "./registry.js";
import { parseChatRequest, parseCompletionRequest, parseEmbeddingRequest } from "./requests.js";

const fails = (f: () => unknown, param: string, status = 400): void => {
  assert.throws(f, (e: unknown) => e instanceof ApiError && e.status === status && e.param === param, `expected a ${status} on ${param}`);
};

test("completion requests: prompts of four kinds, OpenAI sampling defaults, strict fields", () => {
  const r = parseCompletionRequest({ model: "m", prompt: "hi", max_tokens: 3, logprobs: 2, echo: true, stop: "\n", seed: 5 });
  assert.equal(r.model, "m");
  assert.deepEqual(r.job.prompts, ["hi"]);
  assert.equal(r.job.maxTokens, 3);
  assert.equal(r.job.logprobs, 2);
  assert.deepEqual(r.job.sampling, { temperature: 1, topP: 1, topK: 0, minP: 0, repeatPenalty: 1, repeatLastN: -1, frequencyPenalty: 0, presencePenalty: 0, seed: 5, stop: ["\n"], ignoreEos: false });
  assert.deepEqual(parseCompletionRequest({ model: "m", prompt: ["a", "b"] }).job.prompts, ["a", "b"]);
  assert.deepEqual(parseCompletionRequest({ model: "m", prompt: [1, 2, 3] }).job.prompts, [[1, 2, 3]]);
  assert.deepEqual(parseCompletionRequest({ model: "m", prompt: [[1], [2, 3]] }).job.prompts, [[1], [2, 3]]);
  assert.equal(parseCompletionRequest({ model: "m", prompt: "x" }).job.maxTokens, null);
  fails(() => parseCompletionRequest({ model: "m", prompt: "x", temprature: 0 }), "temprature");
  fails(() => parseCompletionRequest({ model: "m", prompt: [1, "a"] }), "prompt");
  fails(() => parseCompletionRequest({ model: "m", prompt: [] }), "prompt");
  fails(() => parseCompletionRequest({ model: "m", prompt: "x", temperature: 2.5 }), "temperature");
  fails(() => parseCompletionRequest({ model: "m", prompt: "x", top_p: "1" }), "top_p");
  fails(() => parseCompletionRequest({ model: "m", prompt: "x", top_k: -1 }), "top_k");
  fails(() => parseCompletionRequest({ model: "m", prompt: "x", stop: ["a", "b", "c", "d", "e"] }), "stop");
  fails(() => parseCompletionRequest({ model: "m", prompt: "x", n: 2, best_of: 3 }), "best_of");
  fails(() => parseCompletionRequest({ model: "m", prompt: "x", logit_bias: { 5: 10 } }), "logit_bias");
  fails(() => parseCompletionRequest({ model: "m", prompt: "x", stream_options: { include_usage: true } }), "stream_options");
  fails(() => parseCompletionRequest({ prompt: "x" }), "model");
  fails(() => parseCompletionRequest({ model: "m", prompt: "x", n: 99 }), "n");
});

test("chat requests: messages checked (developer = system, text parts joined), max_completion_tokens, logprobs", () => {
  const r = parseChatRequest({
    model: "m", messages: [{ role: "developer", content: "be brief" }, { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }, { role: "assistant", content: null }],
    max_completion_tokens: 9, logprobs: true, top_logprobs: 4, stream: true, stream_options: { include_usage: true },
  });
  assert.deepEqual(r.job.messages, [{ role: "system", content: "be brief" }, { role: "user", content: "ab" }, { role: "assistant", content: "" }]);
  assert.equal(r.job.maxTokens, 9);
  assert.equal(r.job.topLogprobs, 4);
  assert.ok(r.stream && r.includeUsage);
  fails(() => parseChatRequest({ model: "m", messages: [{ role: "tool", content: "x" }] }), "messages[0].role");
  fails(() => parseChatRequest({ model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: "x" }] }] }), "messages[0].content[0]");
  fails(() => parseChatRequest({ model: "m", messages: [{ role: "user", content: "x", tool_calls: [] }] }), "messages[0].tool_calls");
  fails(() => parseChatRequest({ model: "m", messages: [] }), "messages");
  fails(() => parseChatRequest({ model: "m", messages: [{ role: "user", content: "x" }], top_logprobs: 2 }), "top_logprobs");
  fails(() => parseChatRequest({ model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 3, max_completion_tokens: 4 }), "max_completion_tokens");
  fails(() => parseChatRequest({ model: "m", messages: [{ role: "user", content: "x" }], response_format: { type: "yaml" } }), "response_format.type");
  fails(() => parseChatRequest({ model: "m", messages: [{ role: "user", content: "x" }], tools: [{ type: "function" }] }), "tools");
});

test("response_format and grammar: json_schema, json_object, GBNF become the job's constraint; bad ones are 400s naming the field", () => {
  const msgs = [{ role: "user", content: "x" }];
  const schema = { type: "object", properties: { a: { type: "integer" } }, required: ["a"], additionalProperties: false };
  const r = parseChatRequest({ model: "m", messages: msgs, response_format: { type: "json_schema", json_schema: { name: "thing", schema, strict: true } } });
  assert.deepEqual(r.job.constraint, { kind: "json-schema", schema, source: "response_format.json_schema.schema" });
  assert.deepEqual(parseChatRequest({ model: "m", messages: msgs, response_format: { type: "json_object" } }).job.constraint, { kind: "json-object" });
  assert.equal(parseChatRequest({ model: "m", messages: msgs, response_format: { type: "text" } }).job.constraint, null);
  assert.deepEqual(parseCompletionRequest({ model: "m", prompt: "p", grammar: 'root ::= "yes" | "no"' }).job.constraint, { kind: "gbnf", text: 'root ::= "yes" | "no"', source: "grammar" });
  assert.deepEqual(parseCompletionRequest({ model: "m", prompt: "p", response_format: { type: "json_object" } }).job.constraint, { kind: "json-object" });
  const bad = (body: Record<string, unknown>): ApiError => {
    try {
      parseChatRequest({ model: "m", messages: msgs, ...body });
    } catch (e) {
      return e as ApiError;
    }
    throw new Error("no error");
  };
  const e1 = bad({ response_format: { type: "json_schema", json_schema: { name: "t", schema: { type: "string", pattern: "^a" } } } });
  assert.equal(e1.status, 400);
  assert.equal(e1.param, "response_format.json_schema.schema");
  assert.equal(e1.message, 'response_format.json_schema.schema: at /pattern: the keyword "pattern" is not supported by constrained decoding (supported: type, properties, required, additionalProperties, enum, const, anyOf, oneOf, allOf, items, minItems, maxItems, minLength, maxLength, $ref)');
  fails(() => parseChatRequest({ model: "m", messages: msgs, response_format: { type: "json_schema", json_schema: { schema } } }), "response_format.json_schema.name");
  fails(() => parseChatRequest({ model: "m", messages: msgs, response_format: { type: "json_schema", json_schema: { name: "t", schema, stric: true } } }), "response_format.json_schema.stric");
  fails(() => parseChatRequest({ model: "m", messages: msgs, response_format: { type: "json_schema", json_schema: { name: "t" } } }), "response_format.json_schema.schema");
  const e2 = bad({ grammar: 'root ::= "a" b' });
  assert.equal(e2.param, "grammar");
  assert.match(e2.message, /^grammar: grammar:1:14: rule b is used but never defined$/);
  fails(() => parseChatRequest({ model: "m", messages: msgs, grammar: 'root ::= "a"', response_format: { type: "json_object" } }), "grammar");
});

test("embedding requests", () => {
  const r = parseEmbeddingRequest({ model: "m", input: ["a", "b"], encoding_format: "base64" });
  assert.deepEqual(r.job.inputs, ["a", "b"]);
  assert.equal(r.base64, true);
  fails(() => parseEmbeddingRequest({ model: "m", input: "a", dimensions: 8 }), "dimensions");
  fails(() => parseEmbeddingRequest({ model: "m", input: "a", encoding_format: "int8" }), "encoding_format");
  fails(() => parseEmbeddingRequest({ model: "m", input: Array(300).fill("a") }), "input");
});

test("API keys: Bearer with one of the keys, nothing else", () => {
  const k = new ApiKeys(["sk-aaaaaaaa", "sk-bbbbbbbbbbbb"]);
  assert.equal(k.check("Bearer sk-aaaaaaaa"), true);
  assert.equal(k.check("bearer sk-bbbbbbbbbbbb"), true);
  assert.equal(k.check("Bearer sk-aaaaaaab"), false);
  assert.equal(k.check("Bearer sk-aaaaaaa"), false);
  assert.equal(k.check("sk-aaaaaaaa"), false);
  assert.equal(k.check("Basic sk-aaaaaaaa"), false);
  assert.equal(k.check(undefined), false);
  assert.equal(k.check("Bearer "), false);
  assert.throws(() => new ApiKeys(["short"]), /at least 8/);
  const dir = mkdtempSync(join(tmpdir(), "kotodama-keys-"));
  try {
    writeFileSync(join(dir, "keys"), "# team keys\nsk-one-11111111\n\n  sk-two-22222222  \n");
    assert.deepEqual(readKeyFile(join(dir, "keys")), ["sk-one-11111111", "sk-two-22222222"]);
    writeFileSync(join(dir, "empty"), "# nothing\n");
    assert.throws(() => readKeyFile(join(dir, "empty")), /no keys/);
    assert.throws(() => readKeyFile(join(dir, "missing")), /cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("model specs: names from paths or NAME=PATH, paths confined to --allow-dir (symlinks followed)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-specs-"));
  try {
    const allowed = join(dir, "models"), outside = join(dir, "elsewhere");
    mkdirSync(join(allowed, "sft"), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(allowed, "tiny.gguf"), "");
    writeFileSync(join(outside, "secret.gguf"), "");
    symlinkSync(join(outside, "secret.gguf"), join(allowed, "link.gguf"));
    assert.deepEqual(parseModelFlag("a=b/c"), { name: "a", path: "b/c" });
    assert.deepEqual(parseModelFlag("/x/y=z"), { name: null, path: "/x/y=z" });
    assert.equal(defaultModelName("/runs/default/sft/"), "sft");
    assert.equal(defaultModelName("/m/stories260K.gguf"), "stories260K");
    const specs = resolveModelSpecs([join(allowed, "sft"), `small=${join(allowed, "tiny.gguf")}`], [allowed]);
    assert.deepEqual(specs.map((s) => s.name), ["sft", "small"]);
    assert.throws(() => resolveModelSpecs([join(outside, "secret.gguf")], [allowed]), /outside the --allow-dir/);
    assert.throws(() => resolveModelSpecs([join(allowed, "..", "elsewhere", "secret.gguf")], [allowed]), /outside the --allow-dir/);
    assert.throws(() => resolveModelSpecs([join(allowed, "link.gguf")], [allowed]), /outside the --allow-dir/);
    assert.throws(() => resolveModelSpecs([join(allowed, "sft"), join(allowed, "sft")], []), /two models are named "sft"/);
    assert.throws(() => resolveModelSpecs([join(allowed, "nope")], []), /does not exist/);
    assert.throws(() => resolveModelSpecs([], []), /--model PATH is required/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("registry: lazy loading, least recently used unloaded past --max-models and the byte cap", () => {
  const opened: string[] = [];
  const fake = (path: string, bytes: number): { path: string; weights: { w: Float32Array } } => ({ path, weights: { w: new Float32Array(bytes / 4) } });
  const sizes: Record<string, number> = { "/a": 400, "/b": 400, "/c": 800 };
  const specs = Object.keys(sizes).map((p) => ({ name: p.slice(1), path: p }));
  const reg = new ModelRegistry(specs, { maxModels: 2, maxBytes: 1000, open: (p) => (opened.push(p), fake(p, sizes[p]!)), log: () => {} });
  assert.deepEqual(reg.state(), { loaded: [], bytes: 0 });
  reg.get("a");
  reg.get("b");
  reg.get("a"); // a is now the most recent
  assert.deepEqual(reg.state(), { loaded: ["b", "a"], bytes: 800 });
  reg.get("c"); // 800 bytes: b and then a go (cap 1000)
  assert.deepEqual(reg.state(), { loaded: ["c"], bytes: 800 });
  reg.get("a");
  assert.deepEqual(opened, ["/a", "/b", "/c", "/a"]);
  assert.throws(() => reg.get("../a"), (e: unknown) => e instanceof ApiError && e.status === 404);
  const broken = new ModelRegistry([{ name: "x", path: "/x" }], { maxModels: 1, maxBytes: null, open: () => { throw new Error("/secret/path: bad magic"); }, log: () => {} });
  assert.throws(() => broken.get("x"), (e: unknown) => e instanceof ApiError && e.status === 500 && !e.message.includes("/secret"));
  const shared = new Float32Array(10);
  assert.equal(heldBytes({ a: shared, b: [shared, new Uint8Array(3)] }), 43);
});

test("metrics: Prometheus text with counters, gauges and a cumulative histogram", () => {
  const m = new Metrics();
  m.request("/v1/completions", 200, 0.02);
  m.request("/v1/completions", 200, 3);
  m.request("/v1/completions", 429, 0.001);
  m.tokens("stories", 5, 7);
  m.cancel();
  const text = m.render({ queueDepth: 2, running: 1 });
  assert.match(text, /^kotodama_requests_total\{endpoint="\/v1\/completions",status="200"\} 2$/m);
  assert.match(text, /^kotodama_requests_total\{endpoint="\/v1\/completions",status="429"\} 1$/m);
  assert.match(text, /^kotodama_request_duration_seconds_bucket\{endpoint="\/v1\/completions",le="0.025"\} 2$/m);
  assert.match(text, /^kotodama_request_duration_seconds_bucket\{endpoint="\/v1\/completions",le="2.5"\} 2$/m);
  assert.match(text, /^kotodama_request_duration_seconds_bucket\{endpoint="\/v1\/completions",le="\+Inf"\} 3$/m);
  assert.match(text, /^kotodama_request_duration_seconds_count\{endpoint="\/v1\/completions"\} 3$/m);
  assert.match(text, /^kotodama_generated_tokens_total\{model="stories"\} 5$/m);
  assert.match(text, /^kotodama_prompt_tokens_total\{model="stories"\} 7$/m);
  assert.match(text, /^kotodama_cancelled_generations_total 1$/m);
  assert.match(text, /^kotodama_queue_depth 2$/m);
  assert.match(text, /^# TYPE kotodama_request_duration_seconds histogram$/m);
});
