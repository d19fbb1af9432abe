// The explorer page's side of the server's JSON API (src/server/openai/explorer-app.ts): fetch helpers and the
// response shapes, restated from src/server/openai/explorer-protocol.ts (the page imports nothing from src/ outside
// src/web; the browser test checks these against the real server).
// Not here: rendering (pages/), wording (i18n.ts).

export interface TokenPiece { id: number; text: string }
export interface Candidate extends TokenPiece { prob: number; logprob: number }
export interface NextResult { promptTokens: number; tokens: TokenPiece[]; top: Candidate[]; mass: number; entropy: number; vocabSize: number }
export interface ScoredPiece extends TokenPiece { logprob: number | null }
export interface ScoredText { index: number; text: string; tokens: ScoredPiece[]; total: number; mean: number; perplexity: number }
export interface ScoreResult { ranked: ScoredText[] }
export interface SampleCandidate extends TokenPiece { prob: number; sampled: number }
export interface SampleResult { candidates: SampleCandidate[]; kept: number; keptMass: number; continuation: string; generated: TokenPiece[]; finishReason: string }
export interface LensCell { id: number; text: string; prob: number }
export interface AttentionResult { tokens: TokenPiece[]; layers: number; heads: number; probs: number[][][]; lens: LensCell[][] }
/** A run on the dashboard and which of its files exist: report card, data report, canaries.json, alignment.json. */
export interface RunInfo { name: string; report: boolean; data: boolean; canaries: boolean; alignment: boolean }
export interface AnswerResult { promptTokens: number; rendered: string; answer: string; tokens: number; totalLogprob: number; meanLogprob: number | null; finishReason: string }
export interface DataStage { name: string; docsIn: number; kept: number; removed: number; changed: number; reasons: Record<string, number> }
export interface DataReport { stages: DataStage[]; seconds: number | null; html: boolean }
export interface CanaryRow { id: string; control: boolean; repeats: number; fit: number; rank: number; maxExposure: number }
export interface Canaries { digits: number | null; samples: number | null; dedup: boolean; canaries: CanaryRow[]; curve: { step: number; canary: number | null; control: number | null }[] }
export interface Est { value: number | null; n: number; lo: number | null; hi: number | null }
export interface Alignment {
  judge: string | null;
  rows: { name: string; dnaSafe: Est | null; xstestAnswered: Est | null; instruct: Record<string, Est>; kl: Est | null }[];
  goals: { model: string; goal: string; value: number; met: boolean; shown?: string }[];
}
export interface Passage { n: number; docId: string; source: string; start: number; end: number; text: string; score: number }
export interface RagResult {
  answer: string; abstained: boolean; belowThreshold: boolean; relevance: number;
  citations: { n: number; marker: { start: number; end: number } }[]; sources: Passage[]; retrieved: Passage[];
}
export interface GuardResult {
  input: { unsafe: number; area: string; harmType: string; threshold: number; flagged: boolean; policy: { action: string; rule: string; text: string; lang: string } };
  output: { harmful: number; threshold: number; flagged: boolean } | null;
}
export interface CefrSentence { sentence: string; level: string; expected: number; probs: number[] }
/** POST /v1/cefr's answer (src/eval/cefr/levels-json.ts): per input, what `kotodama cefr --json` prints. */
export interface CefrAnswer {
  model: string;
  data: { level: string; distribution: Record<string, number>; hardest: Omit<CefrSentence, "probs">[]; sentences: CefrSentence[] }[];
}
/** POST /api/explorer/simplify's answer (src/server/openai/explorer-protocol.ts SimplifyResult). */
export interface SimplifyAnswer {
  source: string; output: string; target: string;
  diff: { op: "keep" | "del" | "ins"; text: string }[];
  sourceLevel: { level: string; probs: number[] } | null; outputLevel: { level: string; probs: number[] } | null; atOrBelow: boolean | null;
  aboveSource: string[]; aboveOutput: string[]; beams: number; settings: Record<string, number | boolean | string>;
}
export interface Info {
  models: string[];
  pages: string[];
  guard: boolean;
  runs: RunInfo[];
  limits: { attentionTokens: number; topK: number; texts: number; sampleTokens: number; answerTokens: number };
  /** True when serve has --label-out: the labelling page is at /label/. */
  label: boolean;
  /** True when serve has --cefr (the Simplify page's level constraint, rerank and levels). */
  cefr?: boolean;
}
export interface MetricsSlice { run: string; records: Record<string, unknown>[]; next: number; reset: boolean }

/** An answer the server refused, with its message. */
export class ApiFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const KEY = "kotodama.apiKey";
/** The API key the person typed (only when the server asks for one), kept for this tab. */
export const apiKey = {
  get: (): string => sessionStorage.getItem(KEY) ?? "",
  set: (k: string): void => sessionStorage.setItem(KEY, k),
};

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
  const key = apiKey.get();
  if (key !== "") headers.authorization = `Bearer ${key}`;
  const res = await fetch(path, { ...init, headers });
  // Reading the body may fail (an abort after the headers came): that failure propagates, never a null answer.
  const text = await res.text();
  let body: { error?: { message?: string } | string } | null;
  try {
    body = JSON.parse(text) as { error?: { message?: string } | string } | null;
  } catch {
    if (res.ok) throw new ApiFailure(res.status, `${path}: the answer is not JSON`);
    body = null;
  }
  if (!res.ok) {
    const e = body?.error;
    throw new ApiFailure(res.status, typeof e === "string" ? e : (e?.message ?? `HTTP ${res.status}`));
  }
  return body as T;
}

export const getJson = <T>(path: string, signal?: AbortSignal): Promise<T> => call<T>(path, signal === undefined ? {} : { signal });
export const postJson = <T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> =>
  call<T>(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), ...(signal === undefined ? {} : { signal }) });

/** A token's text with its invisible characters shown (space ␣, newline ↵, tab →). */
export const visible = (s: string): string => (s === "" ? "∅" : s.replace(/ /g, "␣").replace(/\n/g, "↵").replace(/\t/g, "→"));
