// Pairs to label and prompts to sample pairs for, read from JSON Lines: `{id?, prompt | messages, a, b}` and
// `{id?, prompt | messages}`. Every error names the file, the line and the field, and what was expected.
// Not here: the labels written back (labels.ts), sampling answers from a model (sample.ts).
import { readFileSync } from "node:fs";
import { KotodamaError } from "../../util/errors.js";

/** A pair's id as the --pairs file gives it (a string or an integer), or its line number when absent. */
export type PairId = string | number;

export type PromptRole = "system" | "user" | "assistant";

export interface PromptMessage {
  readonly role: PromptRole;
  readonly content: string;
}

/** The prompt both answers reply to: one text, or a conversation that ends with the user's turn. */
export type Prompted = { readonly prompt: string } | { readonly messages: readonly PromptMessage[] };

/** A prompt with its id (a --prompts line). */
export type PromptItem = Prompted & { readonly id: PairId };

/** Two answers to one prompt; the page shows a on the left and b on the right. */
export type PreferencePair = PromptItem & { readonly a: string; readonly b: string };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const show = (x: unknown): string => (x === undefined ? "nothing" : Array.isArray(x) ? "an array" : x === null ? "null" : typeof x === "object" ? "an object" : `${typeof x} ${JSON.stringify(x)}`.slice(0, 60));

/** A position in a JSON Lines file, for errors: "FILE:LINE: field "F": what was wrong". */
export class LineRef {
  constructor(readonly file: string, readonly line: number) {}
  fail(field: string | null, msg: string): never {
    throw new KotodamaError(`${this.file}:${this.line}: ${field === null ? "" : `field "${field}": `}${msg}`);
  }
  str(o: Record<string, unknown>, key: string, field = key): string {
    const v = o[key];
    if (typeof v !== "string") this.fail(field, `expected a string, got ${show(v)}`);
    return v;
  }
}

/** The non-empty JSON objects of a JSON Lines file with their 1-based line numbers. */
export function jsonlObjects(file: string, what: string): { ref: LineRef; o: Record<string, unknown> }[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new KotodamaError(`${what}: cannot read ${file} (${(e as Error).message})`);
  }
  const out: { ref: LineRef; o: Record<string, unknown> }[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const ref: LineRef = new LineRef(file, i + 1); // annotated: TypeScript narrows through a never-returning method only then
    let o: unknown = undefined;
    try {
      o = JSON.parse(line);
    } catch (e) {
      ref.fail(null, `not valid JSON (${(e as Error).message}); expected one JSON object per line`);
    }
    if (!isObj(o)) ref.fail(null, `expected a JSON object, got ${show(o)}`);
    out.push({ ref, o });
  });
  return out;
}

function messages(ref: LineRef, v: unknown): PromptMessage[] {
  if (!Array.isArray(v) || v.length === 0) ref.fail("messages", `expected a non-empty array of {role, content}, got ${show(v)}`);
  const out = v.map((m: unknown, i): PromptMessage => {
    const f = `messages[${i}]`;
    if (!isObj(m)) ref.fail(f, `expected an object {role, content}, got ${show(m)}`);
    for (const k of Object.keys(m)) if (k !== "role" && k !== "content") ref.fail(`${f}.${k}`, "unknown key; a message has role and content");
    const role = m.role;
    if (role !== "system" && role !== "user" && role !== "assistant") ref.fail(`${f}.role`, `expected "system", "user" or "assistant", got ${show(role)}`);
    return { role, content: ref.str(m, "content", `${f}.content`) };
  });
  if (out[out.length - 1]!.role !== "user") ref.fail(`messages[${out.length - 1}].role`, `the last message must be the user's (the answers reply to it), got ${show(out[out.length - 1]!.role)}`);
  return out;
}

/** The prompt and id of one line; `extra` are the other keys the line may have. */
export function promptItem(ref: LineRef, o: Record<string, unknown>, extra: readonly string[]): PromptItem {
  const keys = ["id", "prompt", "messages", ...extra];
  for (const k of Object.keys(o)) if (!keys.includes(k)) ref.fail(k, `unknown key (expected ${keys.join(", ")})`);
  const id = o.id ?? ref.line;
  if (!(typeof id === "string" && id !== "") && !Number.isSafeInteger(id)) ref.fail("id", `expected a non-empty string or an integer, got ${show(id)}`);
  if ("prompt" in o && "messages" in o) ref.fail("messages", 'give either "prompt" or "messages", not both');
  if ("messages" in o) return { id: id as PairId, messages: messages(ref, o.messages) };
  if (!("prompt" in o)) ref.fail("prompt", 'missing: give "prompt" (a string) or "messages" (a conversation ending with the user)');
  return { id: id as PairId, prompt: ref.str(o, "prompt") };
}

function uniqueIds<T extends { readonly id: PairId }>(items: readonly { ref: LineRef; item: T }[]): T[] {
  const seen = new Map<string, number>();
  for (const { ref, item } of items) {
    const key = JSON.stringify(item.id);
    const first = seen.get(key);
    if (first !== undefined) ref.fail("id", `duplicate id ${key} (first on line ${first}); ids must be unique`);
    seen.set(key, ref.line);
  }
  return items.map((x) => x.item);
}

/** Reads a --pairs file: `{id?, prompt | messages, a, b}` a line. An absent id is the line number. */
export function readPairs(file: string): PreferencePair[] {
  const rows = jsonlObjects(file, "--pairs").map(({ ref, o }) => ({ ref, item: { ...promptItem(ref, o, ["a", "b"]), a: ref.str(o, "a"), b: ref.str(o, "b") } }));
  if (rows.length === 0) throw new KotodamaError(`${file}: no pairs (the file is empty); expected {id?, prompt | messages, a, b} a line`);
  return uniqueIds(rows);
}

/** Reads a --prompts file: `{id?, prompt | messages}` a line. */
export function readPrompts(file: string): PromptItem[] {
  const rows = jsonlObjects(file, "--prompts").map(({ ref, o }) => ({ ref, item: promptItem(ref, o, []) }));
  if (rows.length === 0) throw new KotodamaError(`${file}: no prompts (the file is empty); expected {id?, prompt | messages} a line`);
  return uniqueIds(rows);
}

/** The prompt part of an item as its own object (the key order of the output lines). */
export const promptOf = (p: Prompted): Prompted => ("messages" in p ? { messages: p.messages } : { prompt: p.prompt });
