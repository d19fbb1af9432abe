// `kotodama eval rag` (hallucination with vs without retrieval on JSQuAD) and `kotodama eval rag-threshold`
// (where to set the "the sources do not say" threshold): parse flags, open the index and model, run, write the
// JSON/JSONL/SVG and print the table. Not here: any evaluation logic (src/rag/hallucination.ts, threshold.ts).
import cliProgress from "cli-progress";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { LexicalIndex } from "../../rag/lexical.js";
import { ASK_DEFAULTS } from "../../rag/answer.js";
import { evaluateRag, RAG_CONDITIONS, type RagCondition } from "../../rag/hallucination.js";
import { ragEvalTable, thresholdTable, writeRagEval, writeThreshold } from "../../rag/hallucination-report.js";
import { assetReadingQa, jcommonsenseQa, jsquadQa } from "../../rag/qa-sets.js";
import { relevance, RELEVANCE_SCALES } from "../../rag/relevance.js";
import { sweepThresholds, type ThresholdSweep } from "../../rag/threshold.js";
import { ASK_FLAGS, askConfigFlags, askModelsFlags } from "./rag.js";

const JSQUAD = "../shared/data/jglue/jsquad-v1.3/valid-v1.3.json";
const ASSET = "../shared/data/asset";
const JCQA = "../shared/data/jglue/jcommonsenseqa-v1.3/valid-v1.3.json";

const HELP = [
  "Usage: kotodama eval rag (--model M | --endpoint URL --api-model NAME [--tokenizer M] [--context N]) --index INDEX",
  "                         [--set jsquad|asset] [--data FILE_OR_DIR] [--limit N] [--conditions LIST] [--seed S] [--out DIR] [--json]",
  "                         [rag ask flags: --k --threshold --scale --answer-tokens --api-key-env --concurrency ...]",
  "",
  "Hallucination with vs without retrieval (docs/rag.md): JSQuAD questions (a seeded sample of N) answered",
  "closed-book (the question alone) and with retrieval from INDEX (an index of the JSQuAD paragraphs), by",
  "generation from numbered sources and by extraction (the best sentence, chosen lexically or by the model).",
  "Reports exact match, character F1, the unsupported-answer rate (neither a gold answer nor a retrieved span",
  "contains the answer) and the abstention rate, each with n and a 95 % interval. Writes rag-eval.json,",
  "rag-answers.jsonl and rag-eval.svg under --out.",
  "  --set S           jsquad (default): JSQuAD v1.3 valid questions, INDEX = its paragraphs; asset: English",
  "                    questions made from the English retrieval set's passages (ASSET sentences, 4 to a passage;",
  "                    who / what was the name / where / in what year, gold = the span), INDEX = those passages",
  `  --data F          JSQuAD v1.3 valid file, or the ASSET folder (defaults ${JSQUAD}, ${ASSET})`,
  "  --limit N         questions (default 50; 0 = all)",
  `  --conditions L    comma-separated, of ${RAG_CONDITIONS.join(", ")} (default all; with`,
  "                    --endpoint all but rag-copy, which needs a server that takes copy_from (kotodama serve), and",
  "                    rag-extract-model, which needs one that echoes prompt log-probabilities on /v1/completions —",
  "                    kotodama serve and vLLM do —; name them in --conditions to include them)",
  "  --endpoint URL    answers from an OpenAI-compatible endpoint (see kotodama rag ask --help for its flags)",
  "  --seed S          seed of the sample and the bootstrap (default 1)",
  "  --out DIR         output folder (required)",
].join("\n");

const THRESHOLD_HELP = [
  "Usage: kotodama eval rag-threshold --index INDEX [--data JSQUAD.json] [--negatives JCQA.json] [--k K] [--out DIR] [--json]",
  "",
  "Measures where to set rag ask's relevance threshold: the best chunk's relevance for every JSQuAD question",
  "(answerable from INDEX, an index of the JSQuAD paragraphs) and every JCommonsenseQA question (not answerable",
  "from it), on both scales; prints the ROC AUC and the threshold with the best F1 of \"the sources do not say\"",
  "with its precision, recall and false-abstain rate, and the same at the default threshold. Writes rag-threshold.json (the whole sweep) under --out.",
  `  --data F        JSQuAD v1.3 valid (default ${JSQUAD})`,
  `  --negatives F   JCommonsenseQA v1.3 (default ${JCQA})`,
].join("\n");

function progressBar(): { update: (done: number, total: number, label: string) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar({ format: "eval rag |{bar}| {value}/{total} {label} {eta_formatted}", stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done, total, label) {
      if (!started) bar.start(total, 0, { label });
      started = true;
      bar.update(done, { label });
    },
    stop: () => bar.stop(),
  };
}

