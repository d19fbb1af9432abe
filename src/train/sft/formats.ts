// Instruction-tuning data files read into chat conversations: Alpaca {instruction, input, output}, chat
// {messages: [{role, content}]}, {prompt, completion} (JSON Lines, one example a line) and Super-NaturalInstructions
// task files (one JSON object; k positive examples sampled per instance with a seeded RNG). The format is detected
// per file, and every error names the file, the line (the field path in an SNI file) and the field.
// Not here: templates, tokens or masks (examples.ts).
import { readFileSync } from "node:fs";
import { KotodamaError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";

export type SftRole = "system" | "user" | "assistant";

export type SftMessage = {
  readonly role: SftRole;
  readonly content: string;
};

export interface SftExample {
  readonly messages: readonly SftMessage[];
  /** "FILE:LINE" (JSONL) or "FILE:Instances[i]" (SNI), for messages about this example. */
  readonly where: string;
}

export type SftFormat = "alpaca" | "chat" | "prompt-completion" | "sni";

export interface SftFile {
  readonly path: string;
  readonly format: SftFormat;
  readonly examples: readonly SftExample[];
}

export interface ReadSftOptions {
  /** Positive examples shown before each SNI instance (the "Def + Pos(k)" encoding of Wang et al. 2022). */
  readonly sniShots?: number;
  /** Seed of the SNI k-shot sampling. */
  readonly seed?: number;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const show = (x: unknown): string => (x === undefined ? "nothing" : Array.isArray(x) ? "an array" : x === null ? "null" : typeof x === "object" ? "an object" : `${typeof x} ${JSON.stringify(x)}`.slice(0, 60));

/** The keys each JSON Lines format allows (all required except Alpaca's input, which may be absent or ""). */
const LINE_KEYS: Readonly<Record<Exclude<SftFormat, "sni">, readonly string[]>> = {
  alpaca: ["instruction", "input", "output"],
  chat: ["messages"],
  "prompt-completion": ["prompt", "completion"],
};

function lineFormat(o: Record<string, unknown>): Exclude<SftFormat, "sni"> | null {
  if ("messages" in o) return "chat";
  if ("instruction" in o || "output" in o) return "alpaca";
  if ("prompt" in o || "completion" in o) return "prompt-completion";
  return null;
}

class Where {
  constructor(readonly file: string, readonly at: string) {}
  fail(field: string, msg: string): never {
    throw new KotodamaError(`${this.file}:${this.at}: field "${field}": ${msg}`);
  }
  str(o: Record<string, unknown>, key: string, field = key, allowEmpty = false): string {
    const v = o[key];
    if (typeof v !== "string") this.fail(field, `expected a string, got ${show(v)}`);
    if (!allowEmpty && v.trim() === "") this.fail(field, "must not be empty");
    return v;
  }
}

function chatMessages(w: Where, v: unknown): SftMessage[] {
  if (!Array.isArray(v) || v.length === 0) w.fail("messages", `expected a non-empty array of {role, content}, got ${show(v)}`);
  const out = v.map((m: unknown, i): SftMessage => {
    const f = `messages[${i}]`;
    if (!isObj(m)) w.fail(f, `expected an object {role, content}, got ${show(m)}`);
    for (const k of Object.keys(m)) if (k !== "role" && k !== "content") w.fail(`${f}.${k}`, "unknown key; a message has role and content");
    const role = m.role;
    if (role !== "system" && role !== "user" && role !== "assistant") w.fail(`${f}.role`, `expected "system", "user" or "assistant", got ${show(role)}`);
    if (role === "system" && i !== 0) w.fail(`${f}.role`, "a system message may only come first");
    return { role, content: w.str(m, "content", `${f}.content`, role !== "assistant") };
  });
  if (!out.some((m) => m.role === "assistant")) w.fail("messages", "no assistant message: nothing to learn from");
  if (out[out.length - 1]!.role !== "assistant") w.fail(`messages[${out.length - 1}].role`, "the last message must be the assistant's (a trailing prompt gets no loss)");
  return out;
}

function lineExample(w: Where, format: Exclude<SftFormat, "sni">, o: Record<string, unknown>): SftMessage[] {
  for (const k of Object.keys(o)) if (!LINE_KEYS[format].includes(k)) w.fail(k, `unknown key for the ${format} format (expected ${LINE_KEYS[format].join(", ")})`);
  switch (format) {
    case "chat":
      return chatMessages(w, o.messages);
    case "alpaca": {
      const instruction = w.str(o, "instruction");
      const input = o.input === undefined ? "" : w.str(o, "input", "input", true);
      // Stanford Alpaca's two prompts (with and without input) differ only by the input block; as chat, the
      // input follows the instruction after a blank line.
      return [{ role: "user", content: input.trim() === "" ? instruction : `${instruction}\n\n${input}` }, { role: "assistant", content: w.str(o, "output") }];
    }
    case "prompt-completion":
      return [{ role: "user", content: w.str(o, "prompt") }, { role: "assistant", content: w.str(o, "completion") }];
  }
}

function readJsonl(path: string, text: string): SftFile {
  let format: Exclude<SftFormat, "sni"> | null = null;
  const examples: SftExample[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const w: Where = new Where(path, String(i + 1));
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new KotodamaError(`${path}:${i + 1}: not valid JSON (${(e as Error).message}); expected one JSON object per line`);
    }
    if (!isObj(o)) throw new KotodamaError(`${path}:${i + 1}: expected a JSON object, got ${show(o)}`);
    const f = lineFormat(o);
    if (format === null) {
      if (f === null) throw new KotodamaError(`${path}:${i + 1}: unknown example format with keys ${Object.keys(o).join(", ") || "(none)"}; expected {instruction, input, output}, {messages}, {prompt, completion}, or an SNI task file`);
      format = f;
    } else if (f !== format) {
      w.fail(Object.keys(o)[0] ?? "(none)", `this line is not in the file's ${format} format (set by its first example)`);
    }
    examples.push({ messages: lineExample(w, format, o), where: `${path}:${i + 1}` });
  });
  if (format === null) throw new KotodamaError(`${path}: no examples (the file is empty)`);
  return { path, format, examples };
}

