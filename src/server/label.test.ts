// The label server's HTTP edges, without a browser: state and choices as JSON, a 409 for a pair that is not the
// current one, strict request fields, JSON-only writes, the body size limit, the Host check, no file outside the
// bundle, errors without stack traces, and a real socket on 127.0.0.1 with a random port.
// Not here: the page (tests/label-browser.test.ts), the session's logic (train/preference/preference.test.ts).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LabelSession, pairsSource } from "../train/preference/index.js";
import { createApp, listen } from "./http.js";
import { labelApp } from "./label.js";

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-label-srv-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, "web");
  mkdirSync(join(bundle, "label"), { recursive: true });
  writeFileSync(join(bundle, "label", "index.html"), "<!doctype html><title>label</title>");
  writeFileSync(join(dir, "secret.txt"), "SECRET");
  const out = join(dir, "out.jsonl");
  const pairs = [{ id: "p1", prompt: "Q1", a: "A1", b: "B1" }, { id: 2, prompt: "Q2", a: "A2", b: "B2" }];
  const app = labelApp(new LabelSession(pairsSource(pairs), out, ["correct"]), { bundle, maxBodyBytes: 1024 });
  return { app, out };
}

const H = { host: "127.0.0.1:1234" };
const post = (body: string, type = "application/json") => ({ method: "POST", headers: { ...H, "content-type": type }, body });

test("state, a choice, a 409 for another pair, undo", async (t) => {
  const { app, out } = setup(t);
  const s0 = await (await app.request("/api/label/state", { headers: H })).json();
  assert.deepEqual(s0, { total: 2, done: 0, counts: { preferred: 0, tie: 0, skip: 0 }, tags: ["correct"], current: { index: 0, pair: { id: "p1", prompt: "Q1", a: "A1", b: "B1" } }, error: null });
  const r1 = await app.request("/api/label/choice", post('{"id":"p1","choice":"right","tags":["correct"]}'));
  assert.equal(r1.status, 200);
  assert.equal(((await r1.json()) as { done: number }).done, 1);
  assert.equal(readFileSync(out, "utf8"), '{"id":"p1","prompt":"Q1","chosen":"B1","rejected":"A1","source":"label","tags":["correct"]}\n');
  const again = await app.request("/api/label/choice", post('{"id":"p1","choice":"left"}'));
  assert.equal(again.status, 409);
  assert.match(((await again.json()) as { error: string }).error, /pair "p1" is not the current pair \(2\)/);
  const undo = await app.request("/api/label/undo", post("{}"));
  assert.equal(((await undo.json()) as { current: { index: number } }).current.index, 0);
  assert.equal(readFileSync(out, "utf8"), "");
});

test("bad requests are refused with the field named, and no stack trace", async (t) => {
  const { app } = setup(t);
  const cases: [RequestInit, number, RegExp][] = [
    [post('{"id":"p1","choice":"left","why":1}'), 400, /unknown field "why"/],
    [post('{"id":"p1","choice":"best"}'), 400, /field "choice": expected one of left, right, tie, skip, got "best"/],
    [post('{"id":null,"choice":"left"}'), 400, /field "id"/],
    [post('{"id":"p1","choice":"left","tags":"correct"}'), 400, /field "tags": expected an array of strings/],
    [post('{"id":"p1","choice":"left","tags":["other"]}'), 400, /unknown tag "other"/],
    [post("{nope"), 400, /the body is not valid JSON/],
    [post('{"id":"p1","choice":"left"}', "text/plain"), 415, /expected Content-Type: application\/json/],
    [post(`{"id":"${"x".repeat(2000)}","choice":"left"}`), 413, /request body over 1024 bytes/],
  ];
  for (const [init, status, re] of cases) {
    const r = await app.request("/api/label/choice", init);
    const text = await r.text();
    assert.equal(r.status, status, text);
    assert.match((JSON.parse(text) as { error: string }).error, re);
    assert.doesNotMatch(text, /\bat .*\.js:\d+/);
  }
  const rebound = await app.request("/api/label/state", { headers: { host: "attacker.example:1234" } });
  assert.equal(rebound.status, 421);
  // An unexpected error answers 500 without its message or stack (they go to the server's stderr).
  const bare = createApp();
  bare.get("/boom", () => {
    throw new Error("secret detail");
  });
  const write = process.stderr.write;
  process.stderr.write = () => true;
  const boom = await Promise.resolve(bare.request("/boom", { headers: H })).finally(() => (process.stderr.write = write));
  assert.equal(boom.status, 500);
  assert.doesNotMatch(await boom.text(), /secret detail|\.js:\d+/);
});

/** A raw GET on a real socket, the path sent as written (fetch and URL would normalize '..' away). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host: `127.0.0.1:${port}` } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("on a real socket: 127.0.0.1, a random port, the page served, nothing outside the bundle", async (t) => {
  const { app } = setup(t);
  const server = await listen(app);
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(server.port, 0);
  const page = await rawGet(server.port, "/label/");
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>label<\/title>/);
  assert.equal((await rawGet(server.port, "/")).status, 302);
  for (const p of ["/../secret.txt", "/label/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/label/..%5c..%5csecret.txt", "/%2e%2e%2fsecret.txt"]) {
    const r = await rawGet(server.port, p);
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(r.body, /SECRET/, p);
  }
});
