// `kotodama chat`: talk to a model in the terminal with its own chat template, streaming (/system, /reset,
// /save, /exit), or one non-interactive turn with --message that prints {"reply", "ids"} as JSON. With --rag INDEX
// each turn is answered from the index's sources, citations printed after the answer (src/rag/answer.ts). With
// --beams/--include/--exclude every reply is chosen by beam search under lexical constraints (ChatSession.sendBeam,
// the decoder `kotodama generate --beams` uses). Not here: the session (src/infer/chat.ts), templates (src/tokenizer), sampling (src/infer/options.ts).
import { writeFileSync } from "node:fs";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { ChatSession, checkLexical, ConstraintCache, endOfTurnIds, flagName, GENERATE_OPTION_SPECS, generateOptionFlags, grammarConstraint, openInferModel, parseGenerateOptions, readConstraintFile, type ChatReply, type GenerateHooks, type GenerateOptions, type GrammarMasker } from "../../infer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { askGrounded, type AskConfig } from "../../rag/answer.js";
import type { ModeIndex } from "../../rag/dense-index.js";
import { localGenerator, localScorer } from "../../rag/local-model.js";
import { answerJson, answerText, askConfigFlags, openModeIndex, rerankFlags, RETRIEVAL_FLAGS } from "./rag.js";
import { guarded } from "../../safety/guard-wrapper.js";
import { printGuarded } from "./generate.js";
import { openGuard, takeGuardFlag } from "./safety.js";
import { BEAM_FLAGS, BEAM_HELP, parseBeamFlags, rejectSamplingWithBeams, type BeamFlags } from "./beam-flags.js";
import { ENDPOINT_FLAGS, endpointFromFlags } from "../endpoint-flags.js";
import { ENDPOINT_CHAT_MAX_TOKENS, endpointChat } from "./chat-endpoint.js";
import { chatLoop } from "./chat-loop.js";
import type { AskModels } from "../../rag/answer.js";
import { askModelsFlags } from "./rag.js";

const HELP = [
  "Usage: kotodama chat --model M [--system TEXT] [--message TEXT [--json]] [--template NAME] [sampling flags]",
  "                     [--beams B] [--length-penalty A] [--include \"a|b\"]... [--exclude P]...",
  "       kotodama chat --endpoint URL --api-model NAME [--system TEXT] [--message TEXT [--json]] [--max-tokens N]",
  "                     [--guard [DIR]] [--rag INDEX [--tokenizer M] ...]",
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
  "  --model PATH          the model (this or --endpoint)",
  "  --endpoint URL        chat with a model behind an OpenAI-compatible API instead (llama-server, vLLM, Ollama,",
  "                        `kotodama serve`; a bare host means its /v1) — the conversation is kept here and sent whole",
  "                        each turn; replies are greedy (temperature 0) and printed whole, at most --max-tokens",
  `                        (default ${ENDPOINT_CHAT_MAX_TOKENS}); sampling, beam and grammar flags, --template and --threads are for a local model`,
  "  --api-model NAME      with --endpoint: the model name the server expects (GET URL/models lists them); also",
  "                        --api-key-env NAME (default OPENAI_API_KEY), --timeout-ms, --max-retries (see rag ask --help)",
  "  --tokenizer M         with --endpoint --rag: the served model's tokenizer, which sizes the sources exactly",
  "  --system TEXT         the system message",
  "  --message TEXT        one user message: print the reply and exit",
  "  --json                with --message: print {\"reply\", \"ids\", ...} as one JSON object",
  "  --template NAME       a named template of the model (e.g. tool_use)",
  "  --json-schema FILE    constrain every reply to JSON valid under this JSON Schema (docs/constrained.md)",
  "  --grammar FILE        constrain every reply to a GBNF grammar (llama.cpp's format)",
  "  --threads N           kernel threads (default: all cores)",
  "  --rag INDEX           answer each turn from INDEX (`kotodama rag index`): the turn's retrieved sources go in the",
  "                        prompt as [n], the answer cites them and the cited spans are printed after it; below the",
  "                        relevance threshold the reply is \"The sources do not say.\" Each turn stands alone (the",
  "                        sources fill the context); replies are greedy. With --rag also: --k, --threshold, --scale,",
  "                        --mode generate|copy|extract, --scorer lexical|model, --span, --answer-tokens, --retrieval",
  "                        lexical|dense|hybrid (default: the index's), --fusion, --lexical-weight, --exact,",
  "                        --nprobes, --refine-factor, --ef (a LanceDB store's search), --rerank N and",
  "                        --rerank-model M (default: --model or the --endpoint's) (see kotodama rag ask --help)",
  "  --guard [DIR]         check each message and reply with a guard (`safety guard train` or `guard lm`; no DIR: one",
  "                        trained on the spot); replies are then printed whole. A refused or redirected message",
  "                        never reaches the model or the conversation",
  ...GENERATE_OPTION_SPECS.map((s) => `  --${`${flagName(s.key)}${s.kind === "bool" ? "" : " X"}`.padEnd(20)}${s.help}`),
  ...BEAM_HELP,
  "                       (with the beam flags every reply is chosen whole by beam search, then printed, under",
  "                       --json-schema / --grammar too; sampling flags, --guard and --rag are refused)",
].join("\n");

