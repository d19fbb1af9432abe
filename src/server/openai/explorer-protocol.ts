// The explorer's jobs for the inference worker and their results, plain structured-cloneable data like the rest of
// protocol.ts: the next-token distribution, per-token scores and a ranking, the sampling distribution with a
// sampled continuation, attention maps with the logit lens, and a chat model's greedy answer. The page reads these shapes as JSON.
// Not here: what they compute (explorer-jobs.ts), request parsing and routes (explorer-requests.ts, explorer-app.ts).

/** Settings of the sampling playground (src/infer/options.ts keys). */
export interface SamplingSettings {
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly minP: number;
  readonly seed: number;
  readonly maxTokens: number;
}

export type ExploreJob =
  | { readonly kind: "explore.next"; readonly prompt: string; readonly k: number }
  | { readonly kind: "explore.score"; readonly texts: readonly string[] }
  | { readonly kind: "explore.sample"; readonly prompt: string; readonly sampling: SamplingSettings; readonly show: number }
  | { readonly kind: "explore.attention"; readonly prompt: string }
  | { readonly kind: "explore.rag"; readonly question: string; readonly k: number; readonly mode: "generate" | "extract" }
  | { readonly kind: "explore.answer"; readonly prompt: string; readonly maxTokens: number; readonly seed: number }
  | { readonly kind: "explore.simplify"; readonly text: string; readonly level: number; readonly method: SimplifyMethod; readonly constrained: boolean; readonly rerank: boolean };

/** How the Simplify page decodes: the model's free greedy answer, or deletion-only edits of the source. */
export type SimplifyMethod = "free" | "delete";

/** A token as the page shows it: its id and its own text (its UTF-8 bytes decoded, lossy for partial characters). */
export interface TokenPiece {
  readonly id: number;
  readonly text: string;
}

export interface Candidate extends TokenPiece {
  readonly prob: number;
  readonly logprob: number;
}

export interface NextResult {
  readonly kind: "explore.next";
  readonly promptTokens: number;
  readonly tokens: readonly TokenPiece[];
  /** The k likeliest next tokens, likeliest first. */
  readonly top: readonly Candidate[];
  /** Σ p over `top`. */
  readonly mass: number;
  /** −Σ p ln p over the whole vocabulary, in nats (bits = nats / ln 2). */
  readonly entropy: number;
  readonly vocabSize: number;
}

export interface ScoredPiece extends TokenPiece {
  /** log p(token | the tokens before it); null for the first token. */
  readonly logprob: number | null;
}

export interface ScoredText {
  /** Its position in the request. */
  readonly index: number;
  readonly text: string;
  readonly tokens: readonly ScoredPiece[];
  readonly total: number;
  readonly mean: number;
  readonly perplexity: number;
}

export interface ScoreResult {
  readonly kind: "explore.score";
  readonly promptTokens: number;
  /** Most natural first (src/infer/score.ts rankTexts). */
  readonly ranked: readonly ScoredText[];
}

export interface SampleCandidate extends TokenPiece {
  /** The model's own probability. */
  readonly prob: number;
  /** After temperature, top-k, top-p, min-p and renormalization (0: filtered out). */
  readonly sampled: number;
}

export interface SampleResult {
  readonly kind: "explore.sample";
  readonly promptTokens: number;
  /** The `show` likeliest tokens under the model, with both probabilities. */
  readonly candidates: readonly SampleCandidate[];
  /** Tokens the sampler may still pick (1 when greedy). */
  readonly kept: number;
  /** The model's probability mass on the kept tokens. */
  readonly keptMass: number;
  readonly continuation: string;
  readonly generated: readonly TokenPiece[];
  readonly finishReason: string;
}

export interface LensCell {
  readonly id: number;
  readonly text: string;
  readonly prob: number;
}

export interface AttentionResult {
  readonly kind: "explore.attention";
  readonly promptTokens: number;
  readonly tokens: readonly TokenPiece[];
  readonly layers: number;
  readonly heads: number;
  /** probs[l][h] is the (T, T) map, row = query position, column = key position, flattened row by row. */
  readonly probs: readonly (readonly (readonly number[])[])[];
  /** lens[l][t]: the top next-token prediction at position t read off layer l's output through the final norm and
   *  the LM head (l = layers − 1 is the model's own prediction). */
  readonly lens: readonly (readonly LensCell[])[];
}

/** A passage of the index (src/rag): where it is in its document, in code points, end exclusive. */
export interface Passage {
  readonly n: number;
  readonly docId: string;
  readonly source: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly score: number;
}

export interface RagResult {
  readonly kind: "explore.rag";
  readonly promptTokens: number;
  readonly answer: string;
  readonly abstained: boolean;
  readonly belowThreshold: boolean;
  readonly relevance: number;
  /** Each [n] in the answer: the source it cites and where the marker is in the answer (code points). */
  readonly citations: readonly { readonly n: number; readonly marker: { readonly start: number; readonly end: number } }[];
  /** The sources as numbered for the answer. */
  readonly sources: readonly Passage[];
  /** Everything retrieved, best first (n: its rank). */
  readonly retrieved: readonly Passage[];
}

/** One model's greedy answer to a user turn, rendered with its chat template (the Instruction tuning page). */
export interface AnswerResult {
  readonly kind: "explore.answer";
  readonly promptTokens: number;
  /** The prompt as the model saw it: the chat template's rendering of the one user turn, decoded. */
  readonly rendered: string;
  readonly answer: string;
  /** Generated tokens (the end-of-turn token, when reached, not counted). */
  readonly tokens: number;
  /** Σ log p of the generated tokens under the model (natural log), and that sum over `tokens` (null for none). */
  readonly totalLogprob: number;
  readonly meanLogprob: number | null;
  /** "stop": the model ended its turn; "length": maxTokens reached. */
  readonly finishReason: string;
}

/** A level judged by the CEFR classifier: the hardest sentence's level and its probabilities A1…C2. */
export interface JudgedLevel {
  readonly level: string;
  readonly probs: readonly number[];
}

export interface SimplifyResult {
  readonly kind: "explore.simplify";
  readonly promptTokens: number;
  readonly source: string;
  readonly output: string;
  /** The target level's name (A1…C2). */
  readonly target: string;
  /** Word-level diff (eval/cefr/word-diff.ts): keep + del spell the source, keep + ins the output. */
  readonly diff: readonly { readonly op: "keep" | "del" | "ins"; readonly text: string }[];
  /** By the CEFR classifier (serve --cefr), else null. */
  readonly sourceLevel: JudgedLevel | null;
  readonly outputLevel: JudgedLevel | null;
  readonly atOrBelow: boolean | null;
  /** Words above the target by the classifier's lexicon (serve --cefr), in the source and in the output. */
  readonly aboveSource: readonly string[];
  readonly aboveOutput: readonly string[];
  readonly beams: number;
  /** The settings the method used (docs/applications.md). */
  readonly settings: Readonly<Record<string, number | boolean | string>>;
}

export type ExploreResult = NextResult | ScoreResult | SampleResult | AttentionResult | RagResult | AnswerResult | SimplifyResult;
