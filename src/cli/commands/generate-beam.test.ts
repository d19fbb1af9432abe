// `kotodama generate --beams/--include/--exclude` and `kotodama simplify --keep/--delete/--replace` end to end:
// stdout holds exactly the text (the same as --json's), the constraints hold on it, and bad flags are errors
// naming the flag. Not here: the search and constraint logic (src/infer/beam.test.ts, lexical.test.ts).
import { test } from "node:test";
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

test("beam and edit flags: errors name the flag", async () => {
  const m = ["--model", "/nonexistent/model"];
  await assert.rejects(capture(generateCommand, [...m, "--beams", "0"]), /--beams expects an integer in \[1, 256\], got "0"/);
  await assert.rejects(capture(generateCommand, [...m, "--include", "dog||cat"]), /--include "dog\|\|cat" has an empty phrase/);
  const s = [...m, "--level", "A2"];
  await assert.rejects(capture(simplifyCommand, [...s, "--keep", "Mount Everest", "We climbed Mount Fuji."]), /--keep "Mount Everest" does not occur in the source sentence/);
  await assert.rejects(capture(simplifyCommand, [...s, "--delete", "Fu", "We climbed Mount Fuji."]), /--delete "Fu" does not occur/);
  await assert.rejects(capture(simplifyCommand, [...s, "--replace", "climbed", "We climbed Mount Fuji."]), /--replace "climbed" expected OLD=>NEW/);
});
