// A tiny CEFR classifier for tests: sentences "Number i is about the W here." whose level is their keyword's, known
// by construction (cat A1, apple A2, policy B1, budget B2, ontology C1), and the settings that train a fresh
// one-layer decoder on 60 of them in about a second. Not a real classifier: the signal is one word.
import { loadBackend } from "../../engine/backend.js";
import type { CefrRow } from "./data.js";
import { trainCefr, type OpenCefr } from "./model.js";

export const KEYWORD_LEVELS = [["cat", 0], ["apple", 1], ["policy", 2], ["budget", 3], ["ontology", 4]] as const;

export const keywordSentence = (word: string, i: number): string => `Number ${i} is about the ${word} here.`;

/** n rows cycling through the keywords, numbered from `offset`; parts alternate Wiki-Auto / SCoRE. */
export function keywordRows(n: number, offset = 0): CefrRow[] {
  return Array.from({ length: n }, (_, i) => {
    const [w, l] = KEYWORD_LEVELS[i % KEYWORD_LEVELS.length]!;
    const text = keywordSentence(w, i + offset);
    return { part: i % 2 === 0 ? "Wiki-Auto" : "SCoRE", line: i + 1, raw: text, text, a: l, b: l, label: l };
  });
}

export const TINY_CEFR_SETTINGS = { maxSteps: 80, batchSize: 8, lr: 3e-3, context: 16, vocabSize: 300, dim: 16, nLayers: 1, nHeads: 2 } as const;

/** Trains the keyword classifier into outDir (a `kotodama cefr train` folder, lexicon.json included). */
export function trainKeywordCefr(outDir: string): OpenCefr {
  return trainCefr({ train: keywordRows(60), outDir, backend: loadBackend({ kind: "native", threads: 1 }), settings: TINY_CEFR_SETTINGS });
}
