// Preference pairs as JSON Lines, the one format every preference consumer reads (DPO now; the reward model and
// PPO/GRPO later) and every producer writes (`kotodama data prefs`, the `kotodama label` page): the schema, the
// validating line parser (errors name the file, line and field) and the file reader.
// Not here: building pairs from data sets (build.ts) or turning them into token rows (train/dpo/pairs.ts).
//
// A line: {"prompt": str, "chosen": str, "rejected": str}, or "messages": [{role, content}, ...] (the
// conversation before the answer: optional system message, then user/assistant turns ending with the user's)
// instead of "prompt". Optional: "id" (string or integer), "source", "licence", "tags" (strings), "tie" (the
// two answers were judged equal: chosen/rejected hold them in left/right order), "skip" (a labeller skipped
// the pair; chosen/rejected may then be absent). Ties and skips are read but never trained on.
import { readFileSync } from "node:fs";
import { FormatError } from "../../util/errors.js";

export type PrefRole = "system" | "user" | "assistant";

export interface PrefMessage {
  readonly role: PrefRole;
  readonly content: string;
}

/** One validated line. `messages` is the prompt as a conversation (a "prompt" line becomes one user message). */
export interface PrefPair {
  readonly messages: readonly PrefMessage[];
  readonly chosen: string;
  readonly rejected: string;
  readonly id?: string;
  readonly source?: string;
  readonly licence?: string;
  readonly tags?: readonly string[];
  /** "FILE:LINE", for messages about this pair. */
  readonly where: string;
}

/** A file's usable pairs, and how many lines were ties or skips (kept out of training). */
export interface PrefsFile {
  readonly path: string;
  readonly pairs: readonly PrefPair[];
  readonly ties: number;
  readonly skips: number;
}

const KNOWN = new Set(["prompt", "messages", "chosen", "rejected", "id", "source", "licence", "tags", "tie", "skip"]);

function fail(where: string, field: string, expected: string): never {
  throw new FormatError(where, `'${field}' ${expected}`);
}

function promptMessages(v: Record<string, unknown>, where: string): PrefMessage[] {
  const hasPrompt = v.prompt !== undefined;
  const hasMessages = v.messages !== undefined;
  if (hasPrompt === hasMessages) throw new FormatError(where, "needs exactly one of 'prompt' (a string) or 'messages' (an array of {role, content})");
  if (hasPrompt) {
    if (typeof v.prompt !== "string" || v.prompt.trim() === "") fail(where, "prompt", "must be a non-empty string");
    return [{ role: "user", content: v.prompt }];
  }
  if (!Array.isArray(v.messages) || v.messages.length === 0) fail(where, "messages", "must be a non-empty array of {role, content}");
  const ms = v.messages.map((m: unknown, i): PrefMessage => {
    const f = `messages[${i}]`;
    if (m === null || typeof m !== "object" || Array.isArray(m)) fail(where, f, "must be an object {role, content}");
    const o = m as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== "role" && k !== "content") fail(where, `${f}.${k}`, "is not a known key (expected role, content)");
    if (o.role !== "system" && o.role !== "user" && o.role !== "assistant") fail(where, `${f}.role`, "must be system, user or assistant");
    if (typeof o.content !== "string" || o.content.trim() === "") fail(where, `${f}.content`, "must be a non-empty string");
    return { role: o.role, content: o.content };
  });
  const first = ms[0]!.role === "system" ? 1 : 0;
  for (let j = first; j < ms.length; j++) {
    const want: PrefRole = (j - first) % 2 === 0 ? "user" : "assistant";
    if (ms[j]!.role !== want) fail(where, `messages[${j}].role`, `must be '${want}' (turns alternate user/assistant after an optional system message)`);
  }
  if (ms[ms.length - 1]!.role !== "user") fail(where, "messages", "must end with a user message (the answers are the next assistant turn)");
  return ms;
}

/** Validates one parsed line. Returns the pair, or "tie" / "skip" for lines that are not trained on. */
export function parsePrefLine(v: unknown, where: string): PrefPair | "tie" | "skip" {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new FormatError(where, "expected a JSON object {prompt | messages, chosen, rejected}");
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) fail(where, k, `is not a known key (expected ${[...KNOWN].join(", ")})`);
  for (const k of ["tie", "skip"] as const) if (o[k] !== undefined && typeof o[k] !== "boolean") fail(where, k, "must be true or false");
  if (o.id !== undefined && typeof o.id !== "string" && !Number.isSafeInteger(o.id)) fail(where, "id", "must be a string or an integer");
  for (const k of ["source", "licence"] as const) if (o[k] !== undefined && typeof o[k] !== "string") fail(where, k, "must be a string");
  if (o.tags !== undefined && (!Array.isArray(o.tags) || o.tags.some((t) => typeof t !== "string"))) fail(where, "tags", "must be an array of strings");
  if (o.skip === true) return "skip";
  const messages = promptMessages(o, where);
  for (const k of ["chosen", "rejected"] as const) if (typeof o[k] !== "string" || o[k].trim() === "") fail(where, k, "must be a non-empty string");
  if (o.tie === true) return "tie";
  return {
    messages,
    chosen: o.chosen as string,
    rejected: o.rejected as string,
    ...(o.id !== undefined ? { id: String(o.id) } : {}),
    ...(o.source !== undefined ? { source: o.source as string } : {}),
    ...(o.licence !== undefined ? { licence: o.licence as string } : {}),
    ...(o.tags !== undefined ? { tags: o.tags as string[] } : {}),
    where,
  };
}

/** Parses preference JSON Lines text (blank lines ignored); `file` names the source in errors. */
export function parsePrefs(text: string, file: string): PrefsFile {
  const pairs: PrefPair[] = [];
  let ties = 0;
  let skips = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") return;
    const where = `${file}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new FormatError(where, `not JSON (${(e as Error).message})`);
    }
    const p = parsePrefLine(v, where);
    if (p === "tie") ties++;
    else if (p === "skip") skips++;
    else pairs.push(p);
  });
  return { path: file, pairs, ties, skips };
}

/** Reads and validates a preference JSONL file. */
export function readPrefsFile(path: string): PrefsFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new FormatError(path, `cannot read preference pairs: ${(e as Error).message}`);
  }
  return parsePrefs(text, path);
}

/** The JSON line of a pair as the builders write it ("prompt" for a single user turn, else "messages"). */
export function prefLine(p: Omit<PrefPair, "where">): string {
  const single = p.messages.length === 1 && p.messages[0]!.role === "user";
  const o = {
    ...(single ? { prompt: p.messages[0]!.content } : { messages: p.messages }),
    chosen: p.chosen,
    rejected: p.rejected,
    ...(p.id !== undefined ? { id: p.id } : {}),
    ...(p.source !== undefined ? { source: p.source } : {}),
    ...(p.licence !== undefined ? { licence: p.licence } : {}),
    ...(p.tags !== undefined ? { tags: p.tags } : {}),
  };
  return JSON.stringify(o);
}
