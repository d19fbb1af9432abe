// `kotodama bench beam`: the cost per generated token of beam search (B beams over batched KV caches) and of
// NeuroLogic lexical constraints, against greedy unconstrained decoding (generate, temperature 0), on one model and
// prompt, N tokens each (end of text ignored so every run decodes N steps). Not here: library code (src/infer).
import { intFlag, parseFlags } from "../src/cli/command.js";
import { loadBackend } from "../src/engine/backend.js";
import { beamSearchText, checkLexical, generateText, lexicalConstraint, openInferModel, packDecoderWeights, parseLexicalSpec, promptIds, type InferModel } from "../src/infer/index.js";
import { validateModelConfig } from "../src/models/config.js";
import { initDecoderWeights } from "../src/models/weights.js";
import { Graph } from "../src/tensor/index.js";
import { loadTokenizer } from "../src/tokenizer/index.js";
import { Rng } from "../src/util/rng.js";

export const summary = "beam: ms per token of beam search and lexical constraints vs greedy";
export const help = [
  "Usage: kotodama bench beam [--model RUN] [--prompt TEXT] [--tokens N] [--beams B] [--repeat N] [--threads N] [--json]",
  "",
  "  --model RUN     default runs/default (the `npm start` model)",
  "  --prompt TEXT   default \"Once upon a time\"",
  "  --tokens N      tokens per run (default 48)",
  "  --beams B       beams (default 4)",
  "  --repeat N      runs per configuration, fastest kept (default 3)",
  "  --threads N     kernel threads (default: all cores)",
  "  --vocab FILE    a tokenizer (e.g. a vocab-only GGUF with 32k tokens): the model becomes --model's shape with",
  "                  this vocabulary and random weights (speed only: the text is noise)",
  "  --include P / --exclude P   the constraints (default: include \"river|rivers\", exclude \"the\")",
  "  --sets N        also: N random constraint sets (1-3 include clauses of vocabulary words, some with an",
  "                  alternative, 1 exclude), and the share of outputs that meet them (default 0)",
  "  --seed S        seed of the random sets (default 1)",
  "  --json          one JSON object",
].join("\n");

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench beam", argv, { model: { type: "string" }, prompt: { type: "string" }, tokens: { type: "string" }, beams: { type: "string" }, repeat: { type: "string" }, threads: { type: "string" }, include: { type: "string", multiple: true }, exclude: { type: "string", multiple: true }, sets: { type: "string" }, seed: { type: "string" }, vocab: { type: "string" }, json: { type: "boolean" } }, false);
  const N = intFlag("bench beam", "tokens", values.tokens, 48, 1, 4096), B = intFlag("bench beam", "beams", values.beams, 4, 1, 64), R = intFlag("bench beam", "repeat", values.repeat, 3, 1, 100);
  const backend = loadBackend(values.threads === undefined ? {} : { threads: intFlag("bench beam", "threads", values.threads, 1, 1, 1024) });
  const modelPath = typeof values.model === "string" ? values.model : "runs/default";
  const base = openInferModel(modelPath, { backend });
  const m: InferModel = typeof values.vocab !== "string" ? base : (() => {
    const tokenizer = loadTokenizer(values.vocab);
    const config = validateModelConfig({ ...base.config, vocabSize: tokenizer.vocabSize });
    const w = initDecoderWeights(new Graph(backend), config, new Rng(0));
    return { path: `${modelPath} shape, ${values.vocab} vocabulary, random weights`, config, weights: packDecoderWeights(config, w), tokenizer, backend, notes: [] };
  })();
  const prompt = typeof values.prompt === "string" ? values.prompt : "Once upon a time";
  const list = (v: unknown, def: string[]): string[] => (Array.isArray(v) ? v.map(String) : def);
  const spec = parseLexicalSpec(list(values.include, ["river|rivers"]), list(values.exclude, ["the"]), "kotodama bench beam");
  const ids = promptIds(m, prompt);
  const none = new Set<number>();
  const best = async (f: () => Promise<number> | number): Promise<number> => {
    let ms = Infinity;
    for (let r = 0; r < R; r++) {
      const t0 = performance.now();
      const n = await f();
      ms = Math.min(ms, (performance.now() - t0) / n);
    }
    return ms;
  };
  const rows: { config: string; msPerToken: number; vsGreedy: number }[] = [];
  const add = (config: string, ms: number): void => void rows.push({ config, msPerToken: ms, vsGreedy: ms / rows[0]!.msPerToken });
  rows.push({ config: "greedy (generate)", msPerToken: await best(async () => (await generateText(m, ids, { temperature: 0, maxTokens: N, ignoreEos: true })).ids.length), vsGreedy: 1 });
  add("beam 1", await best(() => beamSearchText(m, ids, { beams: 1, maxTokens: N }, none).hypotheses[0]!.ids.length));
  add(`beam ${B}`, await best(() => beamSearchText(m, ids, { beams: B, maxTokens: N }, none).hypotheses[0]!.ids.length));
  // The constraint is built inside the timed call: its per-vocabulary tables are part of the cost.
  add("beam 1 + lexical", await best(() => beamSearchText(m, ids, { beams: 1, maxTokens: N }, none, lexicalConstraint(m.tokenizer, spec, N)).hypotheses[0]!.ids.length));
  add(`beam ${B} + lexical`, await best(() => beamSearchText(m, ids, { beams: B, maxTokens: N }, none, lexicalConstraint(m.tokenizer, spec, N)).hypotheses[0]!.ids.length));
  // Satisfaction rate on random sets of vocabulary words (whole-word tokens of 3+ letters after a space).
  const sets = intFlag("bench beam", "sets", values.sets, 0, 0, 10000);
  let met = 0;
  if (sets > 0) {
    const utf8 = new TextDecoder();
    const words = [...new Set(Array.from({ length: m.config.vocabSize }, (_, id) => utf8.decode(m.tokenizer.tokenBytes(id))).filter((w) => /^ [a-z]{3,}$/.test(w)).map((w) => w.slice(1)))];
    const rng = new Rng(intFlag("bench beam", "seed", values.seed, 1, 0, 2 ** 31));
    const pick = (): string => words[rng.int(words.length)]!;
    for (let i = 0; i < sets; i++) {
      const clauses = Array.from({ length: 1 + rng.int(3) }, () => (rng.int(2) === 0 ? pick() : `${pick()}|${pick()}`));
      const ex = pick();
      const sp = parseLexicalSpec(clauses, clauses.some((c) => c.split("|").includes(ex)) ? [] : [ex], "bench beam");
      const r = beamSearchText(m, ids, { beams: B, maxTokens: N }, undefined, lexicalConstraint(m.tokenizer, sp, N));
      const chk = checkLexical(sp, r.text);
      if (chk.missing.length + chk.present.length === 0) met++;
      else process.stderr.write(`not met: ${JSON.stringify(r.text)} include ${clauses.join(", ")} exclude ${sp.exclude.join(", ")}\n`);
    }
  }
  const meta = { model: m.path, vocab: m.config.vocabSize, dim: m.config.dim, prompt_tokens: ids.length, tokens: N, beams: B, repeat: R, include: spec.include, exclude: spec.exclude, sets, met };
  if (values.json === true) process.stdout.write(`${JSON.stringify({ ...meta, rows })}\n`);
  else {
    process.stdout.write(`bench beam: ${m.path} (V = ${m.config.vocabSize}), ${N} tokens from a ${ids.length}-token prompt, fastest of ${R}; include ${spec.include.map((c) => c.join("|")).join(", ")}, exclude ${spec.exclude.join(", ")}\n`);
    for (const r of rows) process.stdout.write(`  ${r.config.padEnd(22)} ${r.msPerToken.toFixed(2).padStart(8)} ms/token  ×${r.vsGreedy.toFixed(2)}\n`);
    if (sets > 0) process.stdout.write(`  random constraint sets met: ${met}/${sets} (beam ${B}, ${N} tokens, end of text allowed once satisfied)\n`);
  }
  return 0;
}
