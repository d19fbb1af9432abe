// Chat templates: the Jinja text a model ships (GGUF tokenizer.chat_template, tokenizer_config.json chat_template),
// parsed into a default and named variants, and rendered with @huggingface/jinja — the engine transformers.js uses —
// with the variables transformers' apply_chat_template passes. Not here: reading files (chat-template-source.ts),
// tokenizing a rendering (chat-encode.ts), kotodama's own template (kotodama-chat.ts).

import { Environment, Interpreter, Template } from "@huggingface/jinja";
import { KotodamaError } from "../util/errors.js";

/** A model's chat templates: the one used by default and any others by name (e.g. "tool_use", "rag"). */
export interface ChatTemplates {
  /** The default template ("default" in the list form, or the only one). */
  readonly template: string;
  /** Every template by name, "default" included when the source named it so. */
  readonly named: Readonly<Record<string, string>>;
  /** Where the templates came from, for error messages ("model.gguf: tokenizer.chat_template"). */
  readonly source: string;
}

/** One chat message. Templates read more keys than role and content (tool_calls, name, tool_call_id); they are
 *  passed through untouched. */
export interface ChatMessage {
  readonly role: string;
  /** Text; a list of typed parts (transformers' multimodal form); null only for an assistant message that
   *  carries tool_calls (the OpenAI shape transformers accepts). */
  readonly content: string | readonly ChatContentPart[] | null;
  readonly [key: string]: unknown;
}

/** One part of a multimodal message: {type: "text", text} or {type: "image"} and the like. */
export interface ChatContentPart {
  readonly type: string;
  readonly text?: string;
  readonly [key: string]: unknown;
}

/** The variables of a rendering. transformers' apply_chat_template passes messages, tools, documents,
 *  add_generation_prompt and the tokenizer's special-token strings; anything else (date_string,
 *  enable_thinking, ...) goes through as an extra variable, as transformers' **kwargs do. */
export interface ChatRenderInput {
  readonly messages: readonly ChatMessage[];
  readonly add_generation_prompt?: boolean;
  readonly bos_token?: string;
  readonly eos_token?: string;
  readonly unk_token?: string;
  readonly pad_token?: string;
  readonly tools?: readonly unknown[];
  readonly documents?: readonly unknown[];
  readonly [extra: string]: unknown;
}

export interface RenderOptions {
  /** Names the template in errors (default "chat template"). */
  readonly source?: string;
  /** The clock strftime_now reads (default: now). Tests pin it; library callers may too. */
  readonly now?: Date;
}

/** A template that does not parse, raised raise_exception(), or failed while rendering. */
export class ChatTemplateError extends KotodamaError {
  override readonly name = "ChatTemplateError";
}

/** The template's own raise_exception(), told apart from engine errors. */
class RaisedByTemplate extends Error {}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** Reads a chat_template value as tokenizer_config.json holds it: a string, or a list of {name, template}
 *  (transformers' multi-template form; "default" is the default, as PreTrainedTokenizerBase picks it).
 *  Undefined/null → undefined. `source` names the field in errors. */
export function parseChatTemplateField(value: unknown, source: string): ChatTemplates | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return { template: value, named: {}, source };
  if (!Array.isArray(value)) throw new ChatTemplateError(`${source}: expected a string or a list of {name, template}, got ${typeof value}`);
  const named: Record<string, string> = {};
  value.forEach((t, i) => {
    if (!isObj(t) || typeof t.name !== "string" || typeof t.template !== "string") {
      throw new ChatTemplateError(`${source}[${i}]: expected {"name": string, "template": string}`);
    }
    if (t.name in named) throw new ChatTemplateError(`${source}[${i}]: template name "${t.name}" appears twice`);
    named[t.name] = t.template;
  });
  const names = Object.keys(named);
  // transformers raises when a list has no "default" and the caller names none; a lone template is unambiguous.
  const template = named.default ?? (names.length === 1 ? named[names[0]!] : undefined);
  if (template === undefined) throw new ChatTemplateError(`${source}: a list of templates needs one named "default" (found ${names.join(", ") || "none"})`);
  return { template, named, source };
}

/** Picks a template by name; without one, "tool_use" when tools are given and the model has it, else the
 *  default (transformers' get_chat_template). Unknown names are errors listing the known ones. */
export function pickChatTemplate(t: ChatTemplates, name?: string, withTools = false): string {
  if (name === undefined) return withTools && t.named.tool_use !== undefined ? t.named.tool_use : t.template;
  if (name === "default") return t.template;
  const found = t.named[name];
  if (found === undefined) throw new ChatTemplateError(`${t.source}: no chat template named "${name}" (known: ${["default", ...Object.keys(t.named).filter((n) => n !== "default")].join(", ")})`);
  return found;
}

/** Checks messages once, at the edge: an array of objects with a non-empty string role and string content (or a
 *  list of typed parts; null allowed with tool_calls). Errors name the index and the field. */