/** Definition: a string or a list of strings (the SNI files hold a one-element list). */
function strOrList(w: Where, v: unknown, field: string): string {
  if (typeof v === "string" && v.trim() !== "") return v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string")) return v.join("\n");
  return w.fail(field, `expected a string or a non-empty list of strings, got ${show(v)}`);
}

interface Shot {
  readonly input: string;
  readonly output: string;
}

function sniExamples(w: Where, v: unknown, field: string): Shot[] {
  if (!Array.isArray(v)) w.fail(field, `expected a list of {input, output, explanation}, got ${show(v)}`);
  return v.map((e: unknown, i): Shot => {
    if (!isObj(e)) w.fail(`${field}[${i}]`, `expected an object {input, output}, got ${show(e)}`);
    return { input: w.str(e, "input", `${field}[${i}].input`), output: w.str(e, "output", `${field}[${i}].output`) };
  });
}

/** The user turn of an SNI instance: definition, k demonstrations, the instance (Wang et al. 2022, Appendix: the
 *  "Definition / Positive Example / Now complete the following example" encoding). */
function sniPrompt(definition: string, shots: readonly Shot[], input: string): string {
  const demos = shots.map((s, i) => `Positive Example ${i + 1} -\nInput: ${s.input}\nOutput: ${s.output}\n\n`).join("");
  return `Definition: ${definition}\n\n${demos}Now complete the following example -\nInput: ${input}\nOutput:`;
}

function readSni(path: string, task: Record<string, unknown>, k: number, seed: number): SftFile {
  // Real task files carry metadata keys (Contributors, Source, Categories, ...); only these four are read.
  const w: Where = new Where(path, "task"); // annotated: TypeScript narrows through a never-returning method only then
  const definition = strOrList(w, task.Definition, "Definition");
  const positives = sniExamples(w, task["Positive Examples"], "Positive Examples");
  sniExamples(w, task["Negative Examples"] ?? [], "Negative Examples"); // validated; not shown (the paper's best encoding omits them)
  const inst = task.Instances;
  if (!Array.isArray(inst) || inst.length === 0) w.fail("Instances", `expected a non-empty list of {id, input, output}, got ${show(inst)}`);
  const shots = Math.min(k, positives.length);
  const rng = new Rng(seed);
  const examples = inst.map((x: unknown, i): SftExample => {
    const f = `Instances[${i}]`;
    if (!isObj(x)) w.fail(f, `expected an object {id, input, output}, got ${show(x)}`);
    const input = w.str(x, "input", `${f}.input`);
    const out = x.output;
    // Instances list every acceptable answer; the first is the one trained on.
    const answer = typeof out === "string" ? out : Array.isArray(out) && typeof out[0] === "string" && out[0].trim() !== "" ? out[0] : w.fail(`${f}.output`, `expected a non-empty list of strings, got ${show(out)}`);
    // k distinct demonstrations by a partial Fisher-Yates shuffle of the positive examples' indices.
    const idx = positives.map((_, j) => j);
    for (let j = 0; j < shots; j++) {
      const r = j + rng.int(idx.length - j);
      [idx[j], idx[r]] = [idx[r]!, idx[j]!];
    }
    const chosen = idx.slice(0, shots).map((j) => positives[j]!);
    return { messages: [{ role: "user", content: sniPrompt(definition, chosen, input) }, { role: "assistant", content: answer }], where: `${path}:${f}` };
  });
  return { path, format: "sni", examples };
}

/** Reads one data file, detecting its format: a JSON object with Definition/Instances is an SNI task file, anything
 *  else JSON Lines whose first example sets the format. */
export function readSftFile(path: string, o: ReadSftOptions = {}): SftFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new KotodamaError(`sft: cannot read data file ${path} (${(e as Error).message})`);
  }
  let whole: unknown = undefined;
  try {
    whole = JSON.parse(text);
  } catch {
    // not one JSON value: JSON Lines (or damaged; readJsonl names the line)
  }
  if (isObj(whole) && ("Definition" in whole || "Instances" in whole)) return readSni(path, whole, o.sniShots ?? 2, o.seed ?? 0);
  return readJsonl(path, text);
}
