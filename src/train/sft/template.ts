// Which chat template an SFT run renders its examples with: the model's own, kotodama's for a kotodama vocabulary,
// else a documented plain fallback for models without any template. Not here: rendering or encoding
// (tokenizer/chat-template.ts, chat-encode.ts).
import { chatTemplatesFor, type ChatTemplates, type Tokenizer } from "../../tokenizer/index.js";

/** The fallback for base models without a template: "### User:" / "### Assistant:" headers (the Alpaca-style
 *  markers base models have seen in web text), the tokenizer's BOS first when it has one, and EOS right after each
 *  response so the model learns to stop (no separator after it: EOS is already a token boundary, and the span the
 *  model learns ends exactly at the token that stops generation). System text opens the conversation as is. */
export const PLAIN_CHAT_TEMPLATE =
  "{%- if bos_token is defined and bos_token -%}{{- bos_token -}}{%- endif -%}" +
  "{%- for message in messages -%}" +
  "{%- if message['role'] == 'system' -%}{{- message['content'] + '\\n\\n' -}}" +
  "{%- elif message['role'] == 'user' -%}{{- '### User:\\n' + message['content'] + '\\n\\n' -}}" +
  "{%- elif message['role'] == 'assistant' -%}{{- '### Assistant:\\n' + message['content'] -}}{%- if eos_token is defined and eos_token -%}{{- eos_token -}}{%- endif -%}" +
  "{%- else -%}{{- raise_exception('plain chat template: role must be system, user or assistant, got ' + message['role']) -}}" +
  "{%- endif -%}" +
  "{%- endfor -%}" +
  "{%- if add_generation_prompt -%}{{- '### Assistant:\\n' -}}{%- endif -%}";

export const PLAIN_CHAT_TEMPLATES: ChatTemplates = { template: PLAIN_CHAT_TEMPLATE, named: {}, source: "kotodama's plain SFT template" };

/** The templates SFT uses with `tok`, and whether they are the fallback. */
export function sftTemplates(tok: Tokenizer): { templates: ChatTemplates; fallback: boolean } {
  const own = chatTemplatesFor(tok);
  return own !== undefined ? { templates: own, fallback: false } : { templates: PLAIN_CHAT_TEMPLATES, fallback: true };
}
