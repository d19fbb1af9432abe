// `kotodama serve` as a process: it prints `listening on URL`, serves a streamed chat, and on SIGTERM lets the
// running stream finish (to `data: [DONE]`) and exits 0; bad flags are errors naming the flag. Not here: the
// endpoints in depth (src/server/openai/*.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../util/paths.js";
import { sharedOrSkip } from "../../util/paths.js";
import { GUARD_AREAS } from "../../safety/index.js";
import { serveCommand } from "./serve.js";

const BIN = join(packageRoot(), "bin", "kotodama");

test("serve: listening on URL, a stream finishes through SIGTERM, exit 0", async (t) => {
  const model = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (model === null) return;
  const dir = mkdtempSync(join(tmpdir(), "kotodama-serve-"));
  const keyFile = join(dir, "keys");
  writeFileSync(keyFile, "sk-cli-test-0001\n");
  const child = spawn(process.execPath, [BIN, "serve", "--model", `tiny=${model}`, "--port", "0", "--api-key-file", keyFile, "--threads", "1"], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m !== null) resolve(m[1]!);
      });
      void exited.then(() => reject(new Error(`serve exited early: ${err}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer sk-cli-test-0001" },
      body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "Hello" }], max_tokens: 60, temperature: 0, stream: true, ignore_eos: true }),
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    child.kill("SIGTERM");
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      text += new TextDecoder().decode(r.value);
    }
    assert.match(text, /"finish_reason":"length"/);
    assert.ok(text.trimEnd().endsWith("data: [DONE]"), text.slice(-200));
    assert.equal(await exited, 0);
    assert.match(err, /SIGTERM: finishing running requests/);
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("serve: flag errors name the flag (before anything starts)", async (t) => {
  const model = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (model === null) return;
  const dir = mkdtempSync(join(tmpdir(), "kotodama-serve-"));
  try {
    await assert.rejects(serveCommand.run(["--model", model, "--allow-dir", dir]), /outside the --allow-dir/);
    await assert.rejects(serveCommand.run(["--model", model, "--port", "99999"]), /--port expects an integer in \[0, 65535\]/);
    await assert.rejects(serveCommand.run(["--model", model, "--cors", "*"]), /--cors \*: expected an origin/);
    await assert.rejects(serveCommand.run(["--model", model, "--api-key", "short"]), /at least 8 characters/);
    await assert.rejects(serveCommand.run([]), /--model PATH is required/);
    await assert.rejects(serveCommand.run(["--model", model, "--no-guard-api"]), /--no-guard-api goes with --guard/);
    await assert.rejects(serveCommand.run(["--model", model, "--label-pairs", join(dir, "p.jsonl")]), /--label-pairs, --label-prompts and --label-tags need --label-out FILE/);
    await assert.rejects(serveCommand.run(["--model", model, "--label-out", join(dir, "l.jsonl")]), /--label-out needs --label-pairs FILE or --label-prompts FILE/);
    await assert.rejects(serveCommand.run(["--model", model, "--label-out", join(dir, "l.jsonl"), "--label-pairs", join(dir, "p.jsonl"), "--label-prompts", join(dir, "q.jsonl")]), /one of them/);
    writeFileSync(join(dir, "p.jsonl"), '{"id":"x","prompt":"hi","a":"A"}\n');
    await assert.rejects(serveCommand.run(["--model", model, "--label-out", join(dir, "l.jsonl"), "--label-pairs", join(dir, "p.jsonl")]), /p\.jsonl:1: field "b"/);
    // An LM guard whose model is gone: the guard's thread cannot load it, and serve says so before it listens.
    mkdirSync(join(dir, "lm-guard"));
    writeFileSync(join(dir, "lm-guard", "guard.json"), JSON.stringify({ format: "kotodama-lm-guard", version: 1, settings: { model: join(dir, "gone.gguf") }, thresholds: Object.fromEntries(GUARD_AREAS.map((a) => [a, 0.5])) }));
    await assert.rejects(serveCommand.run(["--model", model, "--guard", join(dir, "lm-guard"), "--threads", "1"]), (e: unknown) => e instanceof Error && e.message.includes(`LM guard: cannot open the model ${join(dir, "gone.gguf")}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
