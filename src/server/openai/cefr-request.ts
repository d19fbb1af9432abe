// The body of POST /v1/cefr, validated strictly into a CEFR job: `input` a text or a list of texts (each non-empty,
// at most LIMITS.inputs of them and CEFR_MAX_CHARS characters each), `model` optional (when given, the name of the
// server's CEFR model), unknown fields a 400 naming them. Not here: running it (cefr-job.ts), the route (app.ts).
import { badField } from "./errors.js";
import type { CefrJob } from "./protocol.js";
import { LIMITS } from "./requests.js";

/** Characters of one input text at most (the body limit caps the whole request as well). */
export const CEFR_MAX_CHARS = 100_000;

export function parseCefrRequest(body: Record<string, unknown>, served: string): { model: string; job: CefrJob } {
  for (const k of Object.keys(body)) if (!["model", "input", "user"].includes(k)) throw badField(k, "unknown field (expected input, model, user)", "unknown_field");
  const m = body.model;
  if (m !== undefined && m !== null && typeof m !== "string") throw badField("model", `expected the CEFR model's name ("${served}") or no model, got ${JSON.stringify(m)}`);
  const input = body.input;
  const texts = typeof input === "string" ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0) throw badField("input", 'expected a text or a non-empty list of texts, e.g. {"input": "I like cats."}');
  if (texts.length > LIMITS.inputs) throw badField("input", `at most ${LIMITS.inputs} texts per request, got ${texts.length}`);
  texts.forEach((t: unknown, i) => {
    const where = typeof input === "string" ? "input" : `input[${i}]`;
    if (typeof t !== "string") throw badField(where, `expected a string, got ${JSON.stringify(t)}`);
    if (t.trim() === "") throw badField(where, "is empty (expected a text with at least one sentence)");
    if (t.length > CEFR_MAX_CHARS) throw badField(where, `has ${t.length} characters; at most ${CEFR_MAX_CHARS}`);
  });
  return { model: typeof m === "string" ? m : served, job: { kind: "cefr", texts: texts as string[] } };
}