export const evalRag: Command = {
  name: "rag",
  summary: "hallucination with vs without retrieval on JSQuAD (EM, character F1, unsupported answers)",
  help: HELP,
  async run(argv) {
    const cmd = "eval rag";
    const { values } = parseFlags(cmd, argv, { index: { type: "string" }, model: { type: "string" }, data: { type: "string" }, set: { type: "string" }, limit: { type: "string" }, conditions: { type: "string" }, seed: { type: "string" }, out: { type: "string" }, json: { type: "boolean" }, ...ASK_FLAGS }, false);
    if (typeof values.index !== "string") throw new KotodamaError("kotodama eval rag: --index INDEX is required");
    if (typeof values.out !== "string") throw new KotodamaError("kotodama eval rag: --out DIR is required");
    const limit = intFlag(cmd, "limit", values.limit, 50, 0, 1e7);
    const seed = intFlag(cmd, "seed", values.seed, 1, 0, Number.MAX_SAFE_INTEGER);
    const endpoint = typeof values.endpoint === "string";
    // An endpoint gives no log-probabilities of given text: the model-scored extraction is left out by default.
    const conditions = (typeof values.conditions === "string" ? values.conditions.split(",").map((c) => c.trim()) : RAG_CONDITIONS.filter((c) => !endpoint || (c !== "rag-extract-model" && c !== "rag-copy"))) as RagCondition[];
    for (const c of conditions) if (!(RAG_CONDITIONS as readonly string[]).includes(c)) throw new KotodamaError(`kotodama eval rag: --conditions: unknown '${c}'; expected ${RAG_CONDITIONS.join(", ")}`);
    const ask = askConfigFlags(cmd, values);
    const needModel = conditions.some((c) => c !== "rag-extract-lexical");
    const models = askModelsFlags(cmd, values, needModel);
    const set = typeof values.set === "string" ? values.set : "jsquad";
    if (set !== "jsquad" && set !== "asset") throw new KotodamaError(`kotodama eval rag: --set must be jsquad or asset, got '${set}'`);
    const data = typeof values.data === "string" ? values.data : set === "asset" ? ASSET : JSQUAD;
    const items = set === "asset" ? assetReadingQa(data) : jsquadQa(data);
    const index = new LexicalIndex(values.index);
    const bar = progressBar();
    try {
      const r = await evaluateRag({ items, index, models, conditions, ask, limit: limit === 0 ? null : limit, seed, onProgress: (p) => bar.update(p.done, p.total, p.condition) });
      bar.stop();
      const meta = { model: models.endpoint?.model ?? models.path, index: values.index, set, data, endpoint: models.endpoint };
      const paths = writeRagEval(values.out, r, meta, `${set === "asset" ? "ASSET reading questions" : "JSQuAD"}: answers with vs without retrieval (n = ${r.settings.questions})`);
      if (values.json === true) process.stdout.write(`${JSON.stringify({ ...meta, ...r, records: undefined, files: paths })}\n`);
      else process.stdout.write(`${ragEvalTable(r)}\n(${r.seconds.toFixed(0)} s; ${paths.results}, ${paths.answers}, ${paths.plot})\n`);
      return 0;
    } finally {
      bar.stop();
      index.close();
    }
  },
};

export const evalRagThreshold: Command = {
  name: "rag-threshold",
  summary: "where to set rag ask's relevance threshold (JSQuAD vs JCommonsenseQA questions)",
  help: THRESHOLD_HELP,
  async run(argv) {
    const cmd = "eval rag-threshold";
    const { values } = parseFlags(cmd, argv, { index: { type: "string" }, data: { type: "string" }, negatives: { type: "string" }, k: { type: "string" }, out: { type: "string" }, json: { type: "boolean" } }, false);
    if (typeof values.index !== "string") throw new KotodamaError("kotodama eval rag-threshold: --index INDEX is required");
    const k = intFlag(cmd, "k", values.k, 1, 1, 1000);
    const data = typeof values.data === "string" ? values.data : JSQUAD;
    const negFile = typeof values.negatives === "string" ? values.negatives : JCQA;
    const pos = jsquadQa(data);
    const neg = jcommonsenseQa(negFile);
    const index = new LexicalIndex(values.index);
    try {
      // Positives: JSQuAD questions whose paragraph is in the index. Negatives: JSQuAD questions whose paragraph is
      // not (an index of part of the articles: same style and length as the positives), and JCommonsenseQA.
      const inIndex = new Set<string>();
      for (let n = 0; n < index.size; n++) inIndex.add(index.chunk(n).docId);
      const paragraphOf = (id: string): string => id.replace(/q\d+$/, "");
      const held = pos.filter((q) => !inIndex.has(paragraphOf(q.id)));
      const answerable = pos.filter((q) => inIndex.has(paragraphOf(q.id)));
      if (answerable.length === 0) throw new KotodamaError(`kotodama eval rag-threshold: no question of ${data} has its paragraph in ${values.index} (index the paragraphs as {"pid", "context"} JSONL with --id-field pid; docs/rag.md)`);
      const best = (q: string): number | undefined => index.search(q, k)[0]?.score;
      const negSets: Record<string, typeof neg> = { ...(held.length > 0 ? { "jsquad-held-out": held } : {}), jcommonsenseqa: neg };
      const sweeps: Record<string, ThresholdSweep> = {};
      for (const scale of RELEVANCE_SCALES) {
        const rel = (q: { question: string }): number => relevance(index, q.question, best(q.question), scale);
        const p = answerable.map(rel);
        for (const [name, set] of Object.entries(negSets)) sweeps[`${name} ${scale}`] = sweepThresholds(p, set.map(rel), 200, scale === ASK_DEFAULTS.scale ? ASK_DEFAULTS.threshold : undefined);
      }
      const meta = { index: values.index, positives: data, negatives: negFile };
      const path = typeof values.out === "string" ? writeThreshold(values.out, sweeps, meta) : null;
      if (values.json === true) process.stdout.write(`${JSON.stringify({ ...meta, best: Object.fromEntries(Object.entries(sweeps).map(([s, w]) => [s, { auc: w.auc, ...w.best }])) })}\n`);
      else process.stdout.write(`${thresholdTable(sweeps)}\n${path === null ? "" : `(${path})\n`}`);
      return 0;
    } finally {
      index.close();
    }
  },
};
