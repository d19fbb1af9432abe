// Question sets for grounded answering: JSQuAD questions with their gold answers (answerable from the JSQuAD
// paragraphs) and JCommonsenseQA questions (common-sense questions no Wikipedia paragraph of JSQuAD is written to
// answer: the "not in the sources" side when measuring the threshold). Paths are passed in (../shared).
// Not here: retrieval sets with gold passages (evalsets.ts), scoring (hallucination.ts).
import { FormatError } from "../util/errors.js";
import { jsonLines, readSquad } from "./evalsets.js";

export interface QaItem {
  readonly id: string;
  readonly question: string;
  /** Gold answers (JSQuAD lists several annotators' spans; duplicates kept out). */
  readonly answers: readonly string[];
}

/** JSQuAD v1.3 (valid-v1.3.json): every question with its distinct gold answer texts, in file order. */
export function jsquadQa(file: string): QaItem[] {
  const json = readSquad(file);
  const out: QaItem[] = [];
  for (const a of json.data) {
    for (const p of a.paragraphs) {
      for (const q of p.qas) {
        if (typeof q.question !== "string" || !Array.isArray(q.answers)) throw new FormatError(file, `question ${String(q.id)}: expected question and answers`);
        out.push({ id: q.id, question: q.question, answers: [...new Set(q.answers.map((x) => x.text))] });
      }
    }
  }
  return out;
}

/** JCommonsenseQA v1.3 (JSON lines {q_id, question, choice0…4, label}): the questions, answer = the labelled choice. */
export function jcommonsenseQa(file: string): QaItem[] {
  return jsonLines(file).map(({ line, o }) => {
    const q = o.question;
    const label = o.label;
    if (typeof q !== "string" || typeof label !== "number") throw new FormatError(file, `line ${line}: expected {question, label, choice0…}`);
    return { id: String(o.q_id), question: q, answers: [String(o[`choice${label}`])] };
  });
}