/** A beam-search reply: printed whole (beam text is final only at the end); the constraint check goes to stderr. */
function beamTurn(session: ChatSession, text: string, f: BeamFlags & { beams: number }, options: GenerateOptions, json: boolean, masker: GrammarMasker | null): void {
  const r = session.sendBeam(text, { beams: f.beams, alpha: f.alpha, maxTokens: options.maxTokens, context: options.context }, f.spec, masker);
  const best = r.hypotheses[0]!;
  const check = checkLexical(f.spec, r.reply);
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!r.enforced && f.spec.include.length > 0) process.stderr.write(`warning: the --include phrases need more than the reply's ${r.maxTokens} tokens; they are not enforced\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify({
      reply: r.reply, ids: best.ids, finish_reason: best.finishReason, prompt_ids: r.promptIds, trimmed: r.trimmed, beams: f.beams, length_penalty: f.alpha,
      hypotheses: r.hypotheses.map((h) => ({ text: h.text, ids: h.ids, logprob: h.logprob, score: h.score, finish_reason: h.finishReason, satisfied: h.satisfied })),
      constraints: { include: f.spec.include, exclude: f.spec.exclude, enforced: r.enforced, missing: check.missing, present: check.present },
      tokens_per_s: r.tokensPerS,
    })}\n`);
    return;
  }
  process.stdout.write(`${r.reply}\n`);
  const bad = check.missing.length + check.present.length > 0 ? `; constraints NOT met: missing ${check.missing.join(", ") || "-"}, present ${check.present.join(", ") || "-"}` : "";
  process.stderr.write(`[beam ${f.beams}: ${best.ids.length} tokens, ${best.finishReason}, logprob ${best.logprob.toFixed(3)}${bad}]\n`);
  if (r.trimmed > 0) process.stderr.write(`(dropped the ${r.trimmed} oldest messages to fit the context)\n`);
}

/** Hooks for one reply: a fresh grammar constraint per turn (--json-schema / --grammar), or none. */
type TurnHooks = () => GenerateHooks;