export function validateMessages(messages: unknown, where = "messages"): ChatMessage[] {
  if (!Array.isArray(messages)) throw new ChatTemplateError(`${where}: expected an array of {role, content}, got ${messages === null ? "null" : typeof messages}`);
  return messages.map((m: unknown, i): ChatMessage => {
    if (!isObj(m)) throw new ChatTemplateError(`${where}[${i}]: expected an object {role, content}`);
    const { role, content } = m;
    if (typeof role !== "string" || role === "") throw new ChatTemplateError(`${where}[${i}].role: expected a non-empty string, got ${JSON.stringify(role) ?? "undefined"}`);
    const toolCall = role === "assistant" && Array.isArray(m.tool_calls) && (content === null || content === undefined);
    if (Array.isArray(content)) {
      // transformers' multimodal form: a list of parts {type: "text", text} / {type: "image"}, which the
      // template itself walks (Llama 3.2 Vision, Qwen2.5-VL).
      const parts = content.map((part: unknown, j): ChatContentPart => {
        if (!isObj(part) || typeof part.type !== "string") throw new ChatTemplateError(`${where}[${i}].content[${j}]: expected a part {type: string, ...}`);
        const { type, text } = part;
        if (type === "text" && typeof text !== "string") throw new ChatTemplateError(`${where}[${i}].content[${j}].text: expected a string`);
        return { ...part, type, ...(typeof text === "string" ? { text } : {}) };
      });
      return { ...m, role, content: parts };
    }
    if (typeof content !== "string" && !toolCall) {
      throw new ChatTemplateError(`${where}[${i}].content: expected a string or a list of parts, got ${content === null ? "null" : typeof content}`);
    }
    return { ...m, role, content: typeof content === "string" ? content : null };
  });
}

/** Parses a template, naming its source when the syntax is wrong. The result renders any number of times. */
export function compileChatTemplate(text: string, source = "chat template"): Template {
  try {
    return new Template(text);
  } catch (e) {
    throw new ChatTemplateError(`${source}: does not parse: ${(e as Error).message}`);
  }
}

/** Python's strftime for the directives chat templates use (Llama 3.2: "%d %b %Y"; SmolLM3: "%d %B %Y"), in
 *  English as Python's C locale prints them. Unknown directives are errors rather than silently literal. */
export function strftime(d: Date, format: string): string {
  const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const p2 = (n: number): string => String(n).padStart(2, "0");
  return format.replace(/%(.)/g, (_, c: string) => {
    switch (c) {
      case "Y": return String(d.getFullYear());
      case "y": return p2(d.getFullYear() % 100);
      case "m": return p2(d.getMonth() + 1);
      case "d": return p2(d.getDate());
      case "b": return months[d.getMonth()]!.slice(0, 3);
      case "B": return months[d.getMonth()]!;
      case "a": return days[d.getDay()]!.slice(0, 3);
      case "A": return days[d.getDay()]!;
      case "H": return p2(d.getHours());
      case "M": return p2(d.getMinutes());
      case "S": return p2(d.getSeconds());
      case "%": return "%";
      default: throw new RaisedByTemplate(`strftime_now: directive %${c} is not supported`);
    }
  });
}

/** Renders a chat template (text, or a model's ChatTemplates → its default) with the variables
 *  transformers passes: messages (validated), add_generation_prompt (default false), the special-token
 *  strings, tools, documents, extras, and the functions raise_exception and strftime_now. */
export function renderChat(template: string | Template | ChatTemplates, input: ChatRenderInput, options: RenderOptions = {}): string {
  const source = options.source ?? (typeof template === "object" && "source" in template ? template.source : "chat template");
  const compiled = template instanceof Template ? template : compileChatTemplate(typeof template === "string" ? template : template.template, source);
  const messages = validateMessages(input.messages);
  const now = options.now ?? new Date();
  const vars: Record<string, unknown> = {
    ...input,
    messages,
    add_generation_prompt: input.add_generation_prompt ?? false,
    // transformers passes tools=None and documents=None when absent: `tools is defined` is true, `tools` falsy.
    tools: input.tools ?? null,
    documents: input.documents ?? null,
  };
  // Template.render() declares @huggingface/jinja's globals and then the variables, and refuses to declare a
  // name twice; so the globals are declared here instead — the same set (its setupGlobals), with our own
  // raise_exception (told apart from engine errors) and strftime_now (reads the given clock, not the wall's).
  const env = new Environment();
  const globals: Record<string, unknown> = {
    false: false, true: true, none: null, False: false, True: true, None: null,
    range: pyRange,
    raise_exception: (message: unknown): never => {
      throw new RaisedByTemplate(String(message));
    },
    strftime_now: (format: unknown): string => strftime(now, String(format)),
  };
  for (const [k, v] of Object.entries({ ...globals, ...vars })) env.set(k, v);
  try {
    const out: unknown = new Interpreter(env).run(compiled.parsed).value;
    if (typeof out !== "string") throw new Error(`the template produced ${typeof out}, not text`);
    return out;
  } catch (e) {
    if (e instanceof RaisedByTemplate) throw new ChatTemplateError(`${source}: the template raised an exception: ${e.message}`);
    throw new ChatTemplateError(`${source}: failed while rendering: ${(e as Error).message}`);
  }
}

/** Python's range(stop) / range(start, stop[, step]). */
function pyRange(start: unknown, stop?: unknown, step: unknown = 1): number[] {
  const [a, b, s] = stop === undefined ? [0, Number(start), Number(step)] : [Number(start), Number(stop), Number(step)];
  if (s === 0 || !Number.isFinite(a + b + s)) throw new RaisedByTemplate(`range(): bad arguments (${String(start)}, ${String(stop)}, ${String(step)})`);
  const out: number[] = [];
  for (let i = a; s > 0 ? i < b : i > b; i += s) out.push(i);
  return out;
}
