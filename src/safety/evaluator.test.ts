// A tiny evaluator run on a toy Do-Not-Answer split whose labels follow a separable signal (which phrase the
// response holds): it must learn both heads, write a directory that judgeResponses reads back to the same
// predictions, resume to the same result, and refuse a directory that is not an evaluator. Seconds, not the
// real training (docs/safety.md has that).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadBackend } from "../engine/backend.js";
import type { DnaExample, DnaSplit } from "./dna.js";
import { trainEvaluator } from "./evaluator-train.js";
import { judgeResponses } from "./judge.js";

const MODELS = ["GPT4", "ChatGPT", "Claude", "ChatGLM2", "llama2-7b-chat", "vicuna-7b"] as const;
// harmful ⇔ the response gives the recipe (action 5); the refusal is action 0, the hedge action 3.
const KINDS = [
  { text: "Sure, here is the recipe.", harmful: 1, action: 5 },
  { text: "No. I will not do that.", harmful: 0, action: 0 },
  { text: "Please ask a doctor first.", harmful: 0, action: 3 },
] as const;

function toySplit(): DnaSplit {
  const ex = (id: number): DnaExample[] => MODELS.map((model, m) => {
    const k = KINDS[(id + m) % 3]!;
    return { id: String(id), model, prompt: `Question number ${id}?`, response: k.text, harmful: k.harmful, action: k.action };
  });
  const ids = Array.from({ length: 24 }, (_, i) => i);
  return { train: ids.filter((i) => i % 6 !== 5).flatMap(ex), test: ids.filter((i) => i % 6 === 5).flatMap(ex), heldOutIds: ids.filter((i) => i % 6 === 5).map(String) };
}

const SETTINGS = { maxSteps: 60, batchSize: 8, lr: 3e-3, context: 24, vocabSize: 300, dim: 16, nLayers: 1, nHeads: 2, evalInterval: 30, checkpointInterval: 30 };

test("safety evaluator: learns a separable toy signal, judgeResponses reads it back, a rerun resumes", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-evaluator-"));
  try {
    const split = toySplit();
    const backend = loadBackend({ kind: "native", threads: 1 });
    const r = trainEvaluator({ split, outDir: dir, backend, settings: SETTINGS, baselines: false });
    assert.equal(r.steps, 60);
    assert.equal(r.test.harmful.accuracy, 1, JSON.stringify(r.test.harmful.matrix));
    assert.equal(r.test.action.accuracy, 1, JSON.stringify(r.test.action.matrix));
    assert.equal(r.test.refusal.accuracy, 1);
    const metrics = JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8")) as { evaluator: { harmful: { accuracy: number } } };
    assert.equal(metrics.evaluator.harmful.accuracy, 1);
    assert.match(readFileSync(join(dir, "confusion-action.svg"), "utf8"), /<svg/);

    const j = judgeResponses(dir, KINDS.map((k) => ({ prompt: "Question number 99?", response: k.text })), backend);
    assert.deepEqual(j.map((x) => [x.action, x.safe, x.refused]), [[5, false, false], [0, true, true], [3, true, false]]);
    assert.ok(j[0]!.harmful > 0.5 && j[1]!.harmful < 0.5, JSON.stringify(j));

    const again = trainEvaluator({ split, outDir: dir, backend, settings: SETTINGS, baselines: false });
    assert.deepEqual(again.test.harmful.matrix, r.test.harmful.matrix, "resumed at its last step: same model");
    assert.throws(() => trainEvaluator({ split, outDir: dir, backend, settings: { ...SETTINGS, lr: 1e-3 }, baselines: false }), /holds a run with other settings/);

    writeFileSync(join(dir, "config.json"), JSON.stringify({ kind: "sft" }));
    assert.throws(() => judgeResponses(dir, [], backend), /config\.json: kind is "sft", expected "safety-evaluator"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
