// The safety layer's public surface: metrics, Do-Not-Answer as classification data, the baselines, the
// evaluator's training, the judge, the XSTest response classifiers and the guard (guard-*.ts: guard-measure.ts and
// guard-run.ts are imported directly). Not here: the CLI (cli/commands/safety.ts).
export * from "./metrics.js";
export * from "./dna.js";
export * from "./ngram-logreg.js";
export * from "./baselines.js";
export * from "./evaluator-model.js";
export * from "./evaluator-train.js";
export * from "./judge.js";
export * from "./anchor.js";
export * from "./xstest.js";
export * from "./ja-refusal.js";
export * from "./ja-refusal-labelled.js";
export * from "./guard-taxonomy.js";
export * from "./guard-classifier.js";
export * from "./guard-calibration.js";
export * from "./guard-policy.js";
export * from "./guard-model.js";
export * from "./guard-wrapper.js";
export * from "./guard-check.js";
export * from "./guard-lm.js";
export * from "./guard-lm-judge.js";
export * from "./guard-lm-model.js";
export * from "./guard-lm-thread.js";
export * from "./guard-train.js";
