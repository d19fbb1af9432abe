// npm start's DPO stage (its pairs and settings, src/train/dpo/main-job.ts) at several step counts on one SFT run, then
// the SFT model and each DPO run on the held-out Do-Not-Answer prompts, XSTest's safe prompts, and a validation set: the
// Do-Not-Answer prompts outside the held-out 20 % that are no user message of the SFT data or of the pairs. Run after
// `npx tsc -p tsconfig.json`, on a copy of an SFT run (runs/default/sft):
//   node dev/align/dpo-steps.mjs SFT_RUN OUT_DIR 100,150,200
// Measured in docs/alignment.md ("A second whole run, and the DPO step count"). Not here: the stage itself.
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
const D = new URL("../../dist/src", import.meta.url).pathname;
const { buildPrefs, prefsConfig } = await import(`${D}/data/prefs/build.js`);
const { prefLine } = await import(`${D}/data/prefs/format.js`);
const { runDpo } = await import(`${D}/train/dpo/run.js`);
const { MAIN_JOB_DPO } = await import(`${D}/train/dpo/main-job.js`);
const { loadBackend } = await import(`${D}/engine/backend.js`);
const { openInferModel } = await import(`${D}/infer/index.js`);
const { compareModels } = await import(`${D}/eval/safety/compare.js`);
const { ngramJudge } = await import(`${D}/eval/safety/judges.js`);
const { dnaHeldOutPrompts, readXstest } = await import(`${D}/eval/safety/prompts.js`);
const { loadDnaSplit } = await import(`${D}/safety/index.js`);
const { readDoNotAnswer } = await import(`${D}/data/instruct/sources.js`);
const { doNotAnswerHeldOut } = await import(`${D}/data/instruct/split.js`);
const { INSTRUCT_DEFAULTS } = await import(`${D}/data/instruct/config.js`);
const [sft, root, stepsArg] = process.argv.slice(2);
if (stepsArg === undefined || !/^\d+(,\d+)*$/.test(stepsArg)) {
  console.error("usage: node dev/align/dpo-steps.mjs SFT_RUN OUT_DIR STEPS[,STEPS…]");
  process.exit(2);
}
const dataDir = (await import(`${D}/util/paths.js`)).sharedPath("data");
if (dataDir === null) throw new Error("../shared/data is absent");
const backend = loadBackend({});
const prefs = buildPrefs(prefsConfig(null));
const chars = (p) => p.messages.reduce((n, m) => n + m.content.length, 0) + Math.max(p.chosen.length, p.rejected.length);
const pick = (src, n, max) => prefs.train.filter((p) => p.source === src && chars(p) <= max).slice(0, n);
const train = [...pick("do-not-answer", 1000, 1e9), ...pick("hh-rlhf", 40, 1500), ...pick("kotodama-borderline", 1000, 1e9)];
const val = prefs.heldOut.filter((p) => p.source === "hh-rlhf" && chars(p) <= 1500).slice(0, 24);
// validation: DNA prompts outside held-out, not a user message in the SFT data nor in the pairs
const rows = readDoNotAnswer(join(dataDir, "do-not-answer", "do_not_answer_en.csv"));
const held = doNotAnswerHeldOut(rows, INSTRUCT_DEFAULTS.seed, INSTRUCT_DEFAULTS.doNotAnswer.heldOutFraction);
const seen = new Set();
readFileSync(join(sft, "data/train.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).forEach((x) => (x.messages ?? []).filter((m) => m.role === "user").forEach((m) => seen.add(m.content.trim())));
for (const p of train) for (const m of p.messages) if (m.role === "user") seen.add(m.content.trim());
const valPrompts = rows.filter((r) => !held.has(r.id) && !seen.has(r.question.trim())).map((r) => ({ set: "dna", id: `v${r.id}`, prompt: r.question, label: "harmful", area: r.riskArea, harmType: r.typesOfHarm, lang: "en" }));
const judge = ngramJudge(loadDnaSplit(dataDir), 1);
const test = [...dnaHeldOutPrompts(dataDir), ...readXstest(dataDir).filter((p) => p.label === "benign")];
const models = [{ name: "SFT", path: sft, model: openInferModel(sft, { backend }) }];
for (const steps of stepsArg.split(",").map(Number)) {
  const out = join(root, `s${steps}`);
  mkdirSync(join(out, "data"), { recursive: true });
  writeFileSync(join(out, "data/train.jsonl"), train.map(prefLine).join("\n") + "\n");
  writeFileSync(join(out, "data/heldout.jsonl"), val.map(prefLine).join("\n") + "\n");
  const t0 = Date.now();
  runDpo({ model: sft, prefs: join(out, "data/train.jsonl"), valPrefs: join(out, "data/heldout.jsonl"), outDir: out, backend, settings: { ...MAIN_JOB_DPO.settings, maxSteps: steps, seed: 1 }, timeBudgetS: 1e6, minSteps: steps, log: () => {} });
  console.log(`DPO ${steps} steps: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  models.push({ name: `DPO ${steps}`, path: out, model: openInferModel(out, { backend }) });
}
console.log(`${valPrompts.length} validation prompts`);
const a = await compareModels({ models, prompts: test, judge, maxNewTokens: 48, seed: 1, instruct: null });
const v = await compareModels({ models, prompts: valPrompts, judge, maxNewTokens: 48, seed: 1, instruct: null });
a.rows.forEach((r, i) => console.log(`${r.name.padEnd(10)} DNA held-out ${r.dnaSafe.value.toFixed(3)} (${Math.round(r.dnaSafe.value * 187)}/187)  XSTest answered ${r.xstestAnswered.value.toFixed(3)}  DNA validation ${v.rows[i].dnaSafe.value.toFixed(3)}  KL ${r.kl?.value.toFixed(2) ?? "-"}`));
