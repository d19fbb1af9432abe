// `kotodama score`: how natural texts are under a model — per-token log-probabilities, total, mean and
// perplexity, a ranking when several texts are given, the most likely next tokens (--top K), and llama.cpp-style
// windowed perplexity of long texts (--ppl-window N). Not here: the scoring itself (src/infer/score.ts).
import { readFileSync } from "node:fs";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { openInferModel, rankTexts, scoreText, windowedPerplexity, type TextScore } from "../../infer/index.js";
import { KotodamaError } from "../../util/errors.js";

const HELP = [
  "Usage: kotodama score --model RUN_OR_FILE [--tokenizer FILE] [--json] [--top K] [--ppl-window N] TEXT...",
  "",
  "Scores each TEXT (and each --file): the log-probability of every token given the ones before it, their",
  "total and mean, and perplexity = exp(−mean). With several texts, ranks them from most to least natural",
  "(highest mean log-probability per token first).",
  "",
  "Flags:",
  "  --model PATH        GGUF file, llama2.c .bin (+ --tokenizer), Hugging Face folder or kotodama run dir",
  "  --tokenizer FILE    tokenizer to use instead of the model's own",
  "  --file PATH         score the text of this file (repeatable)",
  "  --top K             also show the K most likely next tokens after each text, with probabilities",
  "  --ppl-window N      perplexity of each (long) text in windows of N tokens, as llama-perplexity -c N",
  "  --context N         positions to allow (default: the model's context)",
  "  --json              one JSON object per text",
  "  --threads N         kernel threads (default: all cores)",
].join("\n");

function printScore(s: TextScore, top: number): void {
  process.stdout.write(`${JSON.stringify(s.text)}\n`);
  for (const t of s.tokens) process.stdout.write(`  ${String(t.id).padStart(6)}  ${(t.logprob === null ? "" : t.logprob.toFixed(4)).padStart(9)}  ${JSON.stringify(t.text)}\n`);
  process.stdout.write(`  total ${s.total.toFixed(4)}  mean ${s.mean.toFixed(4)}  perplexity ${s.perplexity.toFixed(4)}\n`);
  if (top > 0) {
    process.stdout.write("  next:");
    for (const n of s.next) process.stdout.write(` ${JSON.stringify(n.text)} ${n.prob.toFixed(4)}`);
    process.stdout.write("\n");
  }
}

export const scoreCommand: Command = {
  name: "score",
  summary: "score how natural texts are",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("score", argv, {
      model: { type: "string" },
      tokenizer: { type: "string" },
      file: { type: "string", multiple: true },
      top: { type: "string" },
      "ppl-window": { type: "string" },
      context: { type: "string" },
      json: { type: "boolean" },
      threads: { type: "string" },
    });
    if (typeof values.model !== "string") throw new KotodamaError("kotodama score: --model PATH is required");
    const files = (values.file ?? []) as string[];
    const texts = [...positionals];
    for (const f of files) {
      try {
        texts.push(readFileSync(f, "utf8"));
      } catch (e) {
        throw new KotodamaError(`kotodama score: --file ${f}: ${(e as Error).message}`);
      }
    }
    if (texts.length === 0) throw new KotodamaError("kotodama score: give at least one TEXT or --file PATH");
    const top = intFlag("score", "top", values.top, 0, 0, 1000);
    const window = values["ppl-window"] === undefined ? null : intFlag("score", "ppl-window", values["ppl-window"], 0, 4, 2 ** 24);
    const context = values.context === undefined ? null : intFlag("score", "context", values.context, 0, 1, 2 ** 24);
    const backend = loadBackend(values.threads === undefined ? {} : { threads: intFlag("score", "threads", values.threads, 1, 1, 1024) });
    const model = openInferModel(values.model, { backend, ...(typeof values.tokenizer === "string" ? { tokenizer: values.tokenizer } : {}) });
    for (const n of model.notes) process.stderr.write(`note: ${n}\n`);
    const json = values.json === true;

    if (window !== null) {
      for (const text of texts) {
        const r = windowedPerplexity(model, text, window);
        for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
        if (json) process.stdout.write(`${JSON.stringify({ perplexity: r.perplexity, window: r.window, chunks: r.chunks, scored_tokens: r.scored, running: r.running, tokens_per_s: r.tokensPerS })}\n`);
        else process.stdout.write(`perplexity ${r.perplexity.toFixed(4)} (window ${r.window}, ${r.chunks} chunks, ${r.scored} tokens scored; running ${r.running.map((x) => x.toFixed(4)).join(" / ")})\n`);
      }
      return 0;
    }
    const scores = texts.map((t) => scoreText(model, t, { top, context }));
    if (json) {
      for (const s of scores) {
        process.stdout.write(`${JSON.stringify({
          text: s.text, tokens: s.tokens.map((t) => ({ id: t.id, text: t.text, logprob: t.logprob })), total: s.total, mean: s.mean,
          perplexity: s.perplexity, ...(top > 0 ? { next: s.next } : {}),
        })}\n`);
      }
      return 0;
    }
    for (const s of scores) printScore(s, top);
    if (scores.length > 1) {
      process.stdout.write("\nMost natural first (mean log-probability per token):\n");
      rankTexts(scores).forEach((s, i) => process.stdout.write(`  ${i + 1}. ${s.mean.toFixed(4)}  ${JSON.stringify(s.text)}\n`));
    }
    return 0;
  },
};
