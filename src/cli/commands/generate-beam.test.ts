// `kotodama generate --beams/--include/--exclude` and `kotodama simplify --keep/--delete/--replace` end to end:
// stdout holds exactly the text (the same as --json's), the constraints hold on it, a grammar (--grammar) combines
// with beam search (beams 1 = greedy --grammar), and bad flags are errors naming the flag. Not here: the search and constraint logic (src/infer/beam.test.ts, lexical.test.ts).
import { test } from "node:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { checkLexical, parseLexicalSpec } from "../../infer/index.js";
import { sharedOrSkip } from "../../util/paths.js";
import type { Command } from "../command.js";
import { generateCommand } from "./generate.js";
import { simplifyCommand } from "./simplify.js";

async function capture(cmd: Command, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const wo = process.stdout.write.bind(process.stdout), we = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    return { code: await cmd.run(argv), out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = wo;
    process.stderr.write = we;
  }
}

test("generate --include/--exclude: stdout is exactly the text, which meets the constraints", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const args = ["--model", `${dir}/stories260K.gguf`, "--prompt", "Once upon a time", "--max-tokens", "32", "--threads", "1", "--include", "garden|gardens", "--include", "ball", "--exclude", "girl"];
  const plain = await capture(generateCommand, args);
  const json = await capture(generateCommand, [...args, "--json"]);
  assert.equal(plain.code, 0);
  const j = JSON.parse(json.out) as { text: string; beams: number; hypotheses: { text: string }[]; constraints: { missing: string[]; present: string[]; enforced: boolean } };
  assert.equal(plain.out, j.text);
  assert.equal(j.beams, 4);
  assert.equal(j.hypotheses.length, 4);
  assert.deepEqual(j.constraints, { ...j.constraints, enforced: true, missing: [], present: [] });
  assert.deepEqual(checkLexical(parseLexicalSpec(["garden|gardens", "ball"], ["girl"], "test"), plain.out), { missing: [], present: [] });
  assert.match(plain.err, /\[beam 4: \d+ tokens/);
});

test("generate --grammar with --beams: beams 1 is greedy --grammar exactly; wider beams and --include keep to the grammar", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const tmp = mkdtempSync(join(tmpdir(), "kotodama-beam-grammar-"));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const g = join(tmp, "answer.gbnf");
  writeFileSync(g, 'root ::= ("yes" | "no") ", " [a-z ]{1,20} "."\n');
  const long = join(tmp, "long.gbnf");
  writeFileSync(long, 'root ::= ("yes" | "no") ", " [a-z ]{1,60} "."\n');
  const args = ["--model", `${dir}/stories260K.gguf`, "--prompt", "Is the sky blue?", "--threads", "1", "--grammar", g];
  // The reference: generate's own constrained greedy decoding (the logits hook), not beam search.
  const greedy = await capture(generateCommand, [...args, "--max-tokens", "20", "--temperature", "0"]);
  const beam1 = await capture(generateCommand, [...args, "--max-tokens", "20", "--beams", "1"]);
  assert.equal(beam1.out, greedy.out.replace(/\n$/, ""));
  const shape = /^(yes|no), [a-z ]{1,20}\.$/;
  assert.match(beam1.out, shape);
  const wide = JSON.parse((await capture(generateCommand, [...args, "--max-tokens", "20", "--beams", "4", "--json"])).out) as { text: string; hypotheses: { text: string; finish_reason: string }[]; constraint: { kind: string; complete: boolean } };
  assert.deepEqual(wide.constraint, { ...wide.constraint, kind: "grammar", complete: true });
  for (const h of wide.hypotheses.filter((x) => x.finish_reason === "eos")) assert.match(h.text, shape);
  const lex = await capture(generateCommand, [...args.slice(0, -1), long, "--max-tokens", "30", "--beams", "4", "--include", "ball", "--exclude", "little"]);
  assert.match(lex.out, /^(yes|no), [a-z ]*\bball\b[a-z ]*\.?$/);
  assert.doesNotMatch(lex.out, /\blittle\b/);
});

test("beam and edit flags: errors name the flag", async () => {
  const m = ["--model", "/nonexistent/model"];
  await assert.rejects(capture(generateCommand, [...m, "--beams", "0"]), /--beams expects an integer in \[1, 256\], got "0"/);
  await assert.rejects(capture(generateCommand, [...m, "--include", "dog||cat"]), /--include "dog\|\|cat" has an empty phrase/);
  const s = [...m, "--level", "A2"];
  await assert.rejects(capture(simplifyCommand, [...s, "--keep", "Mount Everest", "We climbed Mount Fuji."]), /--keep "Mount Everest" does not occur in the source sentence/);
  await assert.rejects(capture(simplifyCommand, [...s, "--delete", "Fu", "We climbed Mount Fuji."]), /--delete "Fu" does not occur/);
  await assert.rejects(capture(simplifyCommand, [...s, "--replace", "climbed", "We climbed Mount Fuji."]), /--replace "climbed" expected OLD=>NEW/);
});
