// npm start's instruction tuning and alignment stages again from a pretrained run, with or without the contrast
// generator's prompts (src/data/instruct/contrast.ts: the SFT task `contrast` and the DPO contrast pairs), at npm
// start's budgets (SFT ≤ 150 s and 200 steps, DPO ≤ 75 s and 100 steps, seed 1), then the evaluation npm start
// prints (held-out Do-Not-Answer safe, XSTest safe answered, instruction scores, KL). The pretrained run is copied
// first; nothing is written into it. Run after `npx tsc -p tsconfig.json`:
//   node dev/safety/contrast-align.mjs PRETRAINED_RUN OUT_DIR [--no-contrast] [--threads N] [--fixed-steps]
// --fixed-steps: time budgets of an hour, so that the step counts (200 SFT, 100 DPO) and not the machine's load
// decide what is compared. --sft-steps N / --dpo-steps N / --per-task N: fewer steps and instruction examples than
// npm start's 200 / 100 / 25 (for a machine too loaded to run those in time; say so beside the numbers).
// Not here: the stages themselves (train/sft/main-job.ts, train/dpo/main-job.ts, eval/safety/main-job.ts).
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { loadBackend } from "../../dist/src/engine/backend.js";
import { mainJobSftWithEval } from "../../dist/src/eval/instruct/main-job.js";
import { mainJobAlignWithEval } from "../../dist/src/eval/safety/main-job.js";
import { alignmentMarkdown } from "../../dist/src/eval/safety/alignment.js";
import { MAIN_JOB_MIX } from "../../dist/src/train/sft/main-job.js";

const [src, out, ...rest] = process.argv.slice(2);
if (src === undefined || out === undefined) throw new Error("usage: node dev/safety/contrast-align.mjs PRETRAINED_RUN OUT_DIR [--no-contrast] [--threads N]");
const noContrast = rest.includes("--no-contrast");
const ti = rest.indexOf("--threads");
const budget = (s) => (rest.includes("--fixed-steps") ? 3600 : s);
const backend = loadBackend(ti >= 0 ? { threads: Number(rest[ti + 1]) } : {});
const base = join(out, "base");
if (!existsSync(base)) cpSync(src, base, { recursive: true, filter: (p) => !/\/(sft|align)$/.test(p) });
const flag = (name) => (rest.includes(name) ? Number(rest[rest.indexOf(name) + 1]) : undefined);
const sftSteps = flag("--sft-steps"), dpoSteps = flag("--dpo-steps"), perTask = flag("--per-task");
const log = (s) => void process.stderr.write(`${s}\n`);
const mix = noContrast ? Object.fromEntries(Object.entries(MAIN_JOB_MIX).filter(([t]) => t !== "contrast")) : MAIN_JOB_MIX;
const t0 = performance.now();
const r = await mainJobSftWithEval({ base, outDir: join(base, "sft"), backend, timeBudgetS: budget(150), seed: 1, log, mix, ...(sftSteps !== undefined ? { settings: { maxSteps: sftSteps } } : {}), ...(perTask !== undefined ? { evalPerTask: perTask } : {}) });
console.log(`SFT: ${r.stage.examples} examples, ${r.stage.sft.steps} steps, response loss ${r.stage.sft.lastLoss.toFixed(3)}, held-out ${r.stage.sft.lastValLoss?.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
const a = await mainJobAlignWithEval({ sft: join(base, "sft"), outDir: join(base, "align"), backend, timeBudgetS: budget(75), seed: 1, log, instruct: { data: r.stage.data, sftEval: r.eval }, ...(noContrast ? { sizes: { contrastPairs: 0 } } : {}), ...(dpoSteps !== undefined ? { settings: { maxSteps: dpoSteps } } : {}), ...(perTask !== undefined ? { evalSizes: { perTask } } : {}) });
console.log(`DPO: ${a.stage.trainPairs} pairs, ${a.stage.dpo.steps} steps; held-out pairs preferred ${(100 * a.stage.dpo.heldOut.accuracy).toFixed(1)} % (n ${a.stage.dpo.heldOut.pairs})`);
console.log(alignmentMarkdown(a.rows));
for (const g of a.goals) console.log(`goal ${g.goal}: ${(100 * g.value).toFixed(1)} % ${g.met ? "met" : "NOT met"}`);
console.log(`${((performance.now() - t0) / 1000).toFixed(0)} s in all; ${a.files.markdown}`);
