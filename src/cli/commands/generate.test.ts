// `kotodama generate` and `kotodama score` end to end on stories260K: greedy --json ids equal llama.cpp's,
// streamed text, ranking and windowed perplexity output, and flag errors. Not here: the library's maths
// (src/infer/*.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedOrSkip } from "../../util/paths.js";
import type { Command } from "../command.js";
import { generateCommand } from "./generate.js";
import { scoreCommand } from "./score.js";

async function capture(cmd: Command, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const wo = process.stdout.write.bind(process.stdout);
  const we = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await cmd.run(argv);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = wo;
    process.stderr.write = we;
  }
}

test("generate: greedy --json from GGUF and llama2.c give llama.cpp's ids; text streams", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const ref = (JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { prompts: { prompt: string; greedy_ids: number[]; text: string }[] }).prompts[1]!;
  for (const model of [[`--model`, `${dir}/stories260K.gguf`], [`--model`, `${dir}/stories260K.bin`, "--tokenizer", `${dir}/tok512.bin`]]) {
    const r = await capture(generateCommand, [...model, "--prompt", ref.prompt, "--temperature", "0", "--max-tokens", "64", "--ignore-eos", "--json", "--threads", "1"]);
    assert.equal(r.code, 0);
    const j = JSON.parse(r.out) as { ids: number[]; text: string; tokens: { logprob: number; top: { id: number }[] }[] };
    assert.deepEqual(j.ids, ref.greedy_ids);
    assert.equal(j.text, ref.text);
    assert.equal(j.tokens[0]!.top[0]!.id, ref.greedy_ids[0]);
  }
  const s = await capture(generateCommand, ["--model", `${dir}/stories260K.gguf`, "--prompt", ref.prompt, "--temperature", "0", "--max-tokens", "64", "--ignore-eos"]);
  assert.equal(s.out, `${ref.text}\n`);
  assert.match(s.err, /64 tokens, length/);
});

test("score: table, ranking, --top and --ppl-window", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const m = ["--model", `${dir}/stories260K.gguf`, "--threads", "1"];
  const r = await capture(scoreCommand, [...m, "--top", "2", "The cat sat on the mat.", "mat the on sat cat The."]);
  assert.equal(r.code, 0);
  assert.match(r.out, /perplexity \d+\.\d{4}/);
  assert.match(r.out, /Most natural first[^\n]*\n {2}1\. -\d\.\d{4} {2}"The cat sat on the mat\."/);
  const p = await capture(scoreCommand, [...m, "--ppl-window", "128", "--file", `${dir}/ppl_text.txt`]);
  assert.match(p.out, /^perplexity 2\.2990 \(window 128, 4 chunks, 252 tokens scored; running 1\.7862 \/ 1\.7147 \/ 2\.0706 \/ 2\.2990\)/);
  const j = await capture(scoreCommand, [...m, "--json", "Once upon a time"]);
  const o = JSON.parse(j.out) as { tokens: { id: number }[]; perplexity: number };
  assert.deepEqual(o.tokens.map((x) => x.id), [1, 403, 407, 261, 378]);
});

test("generate/score flag errors name the flag", async () => {
  await assert.rejects(generateCommand.run(["--model", "x", "--temprature", "1"]), /--temprature/);
  await assert.rejects(generateCommand.run(["--prompt", "x"]), /--model PATH is required/);
  await assert.rejects(generateCommand.run(["--model", "x", "--top-p", "2"]), /topP \(--top-p\) expects a number in \[0, 1\]/);
  await assert.rejects(scoreCommand.run(["--model", "x"]), /at least one TEXT/);
  await assert.rejects(scoreCommand.run(["--model", "x", "--top=-1", "a"]), /--top expects an integer/);
});

test("generate --json-schema / --grammar: stdout is exactly the constrained text; a bad schema names the file and keyword", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const tmp = mkdtempSync(join(tmpdir(), "kotodama-gen-"));
  try {
    const schema = { type: "object", properties: { hero: { type: "string", maxLength: 10 }, brave: { type: "boolean" } }, required: ["hero", "brave"], additionalProperties: false };
    writeFileSync(join(tmp, "s.json"), JSON.stringify(schema));
    writeFileSync(join(tmp, "g.gbnf"), 'root ::= "The " ("cat" | "dog") " is " [a-z]{2,6} "."\n');
    writeFileSync(join(tmp, "bad.json"), JSON.stringify({ type: "string", pattern: "^x" }));
    const base = ["--model", `${dir}/stories260K.gguf`, "--prompt", "Once upon a time", "--threads", "1", "--max-tokens", "100"];
    for (const seed of ["1", "2"]) {
      const r = await capture(generateCommand, [...base, "--seed", seed, "--json-schema", join(tmp, "s.json")]);
      assert.equal(r.code, 0);
      const v = JSON.parse(r.out) as { hero: string; brave: boolean };
      assert.deepEqual(Object.keys(v), ["hero", "brave"]);
      assert.ok(typeof v.hero === "string" && [...v.hero].length <= 10 && typeof v.brave === "boolean", r.out);
      assert.equal(r.out, r.out.trim()); // no newline added
    }
    const g = await capture(generateCommand, [...base, "--grammar", join(tmp, "g.gbnf")]);
    assert.match(g.out, /^The (cat|dog) is [a-z]{2,6}\.$/);
    await assert.rejects(capture(generateCommand, [...base, "--json-schema", join(tmp, "bad.json")]), new RegExp(`^KotodamaError: ${join(tmp, "bad.json")}: at /pattern: the keyword "pattern" is not supported`));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
