// kotodama's own chat template: ChatML's shape (a role marker, the text, an end marker) spelled with the chat-role
// control tokens every kotodama tokenizer reserves (special.ts KOTODAMA_SPECIALS). Not here: rendering
// (chat-template.ts), where exports write it (chat-template-source.ts).

import type { ChatTemplates } from "./chat-template.js";
import { KOTODAMA_SPECIALS } from "./special.js";
import type { Tokenizer } from "./tokenizer.js";

/** BOS first (as Llama 3 and Gemma 2 templates do, so the rendering is the whole model input: encode it with
 *  addBos false); then per message "<|role|>\n" + content + "<|end|>"; "<|assistant|>\n" as the generation prompt.
 *  No newline after <|end|>: the assistant span the model learns ends exactly at the token that stops generation
 *  (llama.cpp treats a token spelled "<|end|>" as end-of-generation, as it does for Phi-3). Roles other than
 *  system/user/assistant raise: the vocabulary has no marker for them. */
export const KOTODAMA_CHAT_TEMPLATE =
  "{{- bos_token -}}" +
  "{%- for message in messages -%}" +
  "{%- if message['role'] not in ['system', 'user', 'assistant'] -%}" +
  "{{- raise_exception('kotodama chat template: role must be system, user or assistant, got ' + message['role']) -}}" +
  "{%- endif -%}" +
  "{{- '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>' -}}" +
  "{%- endfor -%}" +
  "{%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- endif -%}";

export const KOTODAMA_CHAT_TEMPLATES: ChatTemplates = { template: KOTODAMA_CHAT_TEMPLATE, named: {}, source: "kotodama's chat template" };

/** True when every token of KOTODAMA_SPECIALS is one control token of `tok` (a kotodama-trained vocabulary). */
export function hasKotodamaSpecials(tok: Tokenizer): boolean {
  return KOTODAMA_SPECIALS.every((s) => {
    const ids = tok.encode(s, { allowSpecial: true, addBos: false });
    return ids.length === 1 && tok.isControl?.(ids[0]!) === true;
  });
}

/** The templates to use or to export with `tok`: its own, else kotodama's for a kotodama vocabulary, else none. */
export function chatTemplatesFor(tok: Tokenizer): ChatTemplates | undefined {
  return tok.chatTemplate ?? (hasKotodamaSpecials(tok) ? KOTODAMA_CHAT_TEMPLATES : undefined);
}
