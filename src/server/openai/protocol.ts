// The messages between the server's event loop and its inference worker (worker_threads): jobs in, per-token events
// and one final result or error out, all plain structured-cloneable data. Not here: who sends them (queue.ts,
// worker.ts) or what they compute (run-job.ts).
import type { CefrTextJson } from "../../eval/cefr/levels-json.js";
import type { ConstraintSpec } from "../../infer/index.js";
import type { ChatMessage } from "../../tokenizer/index.js";
import type { ApiErrorData } from "./errors.js";
import type { ExploreJob, ExploreResult } from "./explorer-protocol.js";

/** A model the server may load: its public name and its resolved path (never sent to clients). */
export interface ModelSpec {
  readonly name: string;
  readonly path: string;
}

/** Sampling and stopping for a job, as keys of src/infer/options.ts GenerateOptions (parsed again in the worker). */
export type SamplingFields = Readonly<Record<string, unknown>>;

/** A prompt: text (the tokenizer adds its BOS) or token ids (used as they are). */
export type PromptInput = string | readonly number[];

/** Beam search for a generation job (beam-request.ts): `beams` hypotheses, the job's n best returned as its
 *  choices, ranked by logprob / length^alpha, under lexical constraints (clauses of alternatives; excluded phrases). */
export interface BeamRequest {
  readonly beams: number;
  readonly alpha: number;
  readonly include: readonly (readonly string[])[];
  readonly exclude: readonly string[];
}

export interface CompleteJob {
  readonly kind: "complete";
  readonly prompts: readonly PromptInput[];
  readonly n: number;
  readonly echo: boolean;
  /** Alternatives per token (OpenAI's integer `logprobs`); null: no logprobs at all. */
  readonly logprobs: number | null;
  /** Tokens to generate; null: the server's cap (within the context). */
  readonly maxTokens: number | null;
  readonly sampling: SamplingFields;
  /** response_format / grammar: the output's grammar (null: free text). */
  readonly constraint: ConstraintSpec | null;
  /** Beam search instead of sampling (null: sample). */
  readonly beam: BeamRequest | null;
  /** copy_from: the output must be a span of one of these texts (absent or null: free). */
  readonly copyFrom?: readonly string[] | null;
}

export interface ChatJob {
  readonly kind: "chat";
  readonly messages: readonly ChatMessage[];
  readonly n: number;
  readonly logprobs: boolean;
  readonly topLogprobs: number;
  readonly maxTokens: number | null;
  readonly sampling: SamplingFields;
  readonly constraint: ConstraintSpec | null;
  readonly beam: BeamRequest | null;
  /** copy_from: the output must be a span of one of these texts (absent or null: free). */
  readonly copyFrom?: readonly string[] | null;
}

export interface EmbedJob {
  readonly kind: "embed";
  readonly inputs: readonly PromptInput[];
}

/** CEFR levels of texts (POST /v1/cefr), by the server's CEFR classifier (serve --cefr), not a served model. */
export interface CefrJob {
  readonly kind: "cefr";
  readonly texts: readonly string[];
}

/** The explorer's jobs (explorer-protocol.ts) travel the same queue. */
export type JobBody = CompleteJob | ChatJob | EmbedJob | CefrJob | ExploreJob;
/** A job as sent: `stream` asks for a TokenEvent per token (otherwise only the result comes back). */
export type Job = JobBody & { readonly id: number; readonly model: string; readonly stream: boolean };

/** One token's log-probability and alternatives; `token` is its own text (UTF-8 bytes, lossy), `bytes` those bytes. */
export interface TokenAlt {
  readonly token: string;
  readonly bytes: readonly number[];
  readonly logprob: number;
}
export interface TokenInfo extends TokenAlt {
  readonly top: readonly TokenAlt[];
}

/** A generated token of choice `index`: the text it made printable ("" while held back) and, when asked, its
 *  logprobs (absent for the released tail of held-back text, which is no token). */
export interface TokenEvent {
  readonly type: "token";
  readonly job: number;
  readonly index: number;
  /** The token id; −1 for the released tail of held-back text. */
  readonly id: number;
  readonly text: string;
  readonly info: TokenInfo | null;
}

export type FinishReasonOut = "stop" | "length" | "cancelled";

export interface ChoiceResult {
  readonly index: number;
  readonly text: string;
  readonly finishReason: FinishReasonOut;
  /** Prompt tokens (echo with logprobs; the first has logprob null), then the generated ones. A prompt token's
   *  `offset` is where it starts in the echoed text (tokenizer/offsets.ts), when the tokens spell that text. */
  readonly promptTokens: readonly (TokenInfo & { readonly first: boolean; readonly offset?: number })[];
  /** Length of the echoed prompt at the start of `text` (0 without echo): where the generated tokens' offsets start. */
  readonly echoChars?: number;
  readonly tokens: readonly TokenInfo[];
}

export interface GenerationResult {
  readonly kind: "complete" | "chat";
  readonly choices: readonly ChoiceResult[];
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cancelled: boolean;
}

export interface EmbedResult {
  readonly kind: "embed";
  readonly vectors: readonly (readonly number[])[];
  readonly promptTokens: number;
}

export interface CefrResult {
  readonly kind: "cefr";
  /** Per text, what `kotodama cefr --json` prints for it (eval/cefr/levels-json.ts). */
  readonly texts: readonly CefrTextJson[];
  /** Tokens the classifier read (every sentence, capped at its context). */
  readonly promptTokens: number;
}

export type JobResult = GenerationResult | EmbedResult | CefrResult | ExploreResult;

export type WorkerEvent =
  | { readonly type: "ready" }
  | TokenEvent
  | { readonly type: "done"; readonly job: number; readonly result: JobResult }
  | { readonly type: "error"; readonly job: number; readonly error: ApiErrorData }
  | { readonly type: "models"; readonly loaded: readonly string[]; readonly bytes: number }
  /** A batched decode step of `size` sequences ran (continuous batching; for the batch-size metric). */
  | { readonly type: "step"; readonly size: number };

/** What the queue sends the worker: a job to start, or the id of a running job to stop (between tokens). */
export type WorkerCommand = { readonly type: "job"; readonly job: Job } | { readonly type: "cancel"; readonly job: number };

/** What the worker is started with (workerData). */
export interface WorkerInit {
  readonly models: readonly ModelSpec[];
  /** Kernel threads of the native pool (null: all cores). */
  readonly threads: number | null;
  readonly maxModels: number;
  /** Bytes of weights kept loaded at most (null: no limit beyond maxModels). */
  readonly maxModelBytes: number | null;
  readonly maxTokens: number;
  /** Int32 [0]: the id of a job to cancel, read between tokens by a job that generates alone (max batch 1, where
   *  the port is not read mid-job); batched jobs hear a "cancel" command instead. */
  readonly cancel: SharedArrayBuffer;
  /** Sequences decoded together at most (serve --max-batch; 1: one generation at a time, computed alone). */
  readonly maxBatch: number;
  /** The CEFR classifier of `serve --cefr` (POST /v1/cefr; a job's model is its name), or null. */
  readonly cefr: ModelSpec | null;
  /** The retrieval index folder of `serve --rag` (the explorer's Retrieval page), or null. */
  readonly rag: string | null;
  /** Milliseconds to sleep after each token (0; tests use it to make a generation long enough to interrupt). */
  readonly tokenDelayMs: number;
}
