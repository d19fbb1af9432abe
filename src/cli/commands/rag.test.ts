// `kotodama rag index` and `rag search` end to end (compiled CLI in a child process): JSONL passages with ids and an
// HTML page, the --batch line protocol (one line per query, in order, with id/score/start/end/text), and errors;
// `rag ask` in its model-free extractive mode, its refusal below the threshold and its flag errors; the LM rerank
// (--rerank N) in `rag search` and `chat --rag` against the library's scores (stories260K).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../../tests/support/cli-process.js";
import { loadBackend } from "../../engine/backend.js";
import { openInferModel } from "../../infer/index.js";
import { questionLikelihood } from "../../rag/fusion-rerank.js";
import { sharedPath } from "../../util/paths.js";
import { writeFixture } from "../../../tests/fixtures/families.js";

test("rag index → rag search --batch: one JSON line per query, in order, with passage ids and offsets", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-rag-cli-"));
  try {
    const passages = [
      { qid: "q-lake", context: "琵琶湖は滋賀県にある日本最大の湖である。" },
      { qid: "q-fuji", context: "富士山は静岡県と山梨県にまたがる。標高は3776メートル。" },
      { qid: "q-nile", context: "The Nile is the longest river in Africa." },
    ];
    writeFileSync(join(dir, "p.jsonl"), passages.map((p) => JSON.stringify(p)).join("\n"));
    writeFileSync(join(dir, "page.html"), "<html><head><title>Tea</title></head><body><nav>Menu</nav><article><h1>Green tea</h1><p>Matcha is powdered green tea from Uji.</p></article></body></html>");
    const index = join(dir, "idx");
    const ix = runCli(["rag", "index", "--out", index, "--field", "context", "--id-field", "qid", "--quiet", join(dir, "p.jsonl"), join(dir, "page.html")]);
    assert.equal(ix.rc, 0, ix.err);
    const queries = ["富士山の標高は？", "longest river", "matcha Uji", "存在しない語彙"];
    const r = runCli(["rag", "search", "--index", index, "--k", "2", "--batch"], queries.map((q) => JSON.stringify({ query: q })).join("\n"));
    assert.equal(r.rc, 0, r.err);
    const lines = r.out.trim().split("\n").map((l) => JSON.parse(l) as { query: string; results: { id: string; score: number; start: number; end: number; text: string }[] });
    assert.deepEqual(lines.map((l) => l.query), queries);
    for (const l of lines) {
      for (const h of l.results) {
        assert.deepEqual(Object.keys(h).slice(0, 5), ["id", "score", "start", "end", "text"]);
        assert.ok(typeof h.score === "number" && h.score > 0 && Number.isInteger(h.start) && h.end > h.start);
      }
    }
    assert.equal(lines[0]?.results[0]?.id, "q-fuji");
    assert.equal(lines[0]?.results[0]?.text, passages[1]?.context);
    assert.deepEqual([lines[1]?.results[0]?.id, lines[1]?.results[0]?.start, lines[1]?.results[0]?.end], ["q-nile", 0, 40]);
    const tea = lines[2]?.results[0];
    assert.match(tea?.id ?? "", /page\.html$/);
    assert.match(tea?.text ?? "", /Matcha is powdered green tea from Uji\./);
    assert.doesNotMatch(tea?.text ?? "", /Menu/); // Readability dropped the navigation
    assert.deepEqual(lines[3]?.results, []);
    // --json for one query has the same shape.
    const one = runCli(["rag", "search", "--index", index, "--k", "1", "--json", "琵琶湖"]);
    assert.equal(JSON.parse(one.out).results[0].id, "q-lake");
    // A bad batch line names stdin and the line.
    const bad = runCli(["rag", "search", "--index", index, "--batch"], '{"query":"ok"}\n{"q":1}\n');
    assert.notEqual(bad.rc, 0);
    assert.match(bad.err, /stdin line 2: expected \{"query"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rag ask: extractive answer with a citation into the passage, the fixed refusal, and flag errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-rag-ask-"));
  try {
    const passages = [
      { pid: "p-fuji", context: "富士山は静岡県と山梨県にまたがる山である。標高は3776メートルである。" },
      { pid: "p-lake", context: "琵琶湖は滋賀県にある日本最大の湖である。" },
    ];
    writeFileSync(join(dir, "p.jsonl"), passages.map((p) => JSON.stringify(p)).join("\n"));
    const index = join(dir, "idx");
    assert.equal(runCli(["rag", "index", "--out", index, "--field", "context", "--id-field", "pid", "--quiet", join(dir, "p.jsonl")]).rc, 0);
    // Extractive with the lexical scorer needs no model.
    const r = runCli(["rag", "ask", "--index", index, "--mode", "extract", "--threshold", "0", "--json", "富士山の標高は何メートルか。"]);
    assert.equal(r.rc, 0, r.err);
    const a = JSON.parse(r.out) as { answer: string; citations: { n: number; id: string; start: number; end: number; text: string }[] };
    assert.equal(a.answer, "3776 [1]");
    const c = a.citations[0]!;
    assert.equal(c.id, "p-fuji");
    assert.equal(c.text, "標高は3776メートルである。");
    assert.equal([...passages[0]!.context].slice(c.start, c.end).join(""), c.text);
    // Nothing relevant: the fixed text, in the question's language.
    const no = runCli(["rag", "ask", "--index", index, "--mode", "extract", "Who won the 1998 world cup?"]);
    assert.equal(no.out.trim(), "The sources do not say.");
    // Errors name the flag.
    assert.match(runCli(["rag", "ask", "--index", index, "--mode", "write", "q"]).err, /--mode must be one of generate, extract/);
    assert.match(runCli(["rag", "ask", "--index", index, "q"]).err, /--model M \(or --endpoint URL --api-model NAME\) is required/);
    // An endpoint where nothing listens: below the threshold it is never called; above, the error names the URL.
    const dead = ["rag", "ask", "--index", index, "--endpoint", "http://127.0.0.1:1/v1", "--api-model", "m", "--max-retries", "0"];
    const unsaid = runCli([...dead, "Who won the 1998 world cup?"]);
    assert.deepEqual([unsaid.rc, unsaid.out.trim()], [0, "The sources do not say."], unsaid.err);
    assert.match(runCli([...dead, "--threshold", "0", "富士山の標高は何メートルか。"]).err, /http:\/\/127\.0\.0\.1:1\/v1\/chat\/completions: cannot connect: /);
    assert.match(runCli([...dead, "--threshold", "0", "--mode", "extract", "--scorer", "model", "富士山の標高は何メートルか。"]).err, /http:\/\/127\.0\.0\.1:1\/v1\/completions: cannot connect: /);
    assert.match(runCli([...dead, "--threads", "2", "q"]).err, /--threads is for a local model/);
    assert.match(runCli([...dead, "--model", "m", "q"]).err, /give --model or --endpoint, not both/);
    assert.match(runCli(["rag", "ask", "--index", index, "--endpoint", "http://127.0.0.1:1/v1", "q"]).err, /--endpoint needs --api-model NAME/);
    assert.match(runCli(["rag", "ask", "--index", index, "--concurrency", "2", "q"]).err, /--concurrency needs --endpoint URL/);
    assert.match(runCli(["rag", "ask", "--index", index, "--tokenizer", "t", "--model", "m", "q"]).err, /--tokenizer sizes prompts for an endpoint; it needs --endpoint URL/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const STORIES = sharedPath("reference", "stories260K", "stories260K.gguf");

test("--rerank N: rag search and chat --rag reorder the first N hits by log p(question | passage); flag errors", { skip: STORIES === null ? "../shared/reference/stories260K is absent; skipped" : false }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-rag-rerank-"));
  try {
    const passages = [
      { pid: "ball", context: "Lily had a red ball. She played with the ball in the park." },
      { pid: "dog", context: "Tom had a dog. The dog played in the park with a stick." },
      { pid: "cake", context: "Mom made a cake. Lily and Tom ate the cake in the kitchen." },
      { pid: "sun", context: "The sun was hot in the park. Lily sat under a tree." },
    ];
    writeFileSync(join(dir, "p.jsonl"), passages.map((p) => JSON.stringify(p)).join("\n"));
    const index = join(dir, "idx");
    assert.equal(runCli(["rag", "index", "--out", index, "--field", "context", "--id-field", "pid", "--quiet", join(dir, "p.jsonl")]).rc, 0);
    const q = "What did Lily play with in the park?";
    const plain = runCli(["rag", "search", "--index", index, "--k", "4", "--json", q]);
    assert.equal(plain.rc, 0, plain.err);
    const first = (JSON.parse(plain.out) as { results: { id: string; text: string }[] }).results;
    assert.equal(first.length, 4);
    // The expected order: the first stage's top 3 sorted by the library's log p (ties by first-stage rank), then the 4th.
    const score = questionLikelihood(openInferModel(STORIES!, { backend: loadBackend({ threads: 1 }) }));
    const head = first.slice(0, 3).map((r, i) => ({ id: r.id, lp: score(r.text, q), i })).sort((a, b) => b.lp - a.lp || a.i - b.i);
    assert.notDeepEqual(head.map((h) => h.id), first.slice(0, 3).map((h) => h.id), "the rerank must change this order, or the test shows nothing");
    const r = runCli(["rag", "search", "--index", index, "--k", "4", "--json", "--rerank", "3", "--rerank-model", STORIES!, q]);
    assert.equal(r.rc, 0, r.err);
    const got = (JSON.parse(r.out) as { results: { id: string; score: number }[] }).results;
    assert.deepEqual(got.map((h) => h.id), [...head.map((h) => h.id), first[3]!.id]);
    head.forEach((h, i) => assert.ok(Math.abs(got[i]!.score - h.lp) < 1e-4, `${got[i]!.score} vs ${h.lp}`));
    // chat --rag (a chat model: the qwen2 family fixture, ChatML): the chat model reranks by default, and the
    // extractive answer's sources come in its order.
    const chatModel = writeFixture(dir, "qwen2", "f32").path;
    const byChat = questionLikelihood(openInferModel(chatModel, { backend: loadBackend({ threads: 1 }) }));
    const chatHead = first.slice(0, 3).map((r, i) => ({ id: r.id, lp: byChat(r.text, q), i })).sort((a, b) => b.lp - a.lp || a.i - b.i);
    assert.notDeepEqual(chatHead.map((h) => h.id), first.slice(0, 3).map((h) => h.id));
    const c = runCli(["chat", "--model", chatModel, "--rag", index, "--mode", "extract", "--threshold", "0", "--k", "3", "--rerank", "3", "--message", q, "--json"]);
    assert.equal(c.rc, 0, c.err);
    assert.deepEqual((JSON.parse(c.out) as { sources: { id: string }[] }).sources.map((s) => s.id), chatHead.map((h) => h.id));
    for (const [args, re] of [
      [["rag", "search", "--index", index, "--rerank", "3", q], /--rerank needs a model to score the passages: give --rerank-model M/],
      [["rag", "search", "--index", index, "--rerank-model", STORIES!, q], /--rerank-model M needs --rerank N/],
      [["rag", "search", "--index", index, "--rerank", "0", "--rerank-model", STORIES!, q], /--rerank/],
      [["chat", "--model", STORIES!, "--rerank", "3", "--message", q], /--rerank and --rerank-model need --rag INDEX/],
    ] as const) {
      const bad = runCli(args);
      assert.notEqual(bad.rc, 0);
      assert.match(bad.err, re);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
