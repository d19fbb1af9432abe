// `kotodama generate`: streams text from a model (GGUF, llama2.c .bin, Hugging Face folder or kotodama run
// directory) to stdout as tokens arrive, or prints one JSON object with ids, log-probabilities and alternatives.
// Not here: generation itself (src/infer) — this parses flags, builds, runs.
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { ConstraintCache, flagName, GENERATE_OPTION_SPECS, generate, generateOptionFlags, grammarConstraint, openInferModel, parseGenerateOptions, readConstraintFile, type GeneratedToken, type GenerateHooks, type GrammarMasker, type InferModel } from "../../infer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { guarded, type GuardedReply } from "../../safety/guard-wrapper.js";
import { openGuard, takeGuardFlag } from "./safety.js";
import { BEAM_FLAGS, BEAM_HELP, parseBeamFlags, printBeamGenerate, rejectSamplingWithBeams } from "./beam-flags.js";

const HELP = [
  "Usage: kotodama generate --model RUN_OR_FILE [--tokenizer FILE] [--prompt TEXT] [sampling flags] [--json]",
  "                         [--json-schema FILE | --grammar FILE]",
  "",
  "Generates text from the prompt (default: empty = start of text) and streams it to stdout. RUN_OR_FILE is a",
  "GGUF file, a llama2.c .bin (with --tokenizer tokenizer.bin), a Hugging Face model folder or a kotodama run",
  "directory. Sampling: --temperature 0 is greedy; otherwise temperature → top-k → top-p → min-p → draw.",
  "",
  "Flags:",
  "  --model PATH          the model (required)",
  "  --tokenizer FILE      tokenizer to use instead of the model's own",
  "  --prompt TEXT         the prompt",
  "  --json                print one JSON object: ids, text, and per token its streamed text, its own piece,",
  "                        its log-probability (model distribution, before penalties/temperature) and the",
  "                        --top-logprobs most likely alternatives",
  "  --json-schema FILE    constrain the output to JSON valid under this JSON Schema (docs/constrained.md lists",
  "                        the keywords supported); stdout then holds exactly the JSON value",
  "  --grammar FILE        constrain the output to a GBNF grammar (llama.cpp's format); stdout holds exactly the text",
  "  --threads N           kernel threads (default: all cores)",
  "  --guard [DIR]         check the prompt and the output with a guard (`safety guard train` or `guard lm`; no DIR:",
  "                        one trained on the spot); the text is then printed whole, not streamed",
  ...GENERATE_OPTION_SPECS.map((s) => `  --${`${flagName(s.key)}${s.kind === "bool" ? "" : " X"}`.padEnd(20)}${s.help}`),
  ...BEAM_HELP,
].join("\n");

/** A guarded reply: the text on stdout (or JSON with the guard's verdicts), the decision on stderr. */
export function printGuarded(r: GuardedReply, json: boolean, extra: Readonly<Record<string, unknown>>): void {
  const guard = { area: r.input.area, harmType: r.input.harmType, unsafe: r.input.unsafe, threshold: r.input.threshold, flagged: r.input.flagged, decision: r.input.policy.action, rule: r.input.policy.rule, calledModel: r.calledModel, outputHarmful: r.output?.harmful ?? null, replaced: r.replaced };
  if (json) process.stdout.write(`${JSON.stringify({ ...extra, text: r.text, guard })}\n`);
  else {
    process.stdout.write(`${r.text}\n`);
    process.stderr.write(`[guard: ${guard.decision} (${guard.rule}); ${guard.area}, unsafe ${guard.unsafe.toFixed(3)} / ${guard.threshold.toFixed(3)}${r.replaced ? "; output replaced" : ""}]\n`);
  }
}

