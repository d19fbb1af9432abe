// A chat session over any model that loads: the conversation rendered with the model's own chat template (or
// kotodama's, for a kotodama vocabulary), history trimmed to the context, replies streamed until an end-of-turn
// token, or chosen by beam search under lexical constraints (sendBeam). Not here: the terminal loop
// (cli/commands/chat.ts), template rendering (tokenizer/chat-template.ts), sampling (options.ts, sampler.ts), the
// search itself (beam.ts, lexical.ts).
import { chatTemplatesFor, pickChatTemplate, renderChat, validateMessages, type ChatMessage, type ChatTemplates } from "../tokenizer/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { KotodamaError } from "../util/errors.js";
import { DEFAULT_CONTEXT_CAP } from "./context.js";
import { generate, type GeneratedToken, type GenerateHooks, type GenerateResult } from "./generate.js";
import type { InferModel } from "./model.js";
import { parseGenerateOptions, type GenerateOptions } from "./options.js";
import { beamSearchText } from "./beam.js";
import { lexicalConstraint, type LexicalSpec } from "./lexical.js";
import { grammarBeamConstraint, jointConstraint } from "./beam-grammar.js";
import type { GrammarMasker } from "./constrain/index.js";

/** Texts of the tokens that end an assistant turn across families (llama.cpp's llama_vocab::is_eog list: EOS,
 *  EOT, EOM and the end markers of the chat formats it knows). */
