// POST /v1/cefr (`kotodama serve --cefr DIR`) and `kotodama cefr --endpoint URL` against a real server on loopback,
// with a tiny CEFR classifier trained here on a keyword signal (each keyword's level known by construction): the
// route's JSON equals `kotodama cefr --model DIR --json` line for line, for an English text and for a list of
// sentences; the CLI through the endpoint prints exactly what it prints locally (JSON and table); without --cefr
// the route is a 404 naming the flag; with --api-key a request without the key is a 401; an oversized body is a
// 413; bad fields are 400s naming them — all in OpenAI's error shape. Not here: the classifier's own quality
// (src/eval/cefr/cefr.test.ts).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { trainKeywordCefr } from "../../eval/cefr/keyword.fixture.js";
import { ApiKeys } from "../../server/openai/auth.js";
import { resolveCefrSpec } from "../../server/openai/model-specs.js";
import { startOpenAIServer, type RunningServer } from "../../server/openai/server.js";
import { KotodamaError } from "../../util/errors.js";
import { captureStdout as capture } from "../../../tests/support/capture.js";
import { cefrCommand } from "./cefr.js";

const KEY = "sk-cefr-test-key-0001";
const KEY_ENV = "KOTODAMA_CEFR_TEST_KEY";
const ENGLISH = "Number 7 is about the cat here. Number 8 is about the ontology here. Number 9 is about the budget here.";
const SENTENCES = ["Number 3 is about the apple here.", "Number 4 is about the policy here.", "Number 5 is about the cat here."];

type Json = Record<string, unknown>;
const post = async (url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json }> => {
  const r = await fetch(`${url}/v1/cefr`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Json };
};
const auth = { Authorization: `Bearer ${KEY}` };
const errorOf = (j: Json): { message: string; type: string; param: string | null; code: string | null } => j.error as never;

