// One instruction-tuning example as written to train.jsonl and heldout/<task>.jsonl: the chat messages, where it
// came from, its licence and the task's checkable fields; the validator every reader and writer goes through.
// Not here: building examples from the data sets (sources.ts, stories.ts) or choosing splits (split.ts).
import { readFileSync } from "node:fs";
import { validateMessages } from "../../tokenizer/chat-template.js";
import { FormatError, KotodamaError } from "../../util/errors.js";

export const TASKS = ["self-instruct", "cefr-level", "simplify", "story-continue", "story-words", "ja-continue", "ja-quotes", "safety-refusal", "hh-harmless", "borderline", "contrast", "reading"] as const;
export type TaskName = (typeof TASKS)[number];

export const SOURCES = ["self-instruct", "cefr-sp", "asset", "tinystories", "aozora", "do-not-answer", "hh-rlhf", "kotodama-borderline", "kotodama-contrast", "kotodama-reading"] as const;
export type SourceName = (typeof SOURCES)[number];

export type Role = "system" | "user" | "assistant";
export interface Message {
  readonly role: Role;
  readonly content: string;
}

/** Task-specific fields a later evaluation checks the model's output against. */
export interface CheckFields {
  /** story-words: lower-case words that must occur (whole word, any case) in the story. */
  readonly required_words?: readonly string[];
  /** cefr-level: the answer (A1…C2) and the two annotators' levels it was combined from. */
  readonly cefr_level?: string;
  readonly cefr_annotators?: readonly [string, string];
  /** Held-out reference outputs (ASSET: all 10 simplifications, for SARI / ROUGE-L). */
  readonly references?: readonly string[];
  /** ja-quotes: the 「…」 quotations in order. */
  readonly expected_quotes?: readonly string[];
  /** do-not-answer: the stratum and which labelled response was used. */
  readonly risk_area?: string;
  readonly types_of_harm?: string;
  readonly response_model?: string;
  readonly response_action?: number;
  /** aozora: the work's file and title. */
  readonly work?: string;
  /** reading: which source [n] holds the answer and where, in code points of that source's text. */
  readonly answer_span?: { readonly source: number; readonly start: number; readonly end: number; readonly text: string };
}

export interface InstructExample extends CheckFields {
  /** "<source>:<id inside the source>", unique over train and held-out. */
  readonly id: string;
  readonly task: TaskName;
  readonly source: SourceName;
  /** SPDX-like licence of the text this example is built from (per example: CEFR-SP mixes two). */
  readonly licence: string;
  readonly messages: readonly Message[];
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const KNOWN_KEYS = new Set(["id", "task", "source", "licence", "messages", "required_words", "cefr_level", "cefr_annotators", "references", "expected_quotes", "risk_area", "types_of_harm", "response_model", "response_action", "work", "answer_span"]);

/** Checks the chat shape SFT relies on: an optional system message first, then user and assistant alternating,
 *  starting with user and ending with assistant (the response the loss is put on), every content non-empty. */
export function checkConversation(messages: readonly Message[], where: string): void {
  let i = 0;
  if (messages[0]?.role === "system") i = 1;
  if (messages.length - i < 2) throw new KotodamaError(`${where}: needs at least a user and an assistant message`);
  for (let j = i; j < messages.length; j++) {
    const want: Role = (j - i) % 2 === 0 ? "user" : "assistant";
    const m = messages[j]!;
    if (m.role !== want) throw new KotodamaError(`${where}: messages[${j}] has role '${m.role}', expected '${want}' (roles alternate user/assistant after an optional system message)`);
    if (m.content.trim() === "") throw new KotodamaError(`${where}: messages[${j}] (${m.role}) is empty`);
  }
  if (messages[messages.length - 1]!.role !== "assistant") throw new KotodamaError(`${where}: the last message must be the assistant's`);
}

/** Validates a parsed JSON value as an InstructExample; `where` (e.g. "train.jsonl:12") starts every error. */
export function parseExample(v: unknown, where: string): InstructExample {
  if (!isObj(v)) throw new KotodamaError(`${where}: expected a JSON object`);
  for (const k of Object.keys(v)) if (!KNOWN_KEYS.has(k)) throw new KotodamaError(`${where}: '${k}' is not a known key`);
  const { id, task, source, licence } = v;
  if (typeof id !== "string" || !id.includes(":")) throw new KotodamaError(`${where}: 'id' must be a string "<source>:<id>"`);
  if (typeof task !== "string" || !(TASKS as readonly string[]).includes(task)) throw new KotodamaError(`${where}: 'task' must be one of ${TASKS.join(", ")}`);
  if (typeof source !== "string" || !(SOURCES as readonly string[]).includes(source)) throw new KotodamaError(`${where}: 'source' must be one of ${SOURCES.join(", ")}`);
  if (typeof licence !== "string" || licence === "") throw new KotodamaError(`${where}: 'licence' must be a non-empty string`);
  const msgs = validateMessages(v.messages, `${where}: messages`).map((m, i): Message => {
    if (m.role !== "system" && m.role !== "user" && m.role !== "assistant") throw new KotodamaError(`${where}: messages[${i}].role must be system, user or assistant`);
    if (typeof m.content !== "string") throw new KotodamaError(`${where}: messages[${i}].content must be a string`);
    return { role: m.role, content: m.content };
  });
  checkConversation(msgs, where);
  for (const k of ["required_words", "references", "expected_quotes"] as const) {
    const a = v[k];
    if (a !== undefined && (!Array.isArray(a) || a.some((x) => typeof x !== "string"))) throw new KotodamaError(`${where}: '${k}' must be an array of strings`);
  }
  // The shape is checked key by key above; the spread keeps the optional check fields as they are.
  return { ...(v as Partial<InstructExample>), id, task: task as TaskName, source: source as SourceName, licence, messages: msgs };
}

/** Reads and validates a JSONL file of examples; errors name the file and the line. */
export function readExamples(file: string): InstructExample[] {
  const out: InstructExample[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch (e) {
        throw new FormatError(`${file}:${i + 1}`, `not JSON (${(e as Error).message})`);
      }
      out.push(parseExample(v, `${file}:${i + 1}`));
    });
  return out;
}
