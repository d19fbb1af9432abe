// `kotodama chat`: talk to a model in the terminal with its own chat template, streaming (/system, /reset,
// /save, /exit), or one non-interactive turn with --message that prints {"reply", "ids"} as JSON.
// Not here: the session (src/infer/chat.ts), templates (src/tokenizer), sampling (src/infer/options.ts).
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { ChatSession, flagName, GENERATE_OPTION_SPECS, generateOptionFlags, openInferModel, parseGenerateOptions, type ChatReply, type GenerateOptions } from "../../infer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { guarded } from "../../safety/guard-wrapper.js";
import { printGuarded } from "./generate.js";
import { openGuard, takeGuardFlag } from "./safety.js";

const HELP = [
  "Usage: kotodama chat --model M [--system TEXT] [--message TEXT [--json]] [--template NAME] [sampling flags]",
  "",
  "Chats with a model (any family that loads: GGUF, Hugging Face folder, kotodama run directory) using the",
  "model's own chat template (kotodama's for a kotodama vocabulary). Replies stream and end at the template's",
  "end-of-turn token; the oldest exchanges are dropped when the conversation outgrows the context.",
  "Without --message it is interactive; lines starting with / are commands:",
  "  /system TEXT   set (or with no TEXT clear) the system message",
  "  /reset         forget the conversation",
  "  /save FILE     write the conversation as JSON ({messages: [...]})",
  "  /exit          quit (also Ctrl-D)",
  "",
  "Flags:",
  "  --model PATH          the model (required)",
  "  --system TEXT         the system message",
  "  --message TEXT        one user message: print the reply and exit",
  "  --json                with --message: print {\"reply\", \"ids\", ...} as one JSON object",
  "  --template NAME       a named template of the model (e.g. tool_use)",
  "  --threads N           kernel threads (default: all cores)",
  "  --guard [DIR]         check each message and reply with a guard (`kotodama safety guard train`; no DIR: one",
  "                        trained on the spot); replies are then printed whole. A refused or redirected message",
  "                        never reaches the model or the conversation",
  ...GENERATE_OPTION_SPECS.map((s) => `  --${`${flagName(s.key)}${s.kind === "bool" ? "" : " X"}`.padEnd(20)}${s.help}`),
].join("\n");

async function turn(session: ChatSession, text: string, options: GenerateOptions, stream: boolean): Promise<ChatReply> {
  const it = session.send(text, options);
  for (;;) {
    const r = await it.next();
    if (r.done === true) return r.value;
    if (stream && r.value.text !== "") process.stdout.write(r.value.text);
  }
}

export const chat: Command = {
  name: "chat",
  summary: "chat with a model in the terminal (its own chat template)",
  help: HELP,
  async run(argvIn) {
    const { argv, guard: guardDir } = takeGuardFlag(argvIn);
    const { values, positionals } = parseFlags("chat", argv, {
      model: { type: "string" }, system: { type: "string" }, message: { type: "string" }, json: { type: "boolean" },
      template: { type: "string" }, threads: { type: "string" }, ...generateOptionFlags(),
    }, false);
    if (positionals.length > 0) throw new KotodamaError("kotodama chat: give the message with --message TEXT");
    if (typeof values.model !== "string") throw new KotodamaError("kotodama chat: --model PATH is required");
    const { model: modelPath, system, message, json, template, threads, ...rest } = values;
    if (json === true && typeof message !== "string") throw new KotodamaError("kotodama chat: --json needs --message TEXT (one turn)");
    const options = parseGenerateOptions(rest, "kotodama chat");
    const backend = loadBackend(threads === undefined ? {} : { threads: intFlag("chat", "threads", threads, 1, 1, 1024) });
    const model = openInferModel(modelPath, { backend });
    for (const n of model.notes) process.stderr.write(`note: ${n}\n`);
    const session = new ChatSession(model, {
      ...(typeof system === "string" ? { system } : {}), ...(typeof template === "string" ? { templateName: template } : {}),
    });
    const guard = guardDir === undefined ? null : openGuard("chat", guardDir);
    /** One guarded turn: the model (and the session) only see messages the guard lets through. */
    const guardedTurn = async (text: string, asJson: boolean): Promise<void> => {
      let last: ChatReply | null = null;
      const reply = await guarded(guard!, async (t) => (last = await turn(session, t, options, false)).reply)(text);
      printGuarded(reply, asJson, { ids: (last as ChatReply | null)?.ids ?? [] });
    };
    if (guard !== null && typeof message === "string") {
      await guardedTurn(message, json === true);
      return 0;
    }
    if (typeof message === "string") {
      const r = await turn(session, message, options, json !== true);
      if (json === true) {
        process.stdout.write(`${JSON.stringify({ reply: r.reply, ids: r.ids, finish_reason: r.finishReason, prompt_ids: r.promptIds, trimmed: r.trimmed, tokens_per_s: r.tokensPerS })}\n`);
      } else process.stdout.write("\n");
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      return 0;
    }
    // Lines are read through the async iterator, which buffers them: piped input is not lost while a reply streams.
    const rl = createInterface({ input: process.stdin, terminal: false });
    const prompt = (): void => void (process.stdin.isTTY === true ? process.stdout.write("> ") : undefined);
    process.stderr.write(`kotodama chat — ${modelPath} (${model.config.nLayers} layers); /exit to quit\n`);
    prompt();
    try {
      for await (const line of rl) {
        const cmd = /^\/(\w+)\s*(.*)$/s.exec(line.trim());
        if (cmd !== null) {
          const [, name, arg] = cmd;
          if (name === "exit" || name === "quit") break;
          else if (name === "reset") session.reset();
          else if (name === "system") session.setSystem(arg === "" ? null : arg!);
          else if (name === "save" && arg !== "") writeFileSync(arg!, `${JSON.stringify({ model: modelPath, messages: session.messages() }, null, 2)}\n`);
          else process.stderr.write("commands: /system TEXT, /reset, /save FILE, /exit\n");
        } else if (line.trim() !== "" && guard !== null) {
          await guardedTurn(line, false);
        } else if (line.trim() !== "") {
          const r = await turn(session, line, options, true);
          process.stdout.write("\n");
          if (r.trimmed > 0) process.stderr.write(`(dropped the ${r.trimmed} oldest messages to fit the context)\n`);
        }
        prompt();
      }
    } finally {
      rl.close();
    }
    return 0;
  },
};
