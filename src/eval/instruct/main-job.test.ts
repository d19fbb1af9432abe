// npm start's instruction-tuning stage end to end on a tiny pretrained model (1 layer, 32 channels, a 512-token BPE
// trained on instruction text, one pretraining step) with the real instruction data from ../shared/data (skipped
// visibly without it): the run directory holds the SFT run (checkpoint, config, metrics, loss plot, chat template)
// and the evaluation (JSON, replies, SVG); the data written are the short training examples of the stage's tasks,
// none held out; the loss falls on exactly the assistant tokens; the before/after metrics have n, intervals and
// values that recount from the replies, and replies match an independent greedy run of each model.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildInstructData } from "../../data/instruct/build.js";
import { INSTRUCT_DEFAULTS } from "../../data/instruct/config.js";
import { loadBackend } from "../../engine/backend.js";
import { ChatSession, generateText, openInferModel } from "../../infer/index.js";
import { hfTokenizerJson, trainBpe } from "../../tokenizer/index.js";
import { IGNORE_INDEX, resolveRunConfig, train } from "../../train/index.js";
import { encodeExamples, sftTemplates } from "../../train/sft/index.js";
import { exampleChars, MAIN_JOB_SFT, MAIN_JOB_TASKS } from "../../train/sft/main-job.js";
import { sharedOrSkip } from "../../util/paths.js";
import { mainJobSftWithEval } from "./main-job.js";
import { fewShotPrompt, TASK_REPLY } from "./prompts.js";
import { PLOT_FILE, REPLIES_FILE, RESULTS_FILE } from "./report.js";
import type { ReplyRecord } from "./run.js";
import { EVAL_TASKS } from "./score.js";

