// `kotodama label` as a process: a bad --pairs line is refused naming file, line and field (exit 2); with
// --model and --prompts it serves pairs sampled from stories260K, records a choice, and on SIGINT prints the
// summary and exits 0. Not here: the page (tests/label-browser.test.ts), the API edges (server/label.test.ts).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { packageRoot, sharedOrSkip } from "../../util/paths.js";

const bin = (): string => join(packageRoot(), "bin", "kotodama");

test("label: a bad --pairs line is refused with file, line and field", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-label-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pairs = join(dir, "pairs.jsonl");
  writeFileSync(pairs, '{"prompt":"a","a":"x","b":"y"}\n{"prompt":"b","a":"x","b":["y"]}\n');
  const r = spawnSync(process.execPath, [bin(), "label", "--pairs", pairs, "--out", join(dir, "out.jsonl")], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), `error: ${pairs}:2: field "b": expected a string, got an array`);
  const both = spawnSync(process.execPath, [bin(), "label", "--pairs", pairs, "--prompts", pairs, "--out", "o"], { encoding: "utf8" });
  assert.match(both.stderr, /give --pairs FILE, or --model with --prompts, not both/);
});

test("label --model --prompts: sampled pairs are served, a choice is written, SIGINT ends it with a summary", { timeout: 60_000 }, async (t) => {
  const ref = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (ref === null) return;
  const dir = mkdtempSync(join(tmpdir(), "kotodama-label-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const prompts = join(dir, "prompts.jsonl");
  const out = join(dir, "out.jsonl");
  writeFileSync(prompts, '{"id":"s1","prompt":"Once upon a time"}\n{"id":"s2","prompt":"The dog"}\n');
  const child = spawn(process.execPath, [bin(), "label", "--model", ref, "--prompts", prompts, "--out", out, "--max-tokens", "16", "--tags", "short"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    while (!/open (http:\/\/127\.0\.0\.1:\d+)\/label\//.test(stdout)) {
      if (child.exitCode !== null) assert.fail(`exited early: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const base = /open (http:\/\/127\.0\.0\.1:\d+)\/label\//.exec(stdout)![1]!;
    type State = { total: number; current: { pair: { id: string; a: string; b: string } | null } | null };
    let s: State;
    for (;;) {
      s = (await (await fetch(`${base}/api/label/state`)).json()) as State;
      if (s.current?.pair !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(s.total, 2);
    const pair = s.current!.pair!;
    assert.equal(pair.id, "s1");
    const r = await fetch(`${base}/api/label/choice`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id: "s1", choice: "right", tags: ["short"] }) });
    assert.equal(r.status, 200);
    assert.equal(readFileSync(out, "utf8"), `${JSON.stringify({ id: "s1", prompt: "Once upon a time", chosen: pair.b, rejected: pair.a, source: "label", tags: ["short"] })}\n`);
  } finally {
    child.kill("SIGINT");
  }
  assert.equal(await exited, 0);
  assert.match(stderr, /1 of 2 pairs labelled \(1 preferred, 0 ties, 0 skips\)/);
  const config = JSON.parse(readFileSync(`${out}.config.json`, "utf8")) as Record<string, unknown>;
  assert.deepEqual(config, { command: "label", model: ref, prompts, sample: { temperatures: [0.7, 1], seed: 0, maxTokens: 16 }, tags: ["short"] });
  // Other sampling settings would draw other answers than those labelled: refused before the model loads.
  const other = spawnSync(process.execPath, [bin(), "label", "--model", ref, "--prompts", prompts, "--out", out, "--max-tokens", "16", "--seed", "1"], { encoding: "utf8" });
  assert.equal(other.status, 2);
  assert.match(other.stderr, /records sampling settings \{"temperatures":\[0\.7,1\],"seed":0,"maxTokens":16\}, not \{"temperatures":\[0\.7,1\],"seed":1,"maxTokens":16\}/);
});