async function turn(session: ChatSession, text: string, options: GenerateOptions, stream: boolean, hooks: TurnHooks = () => ({})): Promise<ChatReply> {
  const it = session.send(text, options, hooks());
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
      template: { type: "string" }, threads: { type: "string" }, "json-schema": { type: "string" }, grammar: { type: "string" }, ...generateOptionFlags(),
      ...BEAM_FLAGS,
      rag: { type: "string" }, k: { type: "string" }, threshold: { type: "string" }, scale: { type: "string" }, mode: { type: "string" }, scorer: { type: "string" }, span: { type: "string" }, "answer-tokens": { type: "string" },
      retrieval: { type: "string" }, ...RETRIEVAL_FLAGS, ...ENDPOINT_FLAGS, tokenizer: { type: "string" },
    }, false);
    if (positionals.length > 0) throw new KotodamaError("kotodama chat: give the message with --message TEXT");
    if (typeof values.model !== "string" && typeof values.endpoint !== "string") throw new KotodamaError("kotodama chat: --model PATH (or --endpoint URL --api-model NAME) is required");
    const {
      model: modelPath, system, message, json, template, threads, rag, k, threshold, scale, mode, scorer, span, "answer-tokens": answerTokens, "json-schema": schemaFile, grammar: grammarFile, beams, "length-penalty": lengthPenalty, include, exclude, retrieval, fusion, "lexical-weight": lexicalWeight, rerank, "rerank-model": rerankModel,
      exact, nprobes, "refine-factor": refineFactor, ef,
      endpoint, "api-model": apiModel, "api-key-env": apiKeyEnv, concurrency, "timeout-ms": timeoutMs, "max-retries": maxRetries, tokenizer, ...rest
    } = values;
    if (typeof schemaFile === "string" && typeof grammarFile === "string") throw new KotodamaError("kotodama chat: give --json-schema FILE or --grammar FILE, not both");
    const spec = typeof schemaFile === "string" ? readConstraintFile("json-schema", schemaFile) : typeof grammarFile === "string" ? readConstraintFile("gbnf", grammarFile) : null;
    if (spec !== null && typeof rag === "string") throw new KotodamaError("kotodama chat: --json-schema / --grammar do not combine with --rag");
    const askValues = { k, threshold, scale, mode, scorer, span, "answer-tokens": answerTokens };
    const retrievalValues = { retrieval, fusion, "lexical-weight": lexicalWeight, rerank, "rerank-model": rerankModel, exact, nprobes, "refine-factor": refineFactor, ef };
    if (typeof rag !== "string" && [...Object.values(askValues), ...Object.values(retrievalValues)].some((v) => v !== undefined)) {
      throw new KotodamaError("kotodama chat: --k, --threshold, --scale, --mode, --scorer, --span, --answer-tokens, --retrieval, --fusion, --lexical-weight, --exact, --nprobes, --refine-factor, --ef, --rerank and --rerank-model need --rag INDEX");
    }
    if (json === true && typeof message !== "string") throw new KotodamaError("kotodama chat: --json needs --message TEXT (one turn)");
    if (guardDir !== undefined && typeof rag === "string") throw new KotodamaError("kotodama chat: --guard does not combine with --rag yet (the guard checks a reply, the retrieval chat prints an answer with its citations)");
    if (typeof endpoint === "string") {
      if (modelPath !== undefined) throw new KotodamaError("kotodama chat: give --model or --endpoint, not both");
      const local = { template, threads, "json-schema": schemaFile, grammar: grammarFile, beams, "length-penalty": lengthPenalty, include, exclude };
      const stray = [...Object.entries(local), ...Object.entries(rest).filter(([key]) => key !== "max-tokens" && key !== "context")].find(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0));
      if (stray !== undefined) throw new KotodamaError(`kotodama chat: --${stray[0]} is for a local model (--model); with --endpoint replies are greedy, at most --max-tokens N`);
      const epValues = { endpoint, "api-model": apiModel, "api-key-env": apiKeyEnv, concurrency, "timeout-ms": timeoutMs, "max-retries": maxRetries };
      if (typeof rag === "string") {
        const cfg = askConfigFlags("chat", askValues);
        const models = askModelsFlags("chat", { ...epValues, tokenizer, context: rest.context }, true);
        const idx = await openModeIndex("chat", rag, retrieval, "retrieval", retrievalValues, {}, undefined, rerankFlags("chat", retrievalValues, null, undefined, models.responder));
        return ragChat(models, models.endpoint!.model, idx, rag, cfg, typeof message === "string" ? message : null, json === true);
      }
      if (tokenizer !== undefined || rest.context !== undefined) throw new KotodamaError("kotodama chat: --tokenizer and --context size the sources of --rag; the server keeps its own context");
      const ep = endpointFromFlags("chat", epValues)!;
      process.stderr.write(`endpoint: ${ep.responder.name} (${ep.auth})\n`);
      return endpointChat({
        responder: ep.responder, system: typeof system === "string" ? system : null, guard: guardDir === undefined ? null : openGuard("chat", guardDir),
        maxTokens: intFlag("chat", "max-tokens", rest["max-tokens"], ENDPOINT_CHAT_MAX_TOKENS, 1, 1 << 20), message: typeof message === "string" ? message : null, json: json === true,
      });
    }
    if (tokenizer !== undefined) throw new KotodamaError("kotodama chat: --tokenizer sizes the sources for an endpoint's model; it needs --endpoint URL (a local --model uses its own)");
    if ([apiModel, apiKeyEnv, concurrency, timeoutMs, maxRetries].some((v) => v !== undefined)) throw new KotodamaError("kotodama chat: --api-model, --api-key-env, --concurrency, --timeout-ms and --max-retries need --endpoint URL");
    const options = parseGenerateOptions(rest, "kotodama chat");
    const parsedBeam = parseBeamFlags("chat", { beams, "length-penalty": lengthPenalty, include, exclude });
    const beam = parsedBeam.beams === null ? null : { ...parsedBeam, beams: parsedBeam.beams };
    if (beam !== null) {
      if (guardDir !== undefined || typeof rag === "string") throw new KotodamaError("kotodama chat: --guard and --rag do not combine with --beams/--include/--exclude yet");
      rejectSamplingWithBeams("chat", rest);
    }
    const threadCount = threads === undefined ? undefined : intFlag("chat", "threads", threads, 1, 1, 1024);
    const backend = loadBackend(threadCount === undefined ? {} : { threads: threadCount });
    const model = openInferModel(modelPath as string, { backend });
    for (const n of model.notes) process.stderr.write(`note: ${n}\n`);
    if (typeof rag === "string") {
      const context = typeof rest.context === "string" ? intFlag("chat", "context", rest.context, 256, 8, 1 << 24) : undefined;
      const cfg = askConfigFlags("chat", askValues);
      const idx = await openModeIndex("chat", rag, retrieval, "retrieval", retrievalValues, {}, threadCount, rerankFlags("chat", retrievalValues, model, threadCount));
      const o = context === undefined ? {} : { context };
      return ragChat({ generator: localGenerator(model, o), scoreContinuation: localScorer(model, o) }, model.path, idx, rag, cfg, typeof message === "string" ? message : null, json === true);
    }
    const masker = spec === null ? null : new ConstraintCache().masker(model.tokenizer, spec);
    const ends = endOfTurnIds(model.tokenizer);
    const hooks: TurnHooks = () => (masker === null ? {} : grammarConstraint(masker, ends).hooks);
    const session = new ChatSession(model, {
      ...(typeof system === "string" ? { system } : {}), ...(typeof template === "string" ? { templateName: template } : {}),
    });
    const guard = guardDir === undefined ? null : openGuard("chat", guardDir);
    /** One guarded turn: the model (and the session) only see messages the guard lets through. */
    const guardedTurn = async (text: string, asJson: boolean): Promise<void> => {
      let last: ChatReply | null = null;
      const reply = await guarded(guard!, async (t) => (last = await turn(session, t, options, false, hooks)).reply)(text);
      printGuarded(reply, asJson, { ids: (last as ChatReply | null)?.ids ?? [] });
    };
    if (guard !== null && typeof message === "string") {
      await guardedTurn(message, json === true);
      return 0;
    }
    if (beam !== null && typeof message === "string") {
      beamTurn(session, message, beam, options, json === true, masker);
      return 0;
    }
    if (typeof message === "string") {
      const r = await turn(session, message, options, json !== true, hooks);
      if (json === true) {
        process.stdout.write(`${JSON.stringify({ reply: r.reply, ids: r.ids, finish_reason: r.finishReason, prompt_ids: r.promptIds, trimmed: r.trimmed, tokens_per_s: r.tokensPerS })}\n`);
      } else process.stdout.write("\n");
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      return 0;
    }
    const onLine = async (line: string): Promise<void> => {
      if (beam !== null) beamTurn(session, line, beam, options, false, masker);
      else if (guard !== null) await guardedTurn(line, false);
      else {
        const r = await turn(session, line, options, true, hooks);
        process.stdout.write("\n");
        if (r.trimmed > 0) process.stderr.write(`(dropped the ${r.trimmed} oldest messages to fit the context)\n`);
      }
    };
    await chatLoop(`kotodama chat — ${modelPath} (${model.config.nLayers} layers); /exit to quit`, onLine, {
      reset: () => session.reset(),
      setSystem: (x) => session.setSystem(x),
      save: (file) => writeFileSync(file, `${JSON.stringify({ model: modelPath, messages: session.messages() }, null, 2)}\n`),
    });
    return 0;
  },
};

/** `chat --rag`: every turn answered by askGrounded from the index (a local model's or an endpoint's generator);
 *  citations printed after the answer. */
async function ragChat(models: AskModels, name: string, index: ModeIndex, indexDir: string, cfg: AskConfig, message: string | null, json: boolean): Promise<number> {
  const idx = index.forAnswer();
  try {
    if (message !== null) {
      const a = await askGrounded(message, idx, models, cfg);
      process.stdout.write(`${json ? JSON.stringify(answerJson(a)) : answerText(a)}\n`);
      return 0;
    }
    const banner = `kotodama chat --rag ${indexDir} (${index.mode}${index.rerank === null ? "" : `, LM rerank of the first ${index.rerank.depth}`}) — ${name}; each turn answered from the index; /exit to quit`;
    await chatLoop(banner, async (line) => void process.stdout.write(`${answerText(await askGrounded(line.trim(), idx, models, cfg))}\n`), null);
    return 0;
  } finally {
    index.lexical.close();
  }
}
