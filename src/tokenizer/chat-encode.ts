// Render-to-ids for chat: renders messages with a chat template, encodes the text with special tokens parsed (the
// rendering spells "<|user|>", "<|im_start|>" as text), and says where each assistant message lies — as character
// spans of the text and token spans of the ids — so SFT can put the loss on responses only. Not here: the
// rendering itself (chat-template.ts), masks or loss (train/).

import { type ChatMessage, type ChatRenderInput, type ChatTemplates, ChatTemplateError, compileChatTemplate, pickChatTemplate, renderChat, validateMessages } from "./chat-template.js";
import { chatTemplatesFor } from "./kotodama-chat.js";
import type { Tokenizer } from "./tokenizer.js";
import { KotodamaError } from "../util/errors.js";

/** Where one assistant message lies. Characters are UTF-16 offsets into `text` (JavaScript string indices). */
export interface AssistantSpan {
  /** Index of the message in `messages`. */
  readonly message: number;
  /** [start, end) in the text: from after the generation prompt to the end of the turn (its end marker included,
   *  since the model must learn to emit it). */
  readonly start: number;
  readonly end: number;
  /** [tokenStart, tokenEnd) in `ids`: every token that overlaps the character span. */
  readonly tokenStart: number;
  readonly tokenEnd: number;
  /** True when both ends of the character span fall on token boundaries (no token holds prompt and response). */
  readonly exact: boolean;
}

export interface EncodedChat {
  readonly text: string;
  readonly ids: number[];
  /** [start, end) UTF-16 offsets of each token in `text`; a token ending inside a character (byte-level BPE
   *  splits multi-byte UTF-8) extends to that character's end. */
  readonly offsets: readonly (readonly [number, number])[];
  readonly assistantSpans: readonly AssistantSpan[];
  /** Per token, 1 inside an assistant span (loss on), 0 elsewhere. */
  readonly assistantMask: Uint8Array;
}

export interface EncodeChatOptions {
  /** The template (text or a model's ChatTemplates); default: the tokenizer's own, else kotodama's for a kotodama
   *  vocabulary (kotodama-chat.ts). */
  readonly template?: string | ChatTemplates;
  /** A named template of the model's (e.g. "tool_use"). */
  readonly templateName?: string;
  readonly source?: string;
  readonly now?: Date;
}

/** The length of the longest common prefix of two strings, in UTF-16 units. */
function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Character spans of the assistant messages in `full`, found by rendering prefixes of the conversation: the span
 *  of message i starts where the rendering of messages[0..i) with the generation prompt ends (it must be a prefix
 *  of the full text) and ends where the rendering of messages[0..i] stops agreeing with the full text (Phi-3.5
 *  appends eos_token to a conversation that does not end in a generation prompt; the common prefix drops it). */
export function assistantCharSpans(render: (messages: readonly ChatMessage[], addGenerationPrompt: boolean) => string, messages: readonly ChatMessage[], full: string): { message: number; start: number; end: number }[] {
  const out: { message: number; start: number; end: number }[] = [];
  messages.forEach((m, i) => {
    if (m.role !== "assistant") return;
    let before: string;
    try {
      before = render(messages.slice(0, i), true);
    } catch (e) {
      throw new ChatTemplateError(`assistant span of messages[${i}]: rendering the ${i} messages before it failed (${(e as Error).message})`);
    }
    if (!full.startsWith(before)) {
      throw new ChatTemplateError(`assistant span of messages[${i}]: the template renders messages[0..${i}) plus its generation prompt differently from the start of the whole conversation (it rewrites earlier turns, e.g. drops past reasoning), so the span is ambiguous`);
    }
    const end = commonPrefix(render(messages.slice(0, i + 1), false), full);
    if (end <= before.length) throw new ChatTemplateError(`assistant span of messages[${i}]: the template renders nothing for it`);
    out.push({ message: i, start: before.length, end });
  });
  return out;
}

/** UTF-8 byte offset → UTF-16 index for every byte offset of `text` (0..bytes; an offset inside a character maps
 *  to that character's end), and UTF-16 index → byte offset at character boundaries. */
function byteCharMaps(text: string): { b2c: Int32Array; c2b: Map<number, number> } {
  const enc = new TextEncoder();
  const b2c = new Int32Array(enc.encode(text).length + 1);
  const c2b = new Map<number, number>([[0, 0]]);
  let b = 0;
  let c = 0;
  for (const ch of text) {
    const n = enc.encode(ch).length;
    for (let k = 1; k <= n; k++) b2c[b + k] = c + ch.length;
    b += n;
    c += ch.length;
    c2b.set(c, b);
  }
  return { b2c, c2b };
}

