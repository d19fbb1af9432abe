// `kotodama simplify`: one sentence simplified toward a CEFR level by an SFT model (local, or an OpenAI-compatible
// endpoint with the shared --endpoint flags), optionally under the word-level constraint, span edits and the
// classifier's level-aware choice among beams (local only), with the CEFR classifier's check of the output.
// Parses, builds, runs: the work is in src/eval/cefr/simplify.ts.
import { join } from "node:path";
import type { Command } from "../command.js";
import { numberFlag, parseFlags, intFlag } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { levelIndex } from "../../eval/cefr/data.js";
import { readLexicon } from "../../eval/cefr/lexicon.js";
import { openCefr } from "../../eval/cefr/model.js";
import { simplifyRemote, simplifySentence } from "../../eval/cefr/simplify.js";
import { parseSpanEdits } from "../../eval/cefr/edits.js";
import { BEAM_FLAGS, BEAM_HELP, parseBeamFlags } from "./beam-flags.js";
import { ENDPOINT_FLAGS, ENDPOINT_HELP, endpointFromFlags } from "../endpoint-flags.js";
import { openInferModel } from "../../infer/index.js";
import { KotodamaError } from "../../util/errors.js";

const HELP = [
  "Usage: kotodama simplify --model SFT --level A1..C2 [--constrained] [--cefr DIR] [--lexicon FILE] [--penalty P]",
  "                         [--keep SPAN] [--delete SPAN] [--replace OLD=>NEW] [--beams B] [--rerank]",
  "                         [--delete-only [--min-keep F] [--delete-penalty X]] [--json] TEXT",
  "       kotodama simplify --endpoint URL --api-model NAME --level A1..C2 [--cefr DIR] [--json] TEXT",
  "",
  "Simplifies TEXT with an SFT model (the SFT data's simplify prompt, greedy; the level is not in the prompt because",
  "the model was not trained with one). --constrained penalises words above --level while decoding (a word-level",
  "lexicon derived from CEFR-SP, lexicon.json of a `kotodama cefr train` directory). With --cefr, the classifier",
  "checks the output's level (its hardest sentence). docs/applications.md.",
  "",
  "  --model DIR      the SFT model (e.g. runs/default/sft), or --endpoint below",
  "  --level L        target level A1, A2, B1, B2, C1 or C2",
  "  --constrained    penalise words above the level (needs --lexicon or --cefr)",
  "  --cefr DIR       CEFR classifier directory (checks the output; its lexicon.json is the default lexicon)",
  "  --lexicon FILE   word lexicon (default: DIR/lexicon.json of --cefr)",
  "  --penalty P      logit penalty on such words (default: inf = disallowed)",
  "  --max-tokens N   reply length cap (default 96)",
  "  --keep SPAN      span edit: SPAN of the source must stay in the output (repeatable; Zetsu et al. 2024)",
  "  --delete SPAN    span edit: SPAN of the source must not appear in the output (repeatable)",
  "  --replace O=>N   span edit: O must go, N (or an alternative of N|M) must appear (repeatable)",
  "                   edits decode with beam search (default 4 beams) under NeuroLogic constraints",
  "  --rerank         beam search: the classifier (--cefr) chooses among the n-best the best-scored output it",
  "                   judges at or below --level (else the lowest-judged)",
  "  --delete-only    deletion-only edits: the output is the source with words deleted, nothing written that",
  "                   the source does not hold; the model chooses what to keep (beam search, 4 beams); names",
  "                   and --keep spans stay; with --constrained, words above --level are deleted",
  "  --min-keep F     --delete-only: keep at least this fraction of the source's words (default 0.5)",
  "  --delete-penalty X  --delete-only: log-probability charged per deleted word (default 1; 0 = likelihood",
  "                   alone; higher keeps more)",
  ...BEAM_HELP,
  "",
  "Through an endpoint: plain greedy generation with the same prompt. --constrained, the span edits, --include,",
  "--exclude, --beams and --rerank need the model's logits at every step, which /chat/completions does not give,",
  "so they are refused there (no grammar stands in for them: see docs/applications.md); --cefr still checks.",
  ...ENDPOINT_HELP,
  "  --json           a JSON object instead of the text",
].join("\n");

