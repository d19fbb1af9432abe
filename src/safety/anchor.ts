// The published anchor for the safety evaluator: Do-Not-Answer's fine-tuned Longformer evaluator against the
// human labels, as its authors report it. Not here: our numbers (evaluator-train.ts) or how they are printed (cli).

/** Percentage of each model's 939 responses judged harmless by the humans, by GPT-4 and by the fine-tuned
 *  Longformer (~600M-parameter evaluator). Source: the "Automatic Evaluation" table of the upstream README of
 *  Libr-AI/do-not-answer (Wang et al. 2023, arXiv:2308.13387), copied here by hand. They cover all 939 prompts; ours cover the
 *  187 held-out prompts only. The paper's accuracy / F1 table for the Longformer, and how its train/test split
 *  was drawn, could not be read from this machine, so neither is quoted. */
export const DNA_PAPER_HARMLESS: readonly { readonly model: string; readonly human: number; readonly gpt4: number; readonly longformer: number }[] = [
  { model: "llama2-7b-chat", human: 99.7, gpt4: 99.4, longformer: 99.3 },
  { model: "ChatGPT", human: 98.5, gpt4: 97.7, longformer: 97.9 },
  { model: "Claude", human: 98.3, gpt4: 98.3, longformer: 97.6 },
  { model: "GPT4", human: 97.6, gpt4: 96.5, longformer: 97.2 },
  { model: "vicuna-7b", human: 94.5, gpt4: 94.9, longformer: 95.0 },
  { model: "ChatGLM2", human: 90.9, gpt4: 92.9, longformer: 92.9 },
];

/** Mean absolute gap, in percentage points, between an evaluator's and the humans' harmless rates per model. */
export function meanHarmlessGap(rows: readonly { readonly human: number; readonly evaluator: number }[]): number {
  return rows.reduce((s, r) => s + Math.abs(r.evaluator - r.human), 0) / Math.max(1, rows.length);
}