const END_OF_TURN = ["<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "</s>", "<|return|>"];

/** Ids that end a reply: the tokenizer's EOS and every control token spelled like an end-of-turn marker. */
export function endOfTurnIds(tok: Tokenizer): Set<number> {
  const out = new Set<number>();
  if (tok.special.eos !== undefined) out.add(tok.special.eos);
  for (const t of END_OF_TURN) {
    const ids = tok.encode(t, { allowSpecial: true, addBos: false });
    if (ids.length === 1 && tok.isControl?.(ids[0]!) === true) out.add(ids[0]!);
  }
  return out;
}

export interface ChatReply extends GenerateResult {
  readonly reply: string;
  /** Messages dropped from the front of the history so that prompt + reply fit the context. */
  readonly trimmed: number;
}

export interface ChatSessionOptions {
  readonly system?: string;
  /** A template text or the model's templates (default: the model's own, else kotodama's). */
  readonly template?: string | ChatTemplates;
  /** A named template of the model (e.g. "tool_use"). */
  readonly templateName?: string;
}

/** One conversation with one model. The history holds system, user and assistant messages in order. */
export class ChatSession {
  readonly model: InferModel;
  private system: string | null;
  private readonly history: ChatMessage[] = [];
  private readonly template: string;
  private readonly source: string;
  private readonly endIds: Set<number>;

  constructor(model: InferModel, options: ChatSessionOptions = {}) {
    this.model = model;
    this.system = options.system ?? null;
    const tok = model.tokenizer;
    const t = options.template ?? chatTemplatesFor(tok);
    if (t === undefined) {
      throw new KotodamaError(`${model.path}: the model carries no chat template (tokenizer.chat_template / tokenizer_config.json) and its vocabulary has no kotodama chat tokens; pass a template`);
    }
    this.template = typeof t === "string" ? t : pickChatTemplate(t, options.templateName);
    this.source = typeof t === "string" ? "the given chat template" : t.source;
    this.endIds = endOfTurnIds(tok);
  }

  /** The conversation so far, system message first when set. */
  messages(): ChatMessage[] {
    return [...(this.system === null ? [] : [{ role: "system", content: this.system }]), ...this.history];
  }

  setSystem(text: string | null): void {
    this.system = text;
  }

  reset(): void {
    this.history.length = 0;
  }

  /** The prompt ids for the conversation plus a user message, rendered with add_generation_prompt. */
  private promptFor(messages: readonly ChatMessage[]): number[] {
    const tok = this.model.tokenizer;
    const specials: Record<string, string> = {};
    const s = { bos_token: tok.special.bos, eos_token: tok.special.eos, unk_token: tok.special.unk, pad_token: tok.special.pad };
    for (const [k, id] of Object.entries(s)) if (id !== undefined) specials[k] = tok.tokenText(id);
    const text = renderChat(this.template, { ...specials, messages: validateMessages(messages), add_generation_prompt: true }, { source: this.source });
    // The rendering is the whole input (templates write BOS themselves when the model wants it).
    return tok.encode(text, { allowSpecial: true, addBos: false });
  }

  /** The prompt ids for the conversation plus a user message (for decoders other than generate, e.g. beam.ts),
   *  and the ids that end the reply. */
  promptForTurn(user: string): { readonly ids: number[]; readonly endIds: ReadonlySet<number> } {
    return { ids: this.promptFor([...this.messages(), { role: "user", content: user }]), endIds: this.endIds };
  }

  /** The prompt for a user message with the oldest exchanges dropped (never the system message or the new turn)
   *  until prompt + `room` reply tokens fit `capacity`. */
  private fit(user: string, capacity: number, room: number): { readonly ids: number[]; readonly turn: ChatMessage; readonly trimmed: number } {
    const turn: ChatMessage = { role: "user", content: user };
    let trimmed = 0;
    let ids = this.promptFor([...this.messages(), turn]);
    while (ids.length + room > capacity && trimmed < this.history.length) {
      trimmed += this.history[trimmed + 1]?.role === "assistant" ? 2 : 1;
      const sys = this.system === null ? [] : [{ role: "system", content: this.system }];
      ids = this.promptFor([...sys, ...this.history.slice(trimmed), turn]);
    }
    if (ids.length + 1 > capacity) throw new KotodamaError(`chat: the message alone takes ${ids.length} tokens of the ${capacity}-token context`);
    return { ids, turn, trimmed };
  }

  /** The reply joins the history (after dropping the `trimmed` oldest messages). */
  private commit(turn: ChatMessage, trimmed: number, reply: string): void {
    this.history.splice(0, trimmed);
    this.history.push(turn, { role: "assistant", content: reply });
  }

  /** Default context: the model's, capped at DEFAULT_CONTEXT_CAP positions (an open-weight model's declared
   *  32k–128k would allocate a KV cache of gigabytes for a chat in a terminal); --context asks for more. Default
   *  reply room: a quarter of it. */
  private budget(context: number | null, maxTokens: number | null): { readonly capacity: number; readonly room: number } {
    const capacity = context ?? Math.min(this.model.config.context, DEFAULT_CONTEXT_CAP);
    return { capacity, room: maxTokens ?? Math.max(1, Math.floor(capacity / 4)) };
  }

  /** Sends a user message and streams the reply; the reply joins the history when the stream ends. `hooks` go to
   *  generate (e.g. a logits constraint). */
  async *send(user: string, options: GenerateOptions | Readonly<Record<string, unknown>> = {}, hooks: GenerateHooks = {}): AsyncGenerator<GeneratedToken, ChatReply, void> {
    const o = parseGenerateOptions(options, "chat");
    const { capacity, room } = this.budget(o.context, o.maxTokens);
    const { ids, turn, trimmed } = this.fit(user, capacity, room);
    const it = generate(this.model, ids, { ...o, context: capacity, maxTokens: Math.min(room, capacity - ids.length) }, this.endIds, hooks);
    for (;;) {
      const r = await it.next();
      if (r.done === true) {
        const reply = r.value.text;
        this.commit(turn, trimmed, reply);
        return { ...r.value, reply, trimmed };
      }
      yield r.value;
    }
  }

  /** Sends a user message and answers it with beam search (beam.ts; the same prompt, trimming and end-of-turn ids as
   *  send), under lexical constraints when `spec` has any (lexical.ts, built for the reply's token budget) and a
   *  grammar when given (beam-grammar.ts). The best hypothesis joins the history. */
  sendBeam(user: string, options: ChatBeamOptions, spec: LexicalSpec | null = null, grammar: GrammarMasker | null = null): ChatBeamReply {
    const { capacity, room } = this.budget(options.context ?? null, options.maxTokens ?? null);
    const { ids, turn, trimmed } = this.fit(user, capacity, room);
    const maxTokens = Math.min(room, capacity - ids.length);
    const c = spec !== null && spec.include.length + spec.exclude.length > 0 ? lexicalConstraint(this.model.tokenizer, spec, maxTokens) : undefined;
    const joint = jointConstraint(c, grammar === null ? undefined : grammarBeamConstraint(grammar, this.endIds));
    const r = beamSearchText(this.model, ids, { beams: options.beams, alpha: options.alpha ?? 1, nBest: options.beams, maxTokens, context: capacity }, this.endIds, joint);
    this.commit(turn, trimmed, r.text);
    return { ...r, reply: r.text, trimmed, enforced: c?.enforced ?? false, maxTokens };
  }
}

export interface ChatBeamOptions {
  readonly beams: number;
  /** Length penalty (beam.ts alpha; default 1). */
  readonly alpha?: number;
  readonly maxTokens?: number | null;
  readonly context?: number | null;
}

export type ChatBeamReply = ReturnType<typeof beamSearchText> & {
  readonly reply: string;
  readonly trimmed: number;
  /** Whether the include clauses fit the token budget (lexical.ts: otherwise they are not enforced). */
  readonly enforced: boolean;
  /** The reply's token budget. */
  readonly maxTokens: number;
};
