// The safety layer's public surface: metrics, Do-Not-Answer as classification data, the baselines, the
// evaluator's training, the judge and the XSTest response classifiers. Not here: the CLI (cli/commands/safety.ts).
export * from "./metrics.js";
export * from "./dna.js";
export * from "./ngram-logreg.js";
export * from "./baselines.js";
export * from "./evaluator-model.js";
export * from "./evaluator-train.js";
export * from "./judge.js";
export * from "./anchor.js";
export * from "./xstest.js";
