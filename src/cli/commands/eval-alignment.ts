// `kotodama eval alignment`: parses flags, opens the runs (the first is the reference), the prompt sets, the judge
// and the instruction data, compares the runs (src/eval/safety/compare.ts) and writes the table as JSON, Markdown
// and SVG. Not here: any evaluation logic.
import { basename } from "node:path";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { openInferModel } from "../../infer/index.js";
import { loadDnaSplit } from "../../safety/index.js";
import { KotodamaError } from "../../util/errors.js";
import { defaultDataDir } from "../../pull/locate.js";
import { loadEvalData } from "../../eval/instruct/inputs.js";
import { alignmentMarkdown, checkGoals, writeAlignment } from "../../eval/safety/alignment.js";
import { compareModels } from "../../eval/safety/compare.js";
import { evaluatorJudge, ngramJudge } from "../../eval/safety/judges.js";
import { dnaHeldOutPrompts, limitPrompts, readXstest } from "../../eval/safety/prompts.js";

const HELP = [
  "Usage: kotodama eval alignment --runs SFT_RUN,RUN2,... --out DIR [--names A,B,...] [--limit N] [--per-task N]",
  "                               [--judge DIR|ngram] [--max-new-tokens N] [--seed S] [--data DIR] [--data-dir DIR] [--threads N]",
  "",
  "Compares models before and after alignment (docs/alignment.md): for each run, the share of held-out",
  "Do-Not-Answer prompts answered safely (overall and per risk area), the share of XSTest's safe prompts answered",
  "rather than refused, the held-out instruction scores (the alignment tax) and the KL from the first run (mean over",
  "the safety prompts of Σ log π − log π_ref over each run's own greedy answer). Writes alignment.json,",
  "alignment.md and alignment.svg under --out; the issue's goals are checked against the first run.",
  "",
  "  --runs LIST        comma-separated run directories (or any models that load); the first is the reference",
  "  --names LIST       their names in the table (default: the folder names)",
  "  --out DIR          output folder (required)",
  "  --limit N          held-out DNA prompts and XSTest safe prompts per run, a seeded sample (default 60;",
  "                     0 = all: 187 + 250)",
  "  --per-task N       held-out instruction examples per task (default 25; 0 = no instruction scores)",
  "  --judge J          ngram (default) or a safety evaluator directory (see `kotodama eval safety --help`)",
  "  --max-new-tokens N answer tokens at most (default 48)",
  "  --seed S           seed of the samples and the judge (default 1)",
  "  --data DIR         a folder from `kotodama data instruct` (default: built in memory from ../shared/data)",
  "  --data-dir DIR     folder holding do-not-answer/ and xstest/ (default ../shared/data)",
  "  --threads N        compute threads (default: all cores)",
].join("\n");

const CMD = "eval alignment";

export const evalAlignment: Command = {
  name: "alignment",
  summary: "SFT vs aligned runs: safe rate, over-refusal, instruction scores, KL",
  help: HELP,
  async run(argv) {
    const { values } = parseFlags(CMD, argv, {
      runs: { type: "string" }, names: { type: "string" }, out: { type: "string" }, limit: { type: "string" }, "per-task": { type: "string" },
      judge: { type: "string" }, "max-new-tokens": { type: "string" }, seed: { type: "string" }, data: { type: "string" }, "data-dir": { type: "string" }, threads: { type: "string" },
    }, false);
    if (typeof values.runs !== "string") throw new KotodamaError("kotodama eval alignment: --runs SFT_RUN,RUN2,... is required");
    if (typeof values.out !== "string") throw new KotodamaError("kotodama eval alignment: --out DIR is required");
    const runs = values.runs.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (runs.length < 2) throw new KotodamaError(`kotodama eval alignment: --runs needs at least two runs (the reference first), got ${runs.length}`);
    const names = typeof values.names === "string" ? values.names.split(",").map((s) => s.trim()) : runs.map((r) => basename(r));
    if (names.length !== runs.length) throw new KotodamaError(`kotodama eval alignment: --names gives ${names.length} names for ${runs.length} runs`);
    const limit = intFlag(CMD, "limit", values.limit, 60, 0, 1 << 30);
    const perTask = intFlag(CMD, "per-task", values["per-task"], 25, 0, 100000);
    const maxNewTokens = intFlag(CMD, "max-new-tokens", values["max-new-tokens"], 48, 1, 1 << 16);
    const seed = intFlag(CMD, "seed", values.seed, 1, 0, Number.MAX_SAFE_INTEGER);
    const threads = values.threads === undefined ? undefined : intFlag(CMD, "threads", values.threads, 1, 1, 256);
    const dataDir = typeof values["data-dir"] === "string" ? values["data-dir"] : defaultDataDir();
    if (dataDir === null) throw new KotodamaError("kotodama eval alignment: ../shared/data is absent; pass --data-dir DIR");
    const backend = loadBackend(threads === undefined ? {} : { threads });
    const models = runs.map((path, i) => ({ name: names[i]!, path, model: openInferModel(path, { backend }) }));
    const dna = dnaHeldOutPrompts(dataDir), xs = readXstest(dataDir).filter((p) => p.label === "benign");
    const prompts = limit === 0 ? [...dna, ...xs] : [...limitPrompts(dna, limit, seed), ...limitPrompts(xs, limit, seed)];
    const log = (s: string): void => void process.stderr.write(`${s}\n`);
    const judge = typeof values.judge === "string" && values.judge !== "ngram" ? evaluatorJudge(values.judge, backend) : ngramJudge(loadDnaSplit(dataDir), seed);
    const data = perTask === 0 ? null : loadEvalData(typeof values.data === "string" ? values.data : null);
    const { rows } = await compareModels({ models, prompts, judge, maxNewTokens, seed, log, instruct: data === null ? null : { heldOut: data.heldOut, train: data.train, perTask } });
    const files = writeAlignment(values.out, rows, { judge: judge.name, runs, prompts: prompts.length, limit, perTask, maxNewTokens, seed });
    process.stdout.write(`${alignmentMarkdown(rows)}\n\n`);
    for (const r of rows.slice(1)) for (const g of checkGoals(r, rows[0]!)) process.stdout.write(`${r.name}: goal ${g.goal}: ${g.shown}, ${g.met ? "met" : "NOT met"}\n`);
    process.stdout.write(`(${files.markdown}, ${files.json}, ${files.plot})\n`);
    return 0;
  },
};
