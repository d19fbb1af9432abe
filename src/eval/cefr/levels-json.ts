// The JSON form of a text's CEFR levels — what `kotodama cefr --json` prints per text and what the server's
// POST /v1/cefr answers per input — its reading back (a server's answer, checked field by field) and the plain-text
// lines the CLI prints from it, so that the local and the remote paths print the same thing from the same form.
// Not here: computing levels (model.ts), HTTP (server/openai, infer/endpoint.ts).
import { KotodamaError } from "../../util/errors.js";
import { LEVELS, type Level } from "./data.js";
import type { SentenceLevel, TextLevels } from "./model.js";

export interface CefrSentenceJson {
  readonly sentence: string;
  readonly level: Level;
  /** Σ_k k · P(k), 3 decimals. */
  readonly expected: number;
  /** P(A1) … P(C2), 4 decimals. */
  readonly probs: readonly number[];
}

export interface CefrTextJson {
  /** The 80th-percentile sentence's level. */
  readonly level: Level;
  readonly distribution: Readonly<Record<Level, number>>;
  readonly hardest: readonly Omit<CefrSentenceJson, "probs">[];
  readonly sentences: readonly CefrSentenceJson[];
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** The JSON form (rounded: 3 decimals for expected levels, 4 for probabilities). */
export function textLevelsJson(r: TextLevels): CefrTextJson {
  const hard = (s: SentenceLevel): Omit<CefrSentenceJson, "probs"> => ({ sentence: s.sentence, level: s.level, expected: round(s.expected, 3) });
  return {
    level: r.level,
    distribution: r.distribution,
    hardest: r.hardest.map(hard),
    sentences: r.sentences.map((s) => ({ ...hard(s), probs: s.probs.map((p) => round(p, 4)) })),
  };
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** A server's answer for one text, checked: every field present with its type (`where` names it in errors). */
export function readTextLevelsJson(v: unknown, where: string): CefrTextJson {
  const bad = (field: string, expected: string): never => {
    throw new KotodamaError(`${where}: '${field}' is not ${expected} (not a kotodama /v1/cefr answer?)`);
  };
  const level = (x: unknown, field: string): Level => (typeof x === "string" && (LEVELS as readonly string[]).includes(x) ? (x as Level) : bad(field, `a level ${LEVELS.join("/")}`));
  const num = (x: unknown, field: string): number => (typeof x === "number" && Number.isFinite(x) ? x : bad(field, "a number"));
  const str = (x: unknown, field: string): string => (typeof x === "string" ? x : bad(field, "a string"));
  const list = (x: unknown, field: string): unknown[] => (Array.isArray(x) ? x : bad(field, "a list"));
  const sent = (x: unknown, field: string): Omit<CefrSentenceJson, "probs"> => {
    if (!isObj(x)) return bad(field, "an object");
    return { sentence: str(x.sentence, `${field}.sentence`), level: level(x.level, `${field}.level`), expected: num(x.expected, `${field}.expected`) };
  };
  if (!isObj(v)) return bad("data[]", "an object");
  const d = v.distribution;
  if (!isObj(d)) return bad("distribution", "an object");
  const distribution = Object.fromEntries(LEVELS.map((l) => [l, num(d[l], `distribution.${l}`)])) as Record<Level, number>;
  return {
    level: level(v.level, "level"),
    distribution,
    hardest: list(v.hardest, "hardest").map((x, i) => sent(x, `hardest[${i}]`)),
    sentences: list(v.sentences, "sentences").map((x, i) => {
      const base = sent(x, `sentences[${i}]`);
      const probs = list((x as Record<string, unknown>).probs, `sentences[${i}].probs`).map((p, k) => num(p, `sentences[${i}].probs[${k}]`));
      if (probs.length !== LEVELS.length) bad(`sentences[${i}].probs`, `${LEVELS.length} probabilities`);
      return { ...base, probs };
    }),
  };
}

/** The CLI's plain-text lines for one text: each sentence's level and expected level, then for a text of several
 *  sentences its level, distribution and hardest sentences. */
export function textLevelsLines(j: CefrTextJson): string[] {
  const lines = j.sentences.map((s) => `${s.level}  ${s.expected.toFixed(2)}  ${s.sentence}`);
  if (j.sentences.length > 1) {
    lines.push(`text: ${j.level}  (${Object.entries(j.distribution).map(([l, n]) => `${l} ${n}`).join(", ")})`);
    lines.push(`hardest: ${j.hardest.map((s) => `[${s.level}] ${s.sentence}`).join(" | ")}`);
  }
  return lines;
}
