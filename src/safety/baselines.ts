// The two baselines the safety evaluator's numbers are read against, on the same split: the majority class of
// the training labels, and the bag-of-n-grams logistic regression (ngram-logreg.ts). Not here: the evaluator.
import { ACTION_LABELS, HARM_LABELS, type DnaExample } from "./dna.js";
import { classificationReport, type ClassificationReport } from "./metrics.js";
import { logRegPredict, ngramFeatures, trainLogReg } from "./ngram-logreg.js";

export interface BaselineReport {
  readonly name: string;
  readonly harmful: ClassificationReport;
  readonly action: ClassificationReport;
}

function majority(ys: readonly number[], k: number): number {
  const c = new Array<number>(k).fill(0);
  for (const y of ys) c[y]!++;
  return c.indexOf(Math.max(...c));
}

/** Majority class and n-gram logistic regression (class-balanced for harmful), trained on train, scored on test. */
export function runBaselines(train: readonly DnaExample[], test: readonly DnaExample[], seed: number): BaselineReport[] {
  const refH = test.map((e) => e.harmful), refA = test.map((e) => e.action);
  const mh = majority(train.map((e) => e.harmful), 2), ma = majority(train.map((e) => e.action), 6);
  const feats = (es: readonly DnaExample[]): ReturnType<typeof ngramFeatures>[] => es.map((e) => ngramFeatures({ q: e.prompt, r: e.response }));
  const xtr = feats(train), xte = feats(test);
  const lh = trainLogReg(xtr, train.map((e) => e.harmful), { classes: 2, classWeight: "balanced", seed });
  const la = trainLogReg(xtr, train.map((e) => e.action), { classes: 6, seed });
  return [
    { name: "majority class", harmful: classificationReport(refH, refH.map(() => mh), HARM_LABELS), action: classificationReport(refA, refA.map(() => ma), ACTION_LABELS) },
    {
      name: "n-gram logistic regression",
      harmful: classificationReport(refH, xte.map((x) => logRegPredict(lh, x)), HARM_LABELS),
      action: classificationReport(refA, xte.map((x) => logRegPredict(la, x)), ACTION_LABELS),
    },
  ];
}
