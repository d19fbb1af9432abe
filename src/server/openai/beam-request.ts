// The beam-search and lexical-constraint fields of /v1/completions and /v1/chat/completions, validated into a job's
// BeamRequest: vLLM's extra sampling params where vLLM has them (`use_beam_search`, `best_of` = the beam width,
// `length_penalty`) and kotodama's `include` / `exclude` (the CLI's --include "a|b" / --exclude, NeuroLogic
// decoding in src/infer/lexical.ts). Limits keep one request from occupying the worker for long: at most 8 beams,
// 16 phrases, 64 characters a phrase. Fields that beam search would silently ignore (sampling, stop strings,
// logprobs, echo, streaming) are 400s naming them; response_format / grammar combine with it (the job's constraint). Not here: the search (src/infer/beam.ts) and
// running the job (run-job.ts).
import { parseLexicalSpec } from "../../infer/index.js";
import { badField } from "./errors.js";
import type { BeamRequest } from "./protocol.js";

export const BEAM_LIMITS = { beams: 8, phrases: 16, phraseChars: 64, defaultBeams: 4 } as const;

/** The request fields this file reads (the endpoints add them to their known fields). */
export const BEAM_FIELDS = ["use_beam_search", "length_penalty", "include", "exclude"] as const;

type Body = Record<string, unknown>;
const present = (v: unknown): boolean => v !== undefined && v !== null;

/** Fields that sample, stop on strings or penalise, with the value that means "off" (beam search ranks by
 *  log-probability: any other value would be ignored, so it is refused). */
const SAMPLING_OFF: Readonly<Record<string, unknown>> = {
  temperature: 0, top_p: 1, top_k: 0, min_p: 0, repetition_penalty: 1, frequency_penalty: 0, presence_penalty: 0, ignore_eos: false,
};

function phrases(body: Body, field: "include" | "exclude"): string[] {
  const v = body[field];
  if (!present(v)) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw badField(field, `expected an array of strings (phrases; "a|b" = either a or b${field === "exclude" ? ", for include only" : ""})`);
  for (const [i, x] of (v as string[]).entries()) {
    const alts = field === "include" ? x.split("|") : [x];
    if (alts.some((a) => a.trim() === "")) throw badField(`${field}[${i}]`, `${JSON.stringify(x)} has an empty phrase; expected a word or phrase${field === "include" ? " (alternatives \"a|b\")" : ""}`);
    if (alts.some((a) => a.length > BEAM_LIMITS.phraseChars)) throw badField(`${field}[${i}]`, `a phrase is longer than ${BEAM_LIMITS.phraseChars} characters`);
  }
  return v as string[];
}

/** The beam request of a body, or null when it asks for none. `n`: the choices asked for (the n best hypotheses);
 *  `bestOf`: the request's best_of, or null when absent. */
export function parseBeamRequest(body: Body, n: number, bestOf: number | null): BeamRequest | null {
  const use = body.use_beam_search;
  if (present(use) && typeof use !== "boolean") throw badField("use_beam_search", `expected true or false, got ${JSON.stringify(use)}`);
  const include = phrases(body, "include"), exclude = phrases(body, "exclude");
  const count = include.reduce((a, c) => a + c.split("|").length, 0) + exclude.length;
  if (count > BEAM_LIMITS.phrases) throw badField(include.length > 0 ? "include" : "exclude", `${count} phrases in include and exclude together; this server takes at most ${BEAM_LIMITS.phrases}`);
  const lexical = include.length + exclude.length > 0;
  if (use === false && lexical) throw badField(include.length > 0 ? "include" : "exclude", "needs beam search (use_beam_search true, or leave use_beam_search out)");
  if (use !== true && !lexical) {
    if (present(body.length_penalty)) throw badField("length_penalty", "only used by beam search (use_beam_search: true)");
    return null;
  }
  // Beam search: include/exclude imply it, as the CLI's --include implies --beams 4.
  const beams = bestOf ?? Math.max(n, BEAM_LIMITS.defaultBeams);
  if (beams > BEAM_LIMITS.beams) throw badField("best_of", `the beam width; expected an integer in [1, ${BEAM_LIMITS.beams}] with beam search, got ${beams}`);
  if (beams < n) throw badField("n", `beam search returns the n best of best_of = ${beams} beams; expected n ≤ best_of, got ${n}`);
  const lp = body.length_penalty;
  if (present(lp) && (typeof lp !== "number" || !Number.isFinite(lp) || lp < 0 || lp > 10)) throw badField("length_penalty", `expected a number in [0, 10] (finished beams rank by logprob / length^length_penalty), got ${JSON.stringify(lp)}`);
  for (const [field, off] of Object.entries(SAMPLING_OFF)) {
    if (present(body[field]) && body[field] !== off) throw badField(field, `beam search does not sample or penalise; leave ${field} out or give ${JSON.stringify(off)}`);
  }
  const refuse: readonly [string, boolean, string][] = [
    ["stream", body.stream === true, "beam search does not stream (a beam's text is final only when the search ends); give stream false"],
    ["stop", present(body.stop), "stop strings are not supported with beam search"],
    ["logprobs", present(body.logprobs) && body.logprobs !== false, "logprobs are not supported with beam search"],
    ["top_logprobs", present(body.top_logprobs), "logprobs are not supported with beam search"],
    ["echo", body.echo === true, "echo is not supported with beam search"],
  ];
  for (const [field, bad, why] of refuse) if (bad) throw badField(field, why);
  const spec = parseLexicalSpec(include, exclude, "request");
  return { beams, alpha: present(lp) ? (lp as number) : 1, include: spec.include, exclude: spec.exclude };
}