test("main job SFT stage: run directory, data, loss mask and before/after evaluation", async (t) => {
  if (sharedOrSkip(t, "data", "cefr-sp") === null) return;
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "kd-main-sft-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = buildInstructData({ ...INSTRUCT_DEFAULTS, seed: 1 });
  const texts = data.train.filter((_, i) => i % 20 === 0).flatMap((e) => e.messages.map((m) => m.content));
  const tok = trainBpe({ texts, vocabSize: 512 });
  const base = join(dir, "base");
  const run = resolveRunConfig("tiny", { model: { vocabSize: 512, dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 2, hiddenDim: 64, context: 256 }, train: { batchSize: 1, maxSteps: 1, evalBatches: 1 } });
  const stream = Uint16Array.from(tok.encode(texts.slice(0, 200).join("\n"), { addBos: false }));
  const backend = loadBackend();
  train({ run, data: { train: stream, val: stream, vocabSize: 512, description: "", tokenizerPath: null }, backend, outDir: base, tokenizerJson: hfTokenizerJson(tok) });

  const out = join(dir, "sft");
  const perTask = 4;
  const r = await mainJobSftWithEval({ base, outDir: out, backend, timeBudgetS: 60, seed: 1, log: () => {}, perTask, settings: { maxSteps: 3, batchSize: 2 }, data, evalPerTask: 2 });

  // The run directory: the SFT run beside the evaluation.
  for (const f of ["checkpoint.safetensors", "model.safetensors", "config.json", "metrics.jsonl", "loss.svg", "tokenizer.json", "tokenizer_config.json", "data/train.jsonl", "data/heldout.jsonl", RESULTS_FILE, REPLIES_FILE, PLOT_FILE]) {
    assert.ok(existsSync(join(out, f)), f);
  }
  assert.equal(r.stage.sft.steps, 3);
  const cfg = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as { kind: string; train: { maxSteps: number; batchSize: number }; sft: { pack: boolean; context: number; lossTokens: number; trainExamples: number; data: { examples: number }[] } };
  assert.deepEqual([cfg.kind, cfg.train.maxSteps, cfg.train.batchSize, cfg.sft.pack, cfg.sft.context], ["sft", 3, 2, true, MAIN_JOB_SFT.settings.context]);
  const metricsLines = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { step?: number });
  assert.ok(metricsLines.some((m) => m.step === 3), "metrics.jsonl reaches step 3");

  // The data: perTask short training examples of each of the stage's tasks, none of them a held-out example.
  const written = readFileSync(join(out, "data", "train.jsonl"), "utf8").trim().split("\n").map((l) => JSON.stringify((JSON.parse(l) as { messages: unknown }).messages));
  assert.equal(written.length, r.stage.examples);
  assert.equal(cfg.sft.data[0]!.examples, r.stage.examples);
  const byMessages = new Map(data.train.map((e) => [JSON.stringify(e.messages), e]));
  const held = new Set([...data.heldOut.values()].flat().map((e) => JSON.stringify(e.messages)));
  const perTaskCount = new Map<string, number>();
  for (const w of written) {
    const e = byMessages.get(w);
    assert.ok(e !== undefined, "every written example is a training example");
    assert.ok(MAIN_JOB_TASKS.includes(e.task) && exampleChars(e) <= MAIN_JOB_SFT.maxChars && !held.has(w), e.id);
    perTaskCount.set(e.task, (perTaskCount.get(e.task) ?? 0) + 1);
  }
  assert.deepEqual([...perTaskCount.values()], MAIN_JOB_TASKS.map(() => perTask));

  // The loss mask: the targets that carry loss are exactly each response and its end-of-turn marker.
  const examples = written.map((w, i) => ({ messages: byMessages.get(w)!.messages, where: `train.jsonl:${i + 1}` }));
  const enc = encodeExamples(tok, examples, { templates: sftTemplates(tok).templates, context: MAIN_JOB_SFT.settings.context, overflow: "truncate" });
  assert.equal(enc.lossTokens, cfg.sft.lossTokens);
  const cefr = enc.rows.findIndex((row) => row.where === examples.find((e) => byMessages.get(JSON.stringify(e.messages))!.task === "cefr-level")!.where);
  const row = enc.rows[cefr]!;
  const kept = [...row.targets].filter((y) => y !== IGNORE_INDEX);
  const answer = examples.find((e) => e.where === row.where)!.messages[1]!.content;
  const end = tok.encode("<|end|>", { allowSpecial: true, addBos: false });
  assert.deepEqual(kept, [...tok.encode(answer, { addBos: false }), ...end]);

  // The evaluation: every task under every condition, n = 2 with an interval around the value, recounted from
  // the replies; a few-shot reply and a tuned reply reproduced by an independent greedy run.
  const res = JSON.parse(readFileSync(join(out, RESULTS_FILE), "utf8")) as { tasks: string[]; conditions: string[]; baselines: Record<string, { reply: string; metrics: Record<string, { n: number }> }>; metrics: Record<string, Record<string, Record<string, { value: number; n: number; lo: number; hi: number }>>> };
  assert.deepEqual(res.tasks, [...EVAL_TASKS]);
  assert.deepEqual(res.conditions, ["base-few-shot", "base-zero-shot", "sft"]);
  assert.ok(/^[ABC][12]$/.test(res.baselines["cefr-level"]!.reply) && res.baselines["cefr-level"]!.metrics.exact!.n === 2, "the constant-reply baseline on the same queries");
  const replies = readFileSync(join(out, REPLIES_FILE), "utf8").trim().split("\n").map((l) => JSON.parse(l) as ReplyRecord);
  assert.equal(replies.length, 3 * 3 * 2);
  for (const task of res.tasks) {
    for (const c of res.conditions) {
      const m = res.metrics[task]![c]!;
      for (const e of Object.values(m)) assert.ok(e.n === 2 && e.lo <= e.value + 1e-12 && e.value <= e.hi + 1e-12, `${task} ${c}`);
      const mine = replies.filter((x) => x.task === task && x.condition === c).map((x) => x.score);
      if (task === "cefr-level") assert.equal(m.exact!.value, mine.filter((s) => s.task === "cefr-level" && s.exact).length / 2);
      if (task === "story-words") assert.equal(m["all-words"]!.value, mine.filter((s) => s.task === "story-words" && s.all).length / 2);
      if (task === "simplify") assert.ok(Math.abs(m["rouge-l"]!.value - mine.reduce((a, s) => a + (s.task === "simplify" ? s.rougeL : 0), 0) / 2) < 1e-12);
    }
  }
  const baseModel = openInferModel(base, { backend });
  const fs = replies.find((x) => x.task === "simplify" && x.condition === "base-few-shot")!;
  const byId = new Map([...data.train, ...data.heldOut.get("simplify")!].map((e) => [e.id, e]));
  const prompt = fewShotPrompt(fs.shots!.map((id) => byId.get(id)!), byId.get(fs.id)!);
  const again = await generateText(baseModel, prompt, { temperature: 0, maxTokens: Math.min(TASK_REPLY.simplify.maxTokens, 256 - tok.encode(prompt).length), stop: [...TASK_REPLY.simplify.stop] });
  assert.equal(fs.reply, again.text);
  const tuned = replies.find((x) => x.task === "cefr-level" && x.condition === "sft")!;
  const it = new ChatSession(openInferModel(out, { backend })).send(tuned.instruction, { temperature: 0, maxTokens: TASK_REPLY["cefr-level"].maxTokens });
  let last = await it.next();
  while (last.done !== true) last = await it.next();
  assert.equal(tuned.reply, last.value.reply);
  const svg = readFileSync(join(out, PLOT_FILE), "utf8");
  for (const s of ["<svg", "base few-shot", "base zero-shot", "SFT", "CEFR exact", "simplify ROUGE-L"]) assert.ok(svg.includes(s), s);
  t.diagnostic(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
});
