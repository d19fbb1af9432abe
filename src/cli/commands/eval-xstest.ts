// `kotodama eval xstest-classifier`: parses flags, reads the upstream XSTest completions with their human labels,
// measures the XSTest response classifiers (src/eval/safety/xstest-validate.ts) and writes and prints the table.
// Not here: any classifier or metric (src/safety/xstest.ts, src/eval/safety/xstest-validate.ts).
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { loadDnaSplit, readXstestCompletions } from "../../safety/index.js";
import { KotodamaError } from "../../util/errors.js";
import { defaultDataDir } from "../../pull/locate.js";
import { ngramJudge } from "../../eval/safety/judges.js";
import { validateXstestClassifiers, writeXstestValidation, xstestValidationMarkdown } from "../../eval/safety/xstest-validate.js";

const HELP = [
  "Usage: kotodama eval xstest-classifier --completions DIR --out DIR [--seed S] [--data-dir DIR] [--no-judge] [--json]",
  "",
  "Measures the XSTest response classifiers (full compliance / full refusal / partial refusal) against the human",
  "labels (`final_label`) of the completions published with XSTest: the folder model_completions/ of",
  "github.com/paul-rottger/exaggerated-safety (xstest_v2_completions_MODEL.csv; 5 models × 450 prompts; the",
  "completions are under their models' licences, so kotodama does not ship them). Classifiers: the paper's string",
  "match; an n-gram logistic regression cross-validated by model (leave one model out) and by prompt (5 folds of",
  "prompt ids), never by response; and the Do-Not-Answer n-gram judge's refused (action 0 or 4), on refusal only.",
  "Writes xstest-classifier.json, xstest-classifier.md and one confusion SVG per classifier under --out.",
  "",
  "  --completions DIR   the folder of xstest_v2_completions_*.csv files",
  "  --out DIR           output folder (required)",
  "  --seed S            seed of the folds and the training (default 1)",
  "  --data-dir DIR      folder holding do-not-answer/, for the judge (default ../shared/data)",
  "  --no-judge          leave the Do-Not-Answer judge out",
  "  --json              print the JSON instead of the table",
].join("\n");

const CMD = "eval xstest-classifier";

export const evalXstestClassifier: Command = {
  name: "xstest-classifier",
  summary: "XSTest response classifiers against human labels",
  help: HELP,
  run(argv) {
    const { values } = parseFlags(CMD, argv, {
      completions: { type: "string" }, out: { type: "string" }, seed: { type: "string" }, "data-dir": { type: "string" },
      "no-judge": { type: "boolean" }, json: { type: "boolean" },
    }, false);
    if (typeof values.completions !== "string") throw new KotodamaError(`kotodama ${CMD}: --completions DIR is required (model_completions/ of paul-rottger/exaggerated-safety)`);
    if (typeof values.out !== "string") throw new KotodamaError(`kotodama ${CMD}: --out DIR is required`);
    const seed = intFlag(CMD, "seed", values.seed, 1, 0, Number.MAX_SAFE_INTEGER);
    const rows = readXstestCompletions(values.completions);
    const log = (s: string): void => void process.stderr.write(`${s}\n`);
    let judge;
    if (values["no-judge"] !== true) {
      const dataDir = typeof values["data-dir"] === "string" ? values["data-dir"] : defaultDataDir();
      if (dataDir === null) throw new KotodamaError(`kotodama ${CMD}: ../shared/data is absent; pass --data-dir DIR or --no-judge`);
      log("judge: training the Do-Not-Answer n-gram logistic regression ...");
      judge = ngramJudge(loadDnaSplit(dataDir), seed);
    }
    const v = validateXstestClassifiers(rows, { seed, log, ...(judge !== undefined ? { judge } : {}) });
    const files = writeXstestValidation(values.out, v, { completions: values.completions, seed });
    if (values.json === true) process.stdout.write(`${JSON.stringify({ ...v, files })}\n`);
    else process.stdout.write(`${xstestValidationMarkdown(v)}\n\n(${files.join(", ")})\n`);
    return Promise.resolve(0);
  },
};
