// `kotodama eval simplify`: SARI, BLEU, FKGL and the share at the target level on ASSET test for identity, the SFT
// model greedy and under the level constraint, and beam search with and without edits, level mask and reranking. Parses, builds, runs: src/eval/cefr/simplify-eval.ts.
import { join } from "node:path";
import type { Command } from "../command.js";
import { intFlag, numberFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { levelIndex } from "../../eval/cefr/data.js";
import { readLexicon } from "../../eval/cefr/lexicon.js";
import { openCefr } from "../../eval/cefr/model.js";
import { DELETE_DEFAULTS, DELETE_LEVEL_PENALTY, evaluateSimplify } from "../../eval/cefr/simplify-eval.js";
import { openInferModel } from "../../infer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { sharedPath } from "../../util/paths.js";
import { ENDPOINT_FLAGS, ENDPOINT_HELP, endpointFromFlags } from "../endpoint-flags.js";

const HELP = [
  "Usage: kotodama eval simplify --model SFT --cefr DIR --out DIR [--level A2] [--limit N] [--beams B] [--runs LIST] [--data-dir DIR] [--json]",
  "       kotodama eval simplify --endpoint URL --api-model NAME --cefr DIR --out DIR [--level A2] [--limit N] ...",
  "",
  "Simplifies the first N sentences of ASSET test (../shared/data/asset, 10 references each) with: identity (the",
  "source copied), the SFT model, the SFT model with words above --level penalised (the lexicon of --cefr), and",
  "reports SARI (EASSE corpus_sari), its add/keep/delete parts, BLEU (SacreBLEU 13a), FKGL, and the share of",
  "outputs at or below --level by the CEFR classifier (--cefr). Writes simplify-eval.json and",
  "simplify-outputs.jsonl under --out.",
  "",
  "  --model DIR      SFT model",
  "  --cefr DIR       CEFR classifier directory (`kotodama cefr train --out`)",
  "  --out DIR        output folder",
  "  --level L        target level (default A2)",
  "  --limit N        first N test sentences (default all 359)",
  "  --max-tokens N   reply cap (default 96)",
  "  --beams B        beams of the beam systems (default 4): beam search alone, with the lexicon's level mask",
  "                   (+lex), with the source's names kept as must-include spans (+edits), with both; each also",
  "                   with the classifier choosing among the n-best the best one at or below --level (+rerank);",
  "                   and deletion-only (+delete: the output is the source with words deleted, names kept;",
  "                   +delete+lex: words above --level deleted too); 1 = leave them out",
  "  --runs LIST      which beam runs (default all): beam,lex,edits,edits+lex,delete,delete+lex",
  "  --min-keep F     +delete runs: fraction of the source's words kept at least (default 0.5)",
  "  --delete-penalty X  +delete runs: log-probability charged per deleted word (default 1)",
  "  --level-penalty P   +delete+lex: log-probability charged per word above --level (default 3; inf = disallow)",
  "  --data-dir DIR   folder holding asset/ (default ../shared/data)",
  "  --json           print the JSON",
  "",
  "Through an endpoint only identity and sft (greedy, the same prompt) are run: the constrained and beam systems",
  "need the model's logits at every step (--beams is refused there).",
  ...ENDPOINT_HELP,
].join("\n");

export const evalSimplify: Command = {
  name: "simplify",
  summary: "SARI / BLEU / FKGL / share at level on ASSET: identity, SFT, level constraints, beams, edits, rerank",
  help: HELP,
  async run(argv) {
    const cmd = "eval simplify";
    const { values } = parseFlags(cmd, argv, { model: { type: "string" }, cefr: { type: "string" }, out: { type: "string" }, level: { type: "string" }, limit: { type: "string" }, "max-tokens": { type: "string" }, "data-dir": { type: "string" }, beams: { type: "string" }, runs: { type: "string" }, "min-keep": { type: "string" }, "delete-penalty": { type: "string" }, "level-penalty": { type: "string" }, json: { type: "boolean" }, ...ENDPOINT_FLAGS }, false);
    const remote = endpointFromFlags(cmd, values);
    if (remote === null && typeof values.model !== "string") throw new KotodamaError(`kotodama ${cmd}: --model DIR (an SFT model) or --endpoint URL is required`);
    const local = ["beams", "runs", "min-keep", "delete-penalty", "level-penalty"].find((f) => values[f] !== undefined);
    if (remote !== null && local !== undefined) throw new KotodamaError(`kotodama ${cmd}: --${local} needs the model's logits at every step, which an endpoint does not give; use --model DIR for the beam systems`);
    for (const f of ["cefr", "out"] as const) if (typeof values[f] !== "string") throw new KotodamaError(`kotodama ${cmd}: --${f} DIR is required`);
    const level = levelIndex(typeof values.level === "string" ? values.level : "A2", `kotodama ${cmd}: --level`);
    const dataDir = typeof values["data-dir"] === "string" ? values["data-dir"] : sharedPath("data");
    if (dataDir === null) throw new KotodamaError(`kotodama ${cmd}: ../shared/data is absent; pass --data-dir DIR (the folder holding asset/)`);
    const backend = loadBackend();
    const cefrDir = values.cefr as string;
    const r = await evaluateSimplify({
      assetDir: join(dataDir, "asset", "dataset"), ...(remote !== null ? { responder: remote.responder } : { model: openInferModel(values.model as string, { backend }) }), checker: openCefr(cefrDir, backend),
      lexicon: readLexicon(join(cefrDir, "lexicon.json")), level, limit: intFlag(cmd, "limit", values.limit, 359, 1, 100000), outDir: values.out as string,
      maxTokens: intFlag(cmd, "max-tokens", values["max-tokens"], 96, 1, 4096), beams: intFlag(cmd, "beams", values.beams, 4, 1, 64),
      ...(typeof values.runs === "string" ? { runs: values.runs.split(",").map((x) => x.trim()) } : {}),
      deleteOnly: { minKeep: numberFlag(cmd, "min-keep", values["min-keep"], DELETE_DEFAULTS.minKeep!, 0, 1), deletePenalty: numberFlag(cmd, "delete-penalty", values["delete-penalty"], DELETE_DEFAULTS.deletePenalty!, 0, 1e6) },
      deleteLevelPenalty: values["level-penalty"] === "inf" ? Infinity : numberFlag(cmd, "level-penalty", values["level-penalty"], DELETE_LEVEL_PENALTY, 1e-6, 1e6),
      log: (s) => void process.stderr.write(`${s}\n`),
    });
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    process.stdout.write(`ASSET test, first ${r.n} sentences, target ${r.level}, ${r.decoder} (${r.seconds.toFixed(0)} s)\n`);
    process.stdout.write(`  ${"system".padEnd(27)} ${"SARI".padStart(6)} ${"add".padStart(6)} ${"keep".padStart(6)} ${"del".padStart(6)} ${"BLEU".padStart(6)} ${"FKGL".padStart(6)} ${`≤${r.level}`.padStart(6)} ${"words>".padStart(7)}\n`);
    for (const s of r.systems) process.stdout.write(`  ${s.system.padEnd(27)} ${s.sari.toFixed(2).padStart(6)} ${s.add.toFixed(2).padStart(6)} ${s.keep.toFixed(2).padStart(6)} ${s.del.toFixed(2).padStart(6)} ${s.bleu.toFixed(2).padStart(6)} ${s.fkgl.toFixed(2).padStart(6)} ${(100 * s.atOrBelow).toFixed(1).padStart(6)} ${s.aboveLevelWords.toFixed(2).padStart(7)}${s.fallbacks > 0 ? `  (${s.fallbacks} fallback${s.fallbacks > 1 ? "s" : ""} to the unmasked run)` : ""}\n`);
    process.stdout.write(`  ${"reference 0".padEnd(27)} ${"".padStart(6)} ${"".padStart(6)} ${"".padStart(6)} ${"".padStart(6)} ${"".padStart(6)} ${r.references.fkgl.toFixed(2).padStart(6)} ${(100 * r.references.atOrBelow).toFixed(1).padStart(6)}\n`);
    return 0;
  },
};