describe("POST /v1/cefr and kotodama cefr --endpoint", () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-cefr-serve-"));
  const cefr = join(dir, "cefr");
  let withCefr: RunningServer;
  let without: RunningServer;
  const local = async (...args: string[]): Promise<string> => capture(() => cefrCommand.run(["--model", cefr, "--threads", "1", ...args]));
  const remote = async (...args: string[]): Promise<string> => capture(() => cefrCommand.run(["--endpoint", `${withCefr.url}/v1`, "--api-key-env", KEY_ENV, ...args]));

  before(async () => {
    trainKeywordCefr(cefr);
    // The served generation model is never loaded by these requests (models load on first use): a placeholder.
    const models = [{ name: "unused", path: join(dir, "none") }];
    withCefr = await startOpenAIServer({ models, cefr: { name: "cefr-tiny", path: cefr }, keys: new ApiKeys([KEY]), maxBodyBytes: 4096, threads: 1, port: 0, explorer: null });
    without = await startOpenAIServer({ models, threads: 1, port: 0, explorer: null });
    process.env[KEY_ENV] = KEY;
  });
  after(async () => {
    delete process.env[KEY_ENV];
    await withCefr?.stop();
    await without?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the route's JSON equals `kotodama cefr --json` for an English text and for a list of sentences", async () => {
    const text = await post(withCefr.url, { input: ENGLISH }, auth);
    assert.equal(text.status, 200, JSON.stringify(text.json));
    const localText = (await local("--json", ENGLISH)).trim().split("\n").map((l) => JSON.parse(l) as Json);
    assert.equal(text.json.object, "list");
    assert.equal(text.json.model, "cefr-tiny");
    assert.deepEqual(text.json.data, localText);
    // Independently of the local path: the keywords' levels by construction (cat A1, ontology C1, budget B2).
    const t = (text.json.data as Json[])[0]! as { level: string; distribution: Json; sentences: { level: string; probs: number[] }[]; hardest: { sentence: string }[] };
    assert.deepEqual(t.sentences.map((s) => s.level), ["A1", "C1", "B2"]);
    assert.deepEqual(t.distribution, { A1: 1, A2: 0, B1: 0, B2: 1, C1: 1, C2: 0 });
    assert.equal(t.hardest[0]!.sentence, "Number 8 is about the ontology here.");
    for (const s of t.sentences) assert.ok(Math.abs(s.probs.reduce((a, b) => a + b, 0) - 1) < 1e-3);

    const list = await post(withCefr.url, { input: SENTENCES, model: "cefr-tiny" }, auth);
    assert.equal(list.status, 200, JSON.stringify(list.json));
    const localList = (await local("--json", ...SENTENCES)).trim().split("\n").map((l) => JSON.parse(l) as Json);
    assert.equal(localList.length, 3);
    assert.deepEqual(list.json.data, localList);
    assert.deepEqual((list.json.data as { level: string }[]).map((d) => d.level), ["A2", "B1", "A1"]);
    assert.ok((list.json.usage as { prompt_tokens: number }).prompt_tokens > 0);
    const metrics = await (await fetch(`${withCefr.url}/metrics`, { headers: auth })).text();
    assert.match(metrics, /kotodama_requests_total\{endpoint="\/v1\/cefr",status="200"\} 2/);
  });

  test("kotodama cefr --endpoint prints what the local path prints (JSON and table)", async () => {
    assert.equal(await remote("--json", ENGLISH, ...SENTENCES), await local("--json", ENGLISH, ...SENTENCES));
    const table = await local(ENGLISH, SENTENCES[0]!);
    assert.match(table, /^A1 {2}\d\.\d\d {2}Number 7 is about the cat here\.\n/);
    assert.match(table, /\ntext: C1 {2}\(A1 1, A2 0, B1 0, B2 1, C1 1, C2 0\)\nhardest: \[C1\] Number 8/);
    assert.equal(await remote(ENGLISH, SENTENCES[0]!), table);
    assert.equal(await remote("--api-model", "cefr-tiny", SENTENCES[1]!), await local(SENTENCES[1]!));
  });

  test("without --cefr the route is a 404 naming the flag; the CLI says so", async () => {
    const r = await post(without.url, { input: "I like cats." });
    assert.equal(r.status, 404);
    assert.equal(errorOf(r.json).type, "not_found_error");
    assert.match(errorOf(r.json).message, /no CEFR model \(start it with kotodama serve --cefr DIR/);
    await assert.rejects(capture(() => cefrCommand.run(["--endpoint", without.url, "I like cats."])), (e: unknown) => e instanceof KotodamaError && /\/v1\/cefr: HTTP 404: this server has no CEFR model.*does that server run with --cefr DIR/.test(e.message));
    const other = await post(withCefr.url, { input: "I like cats.", model: "other" }, auth);
    assert.equal(other.status, 404);
    assert.equal(errorOf(other.json).param, "model");
  });

  test("--cefr DIR|NAME=DIR: named after its folder, confined by --allow-dir, refused when not a CEFR classifier", () => {
    assert.deepEqual(resolveCefrSpec(cefr, []), { name: "cefr", path: realpathSync(cefr) });
    assert.deepEqual(resolveCefrSpec(`levels=${cefr}`, [dir]), { name: "levels", path: realpathSync(cefr) });
    assert.throws(() => resolveCefrSpec(join(dir, "none"), []), /--cefr .*none: .*none does not exist/);
    const other = join(dir, "other");
    mkdirSync(other, { recursive: true });
    assert.throws(() => resolveCefrSpec(other, []), /--cefr .*other has no config\.json; expected a folder from `kotodama cefr train --out DIR`/);
    writeFileSync(join(other, "config.json"), JSON.stringify({ kind: "sft" }));
    assert.throws(() => resolveCefrSpec(other, []), /config\.json has kind "sft", not "cefr-classifier"/);
    assert.throws(() => resolveCefrSpec(cefr, [other]), /is outside the --allow-dir folders/);
  });

  test("API key, body limit and bad fields: 401, 413, 400 in OpenAI's shape", async () => {
    const none = await post(withCefr.url, { input: "I like cats." });
    assert.equal(none.status, 401);
    assert.deepEqual(errorOf(none.json), { message: "Missing API key: send Authorization: Bearer KEY", type: "authentication_error", param: null, code: "invalid_api_key" });
    const wrong = await post(withCefr.url, { input: "I like cats." }, { Authorization: "Bearer sk-not-the-key-000" });
    assert.equal(wrong.status, 401);
    await assert.rejects(capture(() => cefrCommand.run(["--endpoint", withCefr.url, "I like cats."])), /HTTP 401: Missing API key/);
    const big = await post(withCefr.url, { input: "The cat sat. ".repeat(400) }, auth);
    assert.equal(big.status, 413);
    assert.match(errorOf(big.json).message, /request body over 4096 bytes/);
    assert.equal(errorOf(big.json).type, "invalid_request_error");
    const cases: [unknown, string, RegExp][] = [
      [{ input: [] }, "input", /non-empty list of texts/],
      [{ input: ["A cat.", 3] }, "input[1]", /expected a string, got 3/],
      [{ input: ["A cat.", "  "] }, "input[1]", /is empty/],
      [{ inputs: "A cat." }, "inputs", /unknown field/],
      [{ input: "A cat.", model: 7 }, "model", /expected the CEFR model's name \("cefr-tiny"\)/],
    ];
    for (const [body, param, message] of cases) {
      const r = await post(withCefr.url, body, auth);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(errorOf(r.json).param, param);
      assert.match(errorOf(r.json).message, message);
    }
    const notJson = await post(withCefr.url, "{not json", auth);
    assert.equal(notJson.status, 400);
    assert.ok(typeof errorOf(notJson.json).message === "string");
  });
});
