// `kotodama chat --beams/--include/--exclude` and ChatSession.sendBeam behind it, on a family fixture with a ChatML
// template (random weights: the include clause is met because the constraint forces it, not because the model
// likes it): the --message --json reply equals beamSearchText over the same chat prompt with lexicalConstraint (the
// decoder `kotodama generate --beams` uses), contains the phrase and not the excluded one, joins the history; the
// interactive loop answers each line by beam search; conflicting flags are errors naming the flag, in chat and in
// generate. Not here: the search (src/infer/beam.test.ts), the server's beam fields (src/server/openai/beam.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beamSearchText, ChatSession, checkLexical, lexicalConstraint, openInferModel, parseLexicalSpec } from "../src/infer/index.js";
import { packageRoot } from "../src/util/paths.js";
import type { Command } from "../src/cli/command.js";
import { chat } from "../src/cli/commands/chat.js";
import { generateCommand } from "../src/cli/commands/generate.js";
import { writeFixture } from "./fixtures/families.js";

const dir = mkdtempSync(join(tmpdir(), "kotodama-chat-beam-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const kotodama = (args: string[], input?: string): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } =>
  spawnSync(process.execPath, [join(packageRoot(), "bin", "kotodama"), ...args], { encoding: "utf8", ...(input === undefined ? {} : { input }) }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };

/** A command run in this process (no child's start-up), its stdout and stderr captured. */
async function capture(cmd: Command, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const wo = process.stdout.write.bind(process.stdout), we = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((x: string | Uint8Array) => (out.push(String(x)), true)) as typeof process.stdout.write;
  process.stderr.write = ((x: string | Uint8Array) => (err.push(String(x)), true)) as typeof process.stderr.write;
  try {
    return { code: await cmd.run(argv), out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = wo;
    process.stderr.write = we;
  }
}

test("chat --message --include --exclude --json: the reply is beamSearchText's under the lexical constraint and meets it", async () => {
  const fx = writeFixture(dir, "qwen2", "f32");
  const args = ["--model", fx.path, "--system", "You are terse.", "--message", "Tell me about the park", "--max-tokens", "12", "--include", "ball|balls", "--exclude", "the", "--beams", "3"];
  const r = await capture(chat, [...args, "--json"]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { reply: string; ids: number[]; beams: number; hypotheses: { text: string }[]; constraints: { enforced: boolean; missing: string[]; present: string[] } };
  const spec = parseLexicalSpec(["ball|balls"], ["the"], "test");
  assert.deepEqual(checkLexical(spec, j.reply), { missing: [], present: [] }, j.reply);
  assert.match(j.reply, /\bballs?\b/i);
  assert.deepEqual(j.constraints, { ...j.constraints, enforced: true, missing: [], present: [] });
  assert.equal(j.beams, 3);
  assert.equal(j.hypotheses.length, 3);
  // The reference: the session's prompt for the turn, beam.ts + lexical.ts called directly.
  const model = openInferModel(fx.path);
  const s = new ChatSession(model, { system: "You are terse." });
  const { ids, endIds } = s.promptForTurn("Tell me about the park");
  const ref = beamSearchText(model, ids, { beams: 3, maxTokens: 12, alpha: 1, nBest: 3 }, endIds, lexicalConstraint(model.tokenizer, spec, 12));
  assert.equal(j.reply, ref.text);
  assert.deepEqual(j.ids, ref.hypotheses[0]!.ids);
  const lib = s.sendBeam("Tell me about the park", { beams: 3, maxTokens: 12 }, spec);
  assert.equal(lib.reply, ref.text);
  assert.deepEqual(s.messages().map((m) => m.role), ["system", "user", "assistant"]);
  assert.equal(s.messages()[2]!.content, ref.text);
  // Without --json stdout is the reply and a line.
  const plain = await capture(chat, args);
  assert.equal(plain.code, 0, plain.err);
  assert.equal(plain.out, `${j.reply}\n`);
  assert.match(plain.err, /\[beam 3: \d+ tokens/);
});

test("chat --grammar with --beams: the reply keeps to the grammar and holds the include phrase", async () => {
  const fx = writeFixture(dir, "qwen2", "f32");
  const g = join(dir, "answer.gbnf");
  writeFileSync(g, 'root ::= ("yes" | "no") ", " [a-z ]+ "."\n');
  const r = await capture(chat, ["--model", fx.path, "--message", "Is it far?", "--max-tokens", "24", "--beams", "3", "--grammar", g, "--include", "river", "--json"]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { reply: string; finish_reason: string };
  assert.match(j.reply, /^(yes|no), [a-z ]*\briver\b[a-z ]*\.?$/);
  if (j.finish_reason === "eos") assert.match(j.reply, /\.$/);
});

test("chat, interactive with --include: every reply is a beam reply with the phrase, and joins the history", () => {
  const fx = writeFixture(dir, "qwen2", "f32");
  const save = join(dir, "conv.json");
  const r = kotodama(["chat", "--model", fx.path, "--max-tokens", "10", "--include", "river"], ["first", "second", `/save ${save}`, "/exit"].join("\n"));
  assert.equal(r.status, 0, r.stderr);
  const conv = JSON.parse(readFileSync(save, "utf8")) as { messages: { role: string; content: string }[] };
  assert.deepEqual(conv.messages.map((m) => m.role), ["user", "assistant", "user", "assistant"]);
  for (const m of conv.messages.filter((x) => x.role === "assistant")) assert.match(m.content, /\briver\b/i);
  assert.equal(r.stdout, conv.messages.filter((x) => x.role === "assistant").map((m) => `${m.content}\n`).join(""));
});

test("beam flags with sampling, grammar or rag flags are errors naming the flag (chat and generate alike)", async () => {
  const fx = writeFixture(dir, "qwen2", "f32");
  const cases: [Command, string[], RegExp][] = [
    [chat, ["--message", "hi", "--beams", "2", "--temperature", "0.7"], /kotodama chat: --temperature does not combine with --beams\/--include\/--exclude .* or give --temperature 0/],
    [chat, ["--message", "hi", "--include", "x", "--top-k", "5"], /kotodama chat: --top-k does not combine with --beams/],
    [chat, ["--message", "hi", "--include", "x", "--rag", dir], /kotodama chat: --guard and --rag do not combine with --beams/],
    [chat, ["--message", "hi", "--beams", "0"], /--beams expects an integer in \[1, 256\], got "0"/],
    [generateCommand, ["--prompt", "hi", "--beams", "2", "--stop", "."], /kotodama generate: --stop does not combine with --beams/],
    [generateCommand, ["--prompt", "hi", "--include", "x", "--seed", "3"], /kotodama generate: --seed does not combine with --beams/],
  ];
  for (const [cmd, args, message] of cases) await assert.rejects(capture(cmd, [...args, "--model", fx.path]), message, args.join(" "));
  // --temperature 0 is greedy's own setting and is accepted with beams.
  const ok = await capture(chat, ["--model", fx.path, "--message", "hi", "--beams", "2", "--temperature", "0", "--max-tokens", "3", "--json"]);
  assert.equal(ok.code, 0, ok.err);
  assert.equal((JSON.parse(ok.out) as { beams: number }).beams, 2);
});
