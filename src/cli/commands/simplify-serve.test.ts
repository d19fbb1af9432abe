// `kotodama simplify --endpoint` and `kotodama eval simplify --endpoint` against a real kotodama server on loopback (src/server/openai, serving a tiny SFT
// model trained here on the simplify prompt with one known answer): the JSON and the plain output equal
// `simplify --model`'s (the independent reference: the local decoder), the answer is the one the model learned, the
// server's request counter shows it was called; `eval simplify --endpoint` on a two-sentence ASSET-shaped folder
// gives the same outputs and scores as `--model --beams 1` for identity and sft (a tiny keyword classifier judges);
// flags that need the model's logits (--constrained, span edits,
// --beams, --rerank) are refused through an endpoint with an error naming the flag, and the shared endpoint flag
// rules hold (--model with --endpoint, --endpoint without --api-model). Not here: the level constraints
// (src/eval/cefr/*.test.ts), the endpoint client (src/infer/endpoint.test.ts).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createRefBackend } from "../../engine/backends/ref/index.js";
import type { CefrRow } from "../../eval/cefr/data.js";
import { trainCefr } from "../../eval/cefr/model.js";
import { simplifyUserMessage } from "../../eval/cefr/simplify.js";
import { loadBackend } from "../../engine/backend.js";
import { startOpenAIServer, type RunningServer } from "../../server/openai/server.js";
import { runSft } from "../../train/sft/index.js";
import { captureStdout as capture } from "../../../tests/support/capture.js";
import { tinyBaseRun } from "../../../tests/support/cli.js";
import { evalCommand } from "./eval.js";
import { simplifyCommand } from "./simplify.js";

const SOURCE = "The committee postponed the decision.";
const SIMPLE = "They waited to decide.";

