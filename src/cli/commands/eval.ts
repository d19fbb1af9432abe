// `kotodama eval <subcommand>`: the evaluation command group. Each subcommand is a Command in its own file
// (eval-instruct.ts, …) listed in SUBCOMMANDS; adding one is one import and one entry. Not here: any evaluation.
import type { Command } from "../command.js";
import { wantsHelp } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { evalInstruct } from "./eval-instruct.js";
import { evalSafety } from "./eval-safety.js";
import { evalAlignment } from "./eval-alignment.js";
import { evalPii } from "./eval-pii.js";
import { evalXstestClassifier } from "./eval-xstest.js";
import { evalRag, evalRagThreshold } from "./eval-rag.js";
import { evalSimplify } from "./eval-simplify.js";
import { evalSummarize } from "./eval-summarize.js";
import { evalTasks } from "./eval-tasks.js";

/** The subcommands, in --help order; each one's name is what follows `kotodama eval`. */
const SUBCOMMANDS: readonly Command[] = [evalInstruct, evalSafety, evalAlignment, evalPii, evalXstestClassifier, evalRag, evalRagThreshold, evalSimplify, evalSummarize, evalTasks];

const HELP = [
  "Usage: kotodama eval <subcommand> [flags]     (kotodama eval <subcommand> --help for its flags)",
  "",
  "Evaluations of trained models (docs/evaluation.md):",
  ...SUBCOMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
].join("\n");

export const evalCommand: Command = {
  name: "eval",
  ownHelp: true,
  summary: `evaluate a model (${SUBCOMMANDS.map((c) => c.name).join(", ")})`,
  help: HELP,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help") {
      process.stdout.write(`${HELP}\n`);
      return sub === undefined ? 2 : 0;
    }
    const c = SUBCOMMANDS.find((x) => x.name === sub);
    if (c === undefined) throw new KotodamaError(`kotodama eval: unknown subcommand '${sub}'; expected one of: ${SUBCOMMANDS.map((x) => x.name).join(", ")}`);
    if (wantsHelp(rest)) {
      process.stdout.write(`${c.help}\n`);
      return 0;
    }
    return c.run(rest);
  },
};
