// The list of CLI commands, in the order `kotodama --help` shows them.
// Not here: command code; one file per command beside this one.
import type { Command } from "../command.js";
import { bench } from "./bench.js";
import { start } from "./start.js";
import { tokenizer } from "./tokenizer.js";
import { tokenize } from "./tokenize.js";
import { chat } from "./chat.js";
import { chatTemplate } from "./chat-template.js";
import { data } from "./data.js";
import { inspect } from "./inspect.js";
import { convert } from "./convert.js";
import { generateCommand } from "./generate.js";
import { scoreCommand } from "./score.js";
import { trainCommand } from "./train.js";
import { sftCommand } from "./sft.js";
import { rag } from "./rag.js";
import { evalCommand } from "./eval.js";
import { safety } from "./safety.js";
import { alignCommand } from "./align.js";
import { rewardCommand } from "./reward.js";
import { labelCommand } from "./label.js";
import { serveCommand } from "./serve.js";
import { reportCommand } from "./report.js";
import { pullCommand } from "./pull.js";
import { cefrCommand } from "./cefr.js";
import { simplifyCommand } from "./simplify.js";
import { summarizeCommand } from "./summarize.js";

export const COMMANDS: readonly Command[] = [
  start,
  pullCommand,
  bench,
  tokenizer,
  tokenize,
  chatTemplate,
  data,
  trainCommand,
  sftCommand,
  evalCommand,
  safety,
  rewardCommand,
  alignCommand,
  labelCommand,
  reportCommand,
  generateCommand,
  chat,
  serveCommand,
  scoreCommand,
  rag,
  cefrCommand,
  simplifyCommand,
  summarizeCommand,
  inspect,
  convert,
];