async function chatRequests(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split("\n").filter((l) => l.startsWith('kotodama_requests_total{endpoint="/v1/chat/completions"')).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

describe("kotodama simplify --endpoint and eval simplify --endpoint against a kotodama server on loopback", () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-simplify-serve-"));
  const sft = join(dir, "sft");
  let server: RunningServer;

  before(async () => {
    const backend = createRefBackend();
    const user = simplifyUserMessage(SOURCE);
    tinyBaseRun(join(dir, "base"), `${user}\n${SIMPLE}\n`.repeat(8), backend, { context: 128, vocabSize: 300 });
    const data = join(dir, "chat.jsonl");
    writeFileSync(data, JSON.stringify({ messages: [{ role: "user", content: user }, { role: "assistant", content: SIMPLE }] }));
    runSft({ model: join(dir, "base"), data: [data], valData: [data], outDir: sft, backend, settings: { maxSteps: 40, lr: 1e-2, batchSize: 2 } });
    // A two-sentence ASSET test split (10 references each) and a keyword CEFR classifier (its lexicon.json too).
    const asset = join(dir, "data", "asset", "dataset");
    mkdirSync(asset, { recursive: true });
    writeFileSync(join(asset, "asset.test.orig"), `${SOURCE}\nThe cat sat on the mat.\n`);
    for (let k = 0; k < 10; k++) writeFileSync(join(asset, `asset.test.simp.${k}`), `${SIMPLE}\nThe cat sat.\n`);
    const train = Array.from({ length: 40 }, (_, i): CefrRow => {
      const [w, l] = i % 2 === 0 ? ["cat", 0] : ["committee", 3];
      const t = `Number ${i} is about the ${w} here.`;
      return { part: "SCoRE", line: i + 1, raw: t, text: t, a: l, b: l, label: l };
    });
    trainCefr({ train, outDir: join(dir, "cefr"), backend: loadBackend({ kind: "native", threads: 1 }), settings: { maxSteps: 40, batchSize: 8, lr: 3e-3, context: 16, vocabSize: 300, dim: 16, nLayers: 1, nHeads: 2 } });
    server = await startOpenAIServer({ models: [{ name: "sft", path: sft }], threads: 1, port: 0 });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("--endpoint gives exactly the --model output (JSON and plain), the answer the model learned", async () => {
    const args = ["--level", "A2", "--max-tokens", "24"];
    const local = await capture(() => simplifyCommand.run(["--model", sft, ...args, "--json", SOURCE]));
    const n0 = await chatRequests(server.url);
    const remote = await capture(() => simplifyCommand.run(["--endpoint", `${server.url}/v1`, "--api-model", "sft", ...args, "--json", SOURCE]));
    assert.equal(await chatRequests(server.url), n0 + 1);
    assert.equal(remote, local);
    const j = JSON.parse(remote) as { output: string; beams: number; constrained: boolean };
    assert.equal(j.output, SIMPLE, "the tiny model learned its one simplification");
    assert.equal(j.beams, 1);
    assert.equal(j.constrained, false);
    const plainLocal = await capture(() => simplifyCommand.run(["--model", sft, ...args, SOURCE]));
    const plainRemote = await capture(() => simplifyCommand.run(["--endpoint", server.url, "--api-model", "sft", ...args, SOURCE]));
    assert.equal(plainRemote, plainLocal);
    assert.equal(plainRemote, `${SIMPLE}\n`);
  });

  test("eval simplify --endpoint: identity and sft equal the --model run's (outputs and scores)", async () => {
    type Ev = { n: number; systems: { system: string }[] };
    const args = ["simplify", "--cefr", join(dir, "cefr"), "--data-dir", join(dir, "data"), "--max-tokens", "24", "--json"];
    const local = JSON.parse(await capture(() => evalCommand.run([...args, "--model", sft, "--beams", "1", "--out", join(dir, "ev-local")]))) as Ev;
    const remote = JSON.parse(await capture(() => evalCommand.run([...args, "--endpoint", `${server.url}/v1`, "--api-model", "sft", "--out", join(dir, "ev-remote")]))) as Ev;
    assert.equal(remote.n, 2);
    assert.deepEqual(remote.systems.map((x) => x.system), ["identity", "sft"]);
    assert.deepEqual(remote.systems, local.systems.filter((x) => x.system === "identity" || x.system === "sft"));
    const sftOut = (d: string): string[] => readFileSync(join(dir, d, "simplify-outputs.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { sft: string }).sft);
    assert.deepEqual(sftOut("ev-remote"), sftOut("ev-local"));
    assert.equal(sftOut("ev-remote")[0], SIMPLE);
    await assert.rejects(capture(() => evalCommand.run([...args, "--endpoint", server.url, "--api-model", "sft", "--beams", "4", "--out", join(dir, "ev-x")])), /--beams needs the model's logits/);
  });

  test("logits-level options are refused through an endpoint, naming the flag; the shared endpoint rules hold", async () => {
    const e = ["--endpoint", `${server.url}/v1`, "--api-model", "sft", "--level", "A2"];
    const n0 = await chatRequests(server.url);
    await assert.rejects(capture(() => simplifyCommand.run([...e, "--constrained", "--lexicon", join(dir, "none.json"), SOURCE])), /--constrained works on the model's logits at every step.*use --model DIR/);
    await assert.rejects(capture(() => simplifyCommand.run([...e, "--keep", "committee", SOURCE])), /--keep works on the model's logits/);
    await assert.rejects(capture(() => simplifyCommand.run([...e, "--beams", "4", SOURCE])), /--beams works on the model's logits/);
    await assert.rejects(capture(() => simplifyCommand.run([...e, "--rerank", "--cefr", join(dir, "none"), SOURCE])), /--rerank works on the model's logits/);
    await assert.rejects(capture(() => simplifyCommand.run([...e, "--model", sft, SOURCE])), /give --model or --endpoint, not both/);
    await assert.rejects(capture(() => simplifyCommand.run(["--endpoint", server.url, "--level", "A2", SOURCE])), /--endpoint needs --api-model NAME/);
    await assert.rejects(capture(() => simplifyCommand.run(["--level", "A2", SOURCE])), /--model DIR \(an SFT model\) or --endpoint URL is required/);
    await assert.rejects(capture(() => simplifyCommand.run(["--model", sft, "--level", "A2", "--rerank", SOURCE])), /--rerank needs --cefr DIR/);
    await assert.rejects(capture(() => simplifyCommand.run([...e, "--delete-only", SOURCE])), /--delete-only works on the model's logits/);
    await assert.rejects(capture(() => simplifyCommand.run(["--model", sft, "--level", "A2", "--min-keep", "0.5", SOURCE])), /--min-keep applies to --delete-only decoding/);
    assert.equal(await chatRequests(server.url), n0, "a refused command sends nothing");
  });

  test("--delete-only writes the source with words deleted, not the learned paraphrase; eval simplify --runs delete adds truncation", async () => {
    const words = (t: string): string[] => t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    const isSubsequence = (out: string, src: string): boolean => {
      const s = words(src);
      let i = 0;
      for (const w of words(out)) {
        while (i < s.length && s[i] !== w) i++;
        if (i++ >= s.length) return false;
      }
      return true;
    };
    for (const minKeep of ["0.5", "1"]) {
      const j = JSON.parse(await capture(() => simplifyCommand.run(["--model", sft, "--level", "A2", "--delete-only", "--min-keep", minKeep, "--json", SOURCE]))) as { output: string; beams: number };
      assert.notEqual(j.output, SIMPLE);
      assert.ok(isSubsequence(j.output, SOURCE), `${JSON.stringify(j.output)} is not ${SOURCE} with deletions`);
      assert.ok(words(j.output).length >= Math.ceil(Number(minKeep) * words(SOURCE).length), `${JSON.stringify(j.output)} keeps under ${minKeep}`);
      assert.equal(j.beams, 4);
    }
    type Ev = { systems: { system: string }[] };
    const args = ["simplify", "--cefr", join(dir, "cefr"), "--data-dir", join(dir, "data"), "--max-tokens", "24", "--json", "--model", sft];
    const ev = JSON.parse(await capture(() => evalCommand.run([...args, "--runs", "delete", "--out", join(dir, "ev-del")]))) as Ev;
    assert.deepEqual(ev.systems.map((x) => x.system), ["identity", "truncate", "sft", "sft+constraint", "sft+beam4+delete", "sft+beam4+delete+rerank"]);
    const rows = readFileSync(join(dir, "ev-del", "simplify-outputs.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, string> & { source: string });
    for (const r of rows) {
      assert.ok(isSubsequence(r["sft+beam4+delete"]!, r.source), JSON.stringify(r));
      assert.equal(r.truncate, r.source.split(" ").slice(0, Math.ceil(r.source.split(" ").length / 2)).join(" "));
    }
    await assert.rejects(capture(() => evalCommand.run([...args, "--runs", "delete,nope", "--out", join(dir, "ev-x")])), /unknown beam run "nope"/);
  });
});