export const simplifyCommand: Command = {
  name: "simplify",
  summary: "simplify a sentence toward a CEFR level (SFT model or endpoint, optional level constraints)",
  help: HELP,
  async run(argv) {
    const cmd = "simplify";
    const { values, positionals } = parseFlags(cmd, argv, { model: { type: "string" }, level: { type: "string" }, constrained: { type: "boolean" }, cefr: { type: "string" }, lexicon: { type: "string" }, penalty: { type: "string" }, "max-tokens": { type: "string" }, json: { type: "boolean" }, keep: { type: "string", multiple: true }, delete: { type: "string", multiple: true }, replace: { type: "string", multiple: true }, rerank: { type: "boolean" }, "delete-only": { type: "boolean" }, "min-keep": { type: "string" }, "delete-penalty": { type: "string" }, ...BEAM_FLAGS, ...ENDPOINT_FLAGS });
    const remote = endpointFromFlags(cmd, values);
    if (remote === null && typeof values.model !== "string") throw new KotodamaError("kotodama simplify: --model DIR (an SFT model) or --endpoint URL is required");
    if (typeof values.level !== "string") throw new KotodamaError("kotodama simplify: --level is required (A1, A2, B1, B2, C1 or C2)");
    const level = levelIndex(values.level, "kotodama simplify: --level");
    if (positionals.length !== 1) throw new KotodamaError(`kotodama simplify: expected one TEXT, got ${positionals.length}`);
    const lexPath = typeof values.lexicon === "string" ? values.lexicon : typeof values.cefr === "string" ? join(values.cefr, "lexicon.json") : null;
    if (values.constrained === true && lexPath === null) throw new KotodamaError("kotodama simplify: --constrained needs --lexicon FILE or --cefr DIR (its lexicon.json)");
    const penalty = values.penalty === undefined || values.penalty === "inf" ? Infinity : numberFlag(cmd, "penalty", values.penalty, Infinity, 1e-6, 1e9);
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
    const edits = parseSpanEdits(positionals[0]!, list(values.keep), list(values.delete), list(values.replace), "kotodama simplify");
    const beam = parseBeamFlags(cmd, values);
    if (values.rerank === true && typeof values.cefr !== "string") throw new KotodamaError("kotodama simplify: --rerank needs --cefr DIR (the classifier that judges the beams)");
    const delOnly = values["delete-only"] === true;
    for (const f of ["min-keep", "delete-penalty"]) if (values[f] !== undefined && !delOnly) throw new KotodamaError(`kotodama simplify: --${f} applies to --delete-only decoding; add --delete-only`);
    const deleteOnly = delOnly ? { minKeep: numberFlag(cmd, "min-keep", values["min-keep"], 0.5, 0, 1), deletePenalty: numberFlag(cmd, "delete-penalty", values["delete-penalty"], 1, 0, 1e6) } : null;
    if (remote !== null) {
      const local = ["constrained", "keep", "delete", "replace", "include", "exclude", "beams", "length-penalty", "rerank", "lexicon", "penalty", "delete-only", "min-keep", "delete-penalty"].find((f) => values[f] !== undefined);
      if (local !== undefined) throw new KotodamaError(`kotodama simplify: --${local} works on the model's logits at every step, which an OpenAI-compatible endpoint does not give; use --model DIR for it (through --endpoint only plain greedy generation, checked by --cefr)`);
    }
    const backend = loadBackend();
    const maxTokens = intFlag(cmd, "max-tokens", values["max-tokens"], 96, 1, 4096);
    const checker = typeof values.cefr === "string" ? { checker: openCefr(values.cefr, backend) } : {};
    const r = remote !== null ? await simplifyRemote(remote.responder, positionals[0]!, { level, maxTokens, ...checker }) : await simplifySentence(openInferModel(values.model as string, { backend }), positionals[0]!, {
      level, penalty, maxTokens, edits, phrases: beam.spec, ...checker,
      ...(beam.beams !== null ? { beams: beam.beams } : values.rerank === true ? { beams: 4 } : {}),
      ...(values.constrained === true ? { lexicon: readLexicon(lexPath!) } : {}),
      ...(values.rerank === true ? { rerank: true } : {}),
      ...(deleteOnly !== null ? { deleteOnly } : {}),
    });
    if (values.json === true) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      process.stdout.write(`${r.output}\n`);
      if (r.missing.length + r.present.length > 0) process.stderr.write(`constraints not met: missing ${r.missing.join(", ") || "-"}; present ${r.present.join(", ") || "-"}\n`);
      if (r.predicted !== null) process.stderr.write(`level by the classifier: ${r.predicted} (${r.atOrBelow === true ? "at or below" : "above"} ${values.level.toUpperCase()})\n`);
    }
    return 0;
  },
};
