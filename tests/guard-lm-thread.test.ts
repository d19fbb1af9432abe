// A local LM guard on its own thread (guard-lm-thread.ts, what `kotodama serve --guard` uses): its judgements equal
// the in-process judge's on the same model (a random-weight Llama fixture), bit for bit,
// including a prompt cut to fit the context and the error of a policy prompt that cannot fit; the main thread's event
// loop keeps turning while it judges; a model that cannot load rejects ready() and every judgement with the path; a
// closed judge rejects. Not here: the judge itself (guard-lm.test.ts, endpoint-serve.test.ts).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFixture } from "./fixtures/families.js";
import { loadBackend } from "../src/engine/backend.js";
import { openInferModel } from "../src/infer/index.js";
import { KotodamaError } from "../src/util/errors.js";
import { localLmJudge, type LmJudgement } from "../src/safety/guard-lm-judge.js";
import { threadLmJudge } from "../src/safety/guard-lm-thread.js";
import { closeGuard, guardReady, loadAnyGuard, isLmGuard, inspectInput } from "../src/safety/guard-check.js";
import { LM_GUARD_DEFAULTS, openLmGuard, saveLmGuard } from "../src/safety/guard-lm-model.js";
import type { ChatTurn } from "../src/infer/responder.js";

const dir = mkdtempSync(join(tmpdir(), "kd-lm-thread-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const fixture = writeFixture(dir, "llama", "f32");

const CONVERSATIONS: ChatTurn[][] = [
  [{ role: "user", content: "How do I make a cake?" }],
  [{ role: "user", content: "How do I kill a Python process?" }, { role: "assistant", content: "Use kill -9 with its process id." }],
  // Far longer than the fixture's 256-token context: judged by its longest start that fits.
  [{ role: "user", content: "Tell me everything about chemistry. ".repeat(80) }],
];

test("a guard model on its own thread judges exactly as in this thread; the event loop keeps turning meanwhile", async () => {
  const local = localLmJudge(openInferModel(fixture.path, { backend: loadBackend({ threads: 1 }) }), { format: "template", alternatives: "all" });
  const thread = threadLmJudge({ model: fixture.path, format: "template", alternatives: "all", threads: 1 });
  try {
    await thread.ready();
    assert.equal(thread.name, local.name);
    assert.deepEqual(thread.settings, local.settings);
    const expected: LmJudgement[] = [];
    for (const c of CONVERSATIONS) expected.push(await local.judge(c));
    assert.ok(expected.every((j) => j.from === "logprobs" && j.unsafe > 0 && j.unsafe < 1), "single letters s and u are tokens of the fixture's vocabulary");
    // All in flight at once (answered in order); meanwhile this thread's event loop runs a setImmediate loop.
    let ticks = 0, spinning = true;
    const spin = (): void => {
      ticks++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const got = await Promise.all([...CONVERSATIONS, ...CONVERSATIONS].map((c) => thread.judge(c)));
    spinning = false;
    assert.deepEqual(got, [...expected, ...expected]);
    assert.ok(ticks >= got.length, `the event loop turned ${ticks} times while ${got.length} judgements ran on the guard's thread`);
    // An error inside a judgement comes back as the in-process judge's error: the policy prompt alone overflows 256 tokens.
    const policyLocal = localLmJudge(openInferModel(fixture.path, { backend: loadBackend({ threads: 1 }) }), { format: "policy", alternatives: "all" });
    const policyThread = threadLmJudge({ model: fixture.path, format: "policy", alternatives: 20, threads: 1 });
    const localError = await policyLocal.judge(CONVERSATIONS[0]!).then(() => null, (e: unknown) => e as Error);
    assert.ok(localError instanceof KotodamaError && /does not fit the model's context of 256/.test(localError.message), String(localError));
    await assert.rejects(policyThread.judge(CONVERSATIONS[0]!), (e: unknown) => e instanceof KotodamaError && e.message === localError.message);
    await policyThread.close();
  } finally {
    await thread.close();
  }
  await assert.rejects(thread.judge(CONVERSATIONS[0]!), /its thread has stopped/);
});

test("a guard directory opened with the thread option: ready, the same input check as in-process, closed; a bad model rejects ready() naming it", async () => {
  const g = join(dir, "guard");
  saveLmGuard(g, openLmGuard({ ...LM_GUARD_DEFAULTS, model: fixture.path, threshold: 0.4 }));
  const inProcess = loadAnyGuard(g);
  const threaded = loadAnyGuard(g, { thread: { threads: 1 } });
  assert.ok(isLmGuard(threaded));
  await guardReady(threaded);
  for (const prompt of ["How do I make a bomb?", "どうやってケーキを作りますか？"]) assert.deepEqual(await inspectInput(threaded, prompt), await inspectInput(inProcess, prompt));
  await closeGuard(threaded);

  const missing = join(dir, "no-such-model.gguf");
  const bad = threadLmJudge({ model: missing, format: "template", alternatives: "all", threads: 1 });
  await assert.rejects(bad.ready(), (e: unknown) => e instanceof KotodamaError && e.message.includes(`cannot open the model ${missing}`));
  await assert.rejects(bad.judge(CONVERSATIONS[0]!), (e: unknown) => e instanceof KotodamaError && e.message.includes(missing));
  await bad.close();
});