export const generateCommand: Command = {
  name: "generate",
  summary: "generate text from a model",
  help: HELP,
  async run(argvIn) {
    const { argv, guard: guardDir } = takeGuardFlag(argvIn);
    const { values, positionals } = parseFlags("generate", argv, {
      model: { type: "string" },
      tokenizer: { type: "string" },
      prompt: { type: "string" },
      json: { type: "boolean" },
      threads: { type: "string" },
      "json-schema": { type: "string" },
      grammar: { type: "string" },
      ...generateOptionFlags(),
      ...BEAM_FLAGS,
    }, false);
    if (positionals.length > 0) throw new KotodamaError("kotodama generate: give the prompt with --prompt TEXT");
    if (typeof values.model !== "string") throw new KotodamaError("kotodama generate: --model PATH is required");
    const { model: modelPath, tokenizer, prompt, json, threads, "json-schema": schemaFile, grammar: grammarFile, beams, "length-penalty": lengthPenalty, include, exclude, ...rest } = values;
    if (typeof schemaFile === "string" && typeof grammarFile === "string") throw new KotodamaError("kotodama generate: give --json-schema FILE or --grammar FILE, not both");
    const options = parseGenerateOptions(rest, "kotodama generate");
    const beam = parseBeamFlags("generate", { beams, "length-penalty": lengthPenalty, include, exclude });
    if (beam.beams !== null) {
      if (guardDir !== undefined) throw new KotodamaError("kotodama generate: --guard does not combine with --beams/--include/--exclude yet");
      rejectSamplingWithBeams("generate", rest);
    }
    const backend = loadBackend(threads === undefined ? {} : { threads: intFlag("generate", "threads", threads, 1, 1, 1024) });
    const model = openInferModel(modelPath, { backend, ...(typeof tokenizer === "string" ? { tokenizer } : {}) });
    for (const n of model.notes) process.stderr.write(`note: ${n}\n`);
    const constraint = typeof schemaFile === "string" ? constrain(model, "json-schema", schemaFile) : typeof grammarFile === "string" ? constrain(model, "gbnf", grammarFile) : null;
    if (beam.beams !== null) {
      printBeamGenerate(model, typeof prompt === "string" ? prompt : "", { ...beam, beams: beam.beams }, options.maxTokens ?? 64, options.context, json === true, { model: modelPath, prompt: prompt ?? "" }, constraint);
      return 0;
    }
    const hooks: GenerateHooks = constraint === null ? {} : constraint.hooks;
    if (guardDir !== undefined) {
      const g = openGuard("generate", guardDir);
      const reply = await guarded(g, async (p) => {
        const gi = generate(model, p, options, undefined, hooks);
        for (;;) {
          const r = await gi.next();
          if (r.done === true) return r.value.text;
        }
      })(typeof prompt === "string" ? prompt : "");
      printGuarded(reply, json === true, { model: modelPath, prompt: prompt ?? "" });
      return 0;
    }
    const it = generate(model, typeof prompt === "string" ? prompt : "", options, undefined, hooks);
    const tokens: GeneratedToken[] = [];
    for (;;) {
      const r = await it.next();
      if (r.done === true) {
        const res = r.value;
        for (const w of res.warnings) process.stderr.write(`warning: ${w}\n`);
        const complete = constraint === null ? null : constraint.complete(res.ids);
        if (complete === false) process.stderr.write(`warning: the output stopped (${res.finishReason}) before the ${constraint!.what} was complete; raise --max-tokens\n`);
        if (json === true) {
          const utf8 = new TextDecoder("utf-8", { fatal: false });
          /** A token's own bytes as text (a lone byte of a multi-byte character shows as U+FFFD). */
          const piece = (id: number): string => utf8.decode(model.tokenizer.tokenBytes(id));
          process.stdout.write(`${JSON.stringify({
            model: modelPath, prompt: prompt ?? "", prompt_ids: res.promptIds, ids: res.ids, text: res.text,
            finish_reason: res.finishReason,
            tokens: tokens.map((t) => ({ id: t.id, text: t.text, piece: piece(t.id), logprob: t.logprob, top: t.top.map((a) => ({ id: a.id, piece: piece(a.id), logprob: a.logprob })) })),
            ...(constraint === null ? {} : { constraint: { kind: constraint.what, file: constraint.file, complete } }),
            options: res.options, prompt_tokens_per_s: res.promptTokensPerS, tokens_per_s: res.tokensPerS,
          })}\n`);
        } else {
          // Constrained: stdout is exactly the generated text (a JSON value parses as it is).
          if (constraint === null) process.stdout.write("\n");
          process.stderr.write(`[${res.ids.length} tokens, ${res.finishReason}; prompt ${res.promptIds.length} tokens at ${res.promptTokensPerS.toFixed(0)} tok/s, generation ${res.tokensPerS.toFixed(0)} tok/s]\n`);
        }
        return 0;
      }
      if (r.value.id >= 0) tokens.push(r.value);
      if (json !== true && r.value.text !== "") process.stdout.write(r.value.text);
    }
  },
};

/** A grammar constraint from --json-schema / --grammar, for this model's vocabulary. */
function constrain(model: InferModel, kind: "json-schema" | "gbnf", file: string): ReturnType<typeof grammarConstraint> & { masker: GrammarMasker; what: string; file: string } {
  const masker = new ConstraintCache().masker(model.tokenizer, readConstraintFile(kind, file));
  const eos = model.tokenizer.special.eos;
  if (eos === undefined) throw new KotodamaError(`kotodama generate: the model's tokenizer has no end-of-sequence token, so a constrained output could not end (--${kind === "gbnf" ? "grammar" : "json-schema"})`);
  return { ...grammarConstraint(masker, new Set([eos])), masker, what: kind === "gbnf" ? "grammar" : "JSON value", file };
}
