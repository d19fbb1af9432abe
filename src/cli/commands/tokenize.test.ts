// The tokenizer and tokenize commands end to end (compiled CLI in a child process): train → tokenizer.json →
// tokenize, the --batch line protocol, and error exits naming the flag or file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sharedOrSkip } from "../../util/paths.js";

const mainJs = fileURLToPath(new URL("../main.js", import.meta.url));

function cli(args: string[], input?: string): { rc: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ["-e", `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`, "--", ...args], {
    input: input ?? "",
    encoding: "utf8",
  });
  return { rc: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test("tokenizer train → tokenize: table, --json, --batch, --no-bos", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-cli-"));
  const corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, "the cat sat on the mat. 猫が座った。\n".repeat(50));
  const out = join(dir, "tokenizer.json");
  const tr = cli(["tokenizer", "train", "--input", corpus, "--vocab-size", "300", "--out", out]);
  assert.equal(tr.rc, 0, tr.err);
  // 13 distinct words run out of pairs after 24 merges: 256 + 24 + 7 specials.
  assert.match(tr.out, /trained bpe \(byte-level, 287 tokens\).*24 merges \(stopped early/);
  const js = cli(["tokenize", "--tokenizer", out, "--json", "the cat"]);
  assert.equal(js.rc, 0, js.err);
  const { ids, tokens } = JSON.parse(js.out) as { ids: number[]; tokens: string[] };
  assert.equal(ids[0], 280); // <|bos|> follows 256 bytes + 24 merges
  assert.equal(tokens[0], "<|bos|>");
  const batch = cli(["tokenize", "--tokenizer", out, "--batch", "--no-bos"], `${JSON.stringify("the cat")}\n${JSON.stringify("")}\n`);
  assert.equal(batch.rc, 0, batch.err);
  assert.deepEqual(batch.out.trimEnd().split("\n").map((l) => JSON.parse(l) as number[]), [ids.slice(1), []]);
  const table = cli(["tokenize", "--tokenizer", out], "the cat");
  assert.match(table.out, /^280 {2}<\|bos\|>$/m);
  assert.match(table.out, /tokens, 7 chars/);
});

test("tokenize with the GPT-2 vocabulary GGUF prints the reference ids", (t) => {
  const gpt2 = sharedOrSkip(t, "reference", "tokenizers", "ggml-vocab-gpt-2.gguf");
  if (gpt2 === null) return;
  const r = cli(["tokenize", "--tokenizer", gpt2, "--json", "Hello world"]);
  assert.deepEqual(JSON.parse(r.out), { ids: [15496, 995], tokens: ["Hello", "Ġworld"] });
});

test("CLI errors name the flag or the file", () => {
  assert.match(cli(["tokenize", "x"]).err, /--tokenizer FILE is required/);
  assert.match(cli(["tokenize", "--tokenizer", "/nonexistent/tok.json", "x"]).err, /\/nonexistent\/tok\.json: cannot open/);
  assert.match(cli(["tokenizer", "train", "--input", "/nonexistent"]).err, /--out FILE is required|no such file/);
  assert.match(cli(["tokenizer", "train", "--input", "/tmp", "--out", "/tmp/x.json", "--vocab-size", "12"]).err, /--vocab-size expects an integer in \[263, 65536\]/);
  const bad = cli(["tokenize", "--tokenizer", "/dev/null", "--batch"], "not json\n");
  assert.equal(bad.rc, 2);
});
