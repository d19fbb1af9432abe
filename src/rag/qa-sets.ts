// Question sets for grounded answering: JSQuAD questions with their gold answers (answerable from the JSQuAD
// paragraphs) and JCommonsenseQA questions (common-sense questions no Wikipedia paragraph of JSQuAD is written to
// answer: the "not in the sources" side when measuring the threshold). Paths are passed in (../shared).
// Also an English set on the passages of the English retrieval set (ASSET's Wikipedia sentences, evalsets.ts):
// questions made by the reading task's English question maker (data/instruct/reading.ts), answer = the span.
// Not here: retrieval sets with gold passages (evalsets.ts), scoring (hallucination.ts).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../util/errors.js";
import { englishQuestions } from "../data/instruct/reading.js";
import { ASSET_PASSAGE_SENTENCES, jsonLines, readSquad } from "./evalsets.js";

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

/** English questions on the English retrieval set's passages (assetSet: ASSET's original sentences of valid then
 *  test, ASSET_PASSAGE_SENTENCES to a passage): every question englishQuestions makes from a sentence (who / what was
 *  the name / where / in what year), gold = its span; id "<passage>/<line>/<k>". The passages are the knowledge
 *  base to index (docs/rag.md "Teaching grounded answers"); the reading task never trains on them. */
export function assetReadingQa(dir: string): QaItem[] {
  const out: QaItem[] = [];
  for (const split of ["valid", "test"]) {
    const file = join(dir, "dataset", `asset.${split}.orig`);
    if (!existsSync(file)) throw new FormatError(file, "not found (ASSET, ../shared/data/asset)");
    // Line i of the file is sentence i of assetSet (which splits the same way), so the passage ids agree.
    readFileSync(file, "utf8").replace(/\n$/, "").split("\n").forEach((sent, i) => {
      const passage = `${split}-${Math.floor(i / ASSET_PASSAGE_SENTENCES)}`;
      englishQuestions(sent.trim()).forEach((q, k) => out.push({ id: `${passage}/${i + 1}/${k}`, question: q.question, answers: [q.answer] }));
    });
  }
  return out;
}