/** [start, end) UTF-8 byte offsets of each token of `ids` in `text`: added tokens stand for their own text,
 *  others for tokenBytes(id); a SentencePiece dummy-prefix space that the text lacks covers no bytes. Throws when
 *  the tokens do not spell the text (a normalizer changed it). */
export function tokenByteOffsets(tok: Tokenizer, text: string, ids: readonly number[]): [number, number][] {
  const enc = new TextEncoder();
  const bytes = enc.encode(text);
  const out: [number, number][] = [];
  let pos = 0;
  ids.forEach((id, k) => {
    let b = tok.isAdded?.(id) === true ? enc.encode(tok.tokenText(id)) : tok.tokenBytes(id);
    const matches = (x: Uint8Array): boolean => x.every((v, j) => bytes[pos + j] === v);
    if (!matches(b) && tok.addsSpacePrefix === true && b[0] === 0x20 && matches(b.subarray(1))) b = b.subarray(1);
    else if (!matches(b)) throw new KotodamaError(`chat encoding: token ${k} (id ${id}, ${JSON.stringify(tok.tokenText(id))}) does not spell the text at byte ${pos}; the tokenizer normalized the text, so token offsets are unavailable`);
    out.push([pos, pos + b.length]);
    pos += b.length;
  });
  if (pos !== bytes.length) throw new KotodamaError(`chat encoding: the tokens spell ${pos} of the text's ${bytes.length} bytes`);
  return out;
}

/** Renders `input` with the template, encodes it (special tokens parsed, no BOS added: a template that wants BOS
 *  writes bos_token itself, as transformers' apply_chat_template tokenizes with add_special_tokens=False) and
 *  locates the assistant messages. Special-token strings default to the tokenizer's own. */
export function encodeChat(tok: Tokenizer, input: ChatRenderInput, options: EncodeChatOptions = {}): EncodedChat {
  const templates = typeof options.template === "string" ? undefined : (options.template ?? chatTemplatesFor(tok));
  if (options.template === undefined && templates === undefined) throw new KotodamaError(`chat encoding: the tokenizer (${tok.kind}) carries no chat template; pass one`);
  const text0 = typeof options.template === "string" ? options.template : pickChatTemplate(templates!, options.templateName, input.tools !== undefined && input.tools !== null);
  const source = options.source ?? templates?.source ?? "chat template";
  const compiled = compileChatTemplate(text0, source);
  const specials: Record<string, string> = {};
  const ids0 = { bos_token: tok.special.bos, eos_token: tok.special.eos, unk_token: tok.special.unk, pad_token: tok.special.pad };
  for (const [key, id] of Object.entries(ids0)) if (id !== undefined) specials[key] = tok.tokenText(id);
  const messages = validateMessages(input.messages);
  const opts = { source, ...(options.now === undefined ? {} : { now: options.now }) };
  const render = (ms: readonly ChatMessage[], agp: boolean): string => renderChat(compiled, { ...specials, ...input, messages: ms, add_generation_prompt: agp }, opts);
  const text = render(messages, input.add_generation_prompt ?? false);
  const ids = tok.encode(text, { allowSpecial: true, addBos: false });
  const byteOff = tokenByteOffsets(tok, text, ids);
  const { b2c, c2b } = byteCharMaps(text);
  const offsets = byteOff.map(([s, e]): [number, number] => [b2c[s]!, b2c[e]!]);
  const mask = new Uint8Array(ids.length);
  const spans = assistantCharSpans(render, messages, text).map((s): AssistantSpan => {
    const bs = c2b.get(s.start);
    const be = c2b.get(s.end);
    if (bs === undefined || be === undefined) throw new ChatTemplateError(`assistant span of messages[${s.message}] ends inside a character (a surrogate pair)`);
    let tokenStart = byteOff.findIndex(([, e]) => e > bs);
    if (tokenStart < 0) tokenStart = ids.length;
    let tokenEnd = tokenStart;
    while (tokenEnd < ids.length && byteOff[tokenEnd]![0] < be) tokenEnd++;
    mask.fill(1, tokenStart, tokenEnd);
    const exact = (tokenStart === ids.length || byteOff[tokenStart]![0] === bs) && (tokenEnd === 0 || byteOff[tokenEnd - 1]![1] === be);
    return { ...s, tokenStart, tokenEnd, exact };
  });
  return { text, ids, offsets, assistantSpans: spans, assistantMask: mask };
}
