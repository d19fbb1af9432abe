// Where chat templates live in model files, read and written: GGUF tokenizer.chat_template (+ named
// tokenizer.chat_template.<name>), and a Hugging Face folder's tokenizer_config.json chat_template (string or
// list form) or chat_template.jinja; attaching them to a loaded tokenizer. Not here: rendering (chat-template.ts).

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { type GgufMetadata, type GgufValue, metaString, metaStringArray } from "../formats/gguf/index.js";
import { FormatError } from "../util/errors.js";
import { type ChatTemplates, parseChatTemplateField } from "./chat-template.js";
import type { Tokenizer } from "./tokenizer.js";

/** gguf-py's keys (gguf/constants.py Keys.Tokenizer): CHAT_TEMPLATE, CHAT_TEMPLATE_N, CHAT_TEMPLATES. */
export const GGUF_CHAT_TEMPLATE = "tokenizer.chat_template";
const GGUF_CHAT_TEMPLATE_NAMES = "tokenizer.chat_templates";

/** The chat templates in GGUF metadata, or undefined when it has none. llama.cpp's convert_hf_to_gguf.py writes
 *  the default as tokenizer.chat_template and each other named one as tokenizer.chat_template.<name>, listing the
 *  names in tokenizer.chat_templates. */
export function chatTemplatesFromGguf(meta: GgufMetadata, file: string): ChatTemplates | undefined {
  const template = metaString(meta, GGUF_CHAT_TEMPLATE, file);
  const names = metaStringArray(meta, GGUF_CHAT_TEMPLATE_NAMES, file) ?? [];
  const named: Record<string, string> = {};
  for (const n of names) {
    const t = metaString(meta, `${GGUF_CHAT_TEMPLATE}.${n}`, file);
    if (t === undefined) throw new FormatError(file, `metadata ${GGUF_CHAT_TEMPLATE_NAMES} names "${n}" but ${GGUF_CHAT_TEMPLATE}.${n} is missing`);
    named[n] = t;
  }
  if (template === undefined) return undefined;
  return { template, named, source: `${file}: ${GGUF_CHAT_TEMPLATE}` };
}

/** GGUF entries for `t` (the writer's side of chatTemplatesFromGguf). */
export function ggufChatTemplateEntries(t: ChatTemplates): [string, GgufValue][] {
  const str = (value: string): GgufValue => ({ type: "string", value });
  const others = Object.entries(t.named).filter(([n]) => n !== "default");
  const out: [string, GgufValue][] = [[GGUF_CHAT_TEMPLATE, str(t.template)]];
  if (others.length > 0) {
    out.push([GGUF_CHAT_TEMPLATE_NAMES, { type: "array", itemType: "string", value: others.map(([n]) => n) }]);
    for (const [n, text] of others) out.push([`${GGUF_CHAT_TEMPLATE}.${n}`, str(text)]);
  }
  return out;
}

/** The chat templates of a Hugging Face folder: tokenizer_config.json's chat_template, else chat_template.jinja
 *  (transformers ≥ 4.43 saves the template there), plus additional_chat_templates/<name>.jinja (its named
 *  ones). Undefined when the folder has none. */
export function chatTemplatesFromHfFolder(dir: string): ChatTemplates | undefined {
  const cfgPath = join(dir, "tokenizer_config.json");
  let found: ChatTemplates | undefined;
  if (existsSync(cfgPath)) {
    let cfg: unknown;
    try {
      cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
    } catch (e) {
      throw new FormatError(cfgPath, `not valid JSON (${(e as Error).message})`);
    }
    if (typeof cfg !== "object" || cfg === null || Array.isArray(cfg)) throw new FormatError(cfgPath, "expected a JSON object");
    found = parseChatTemplateField((cfg as Record<string, unknown>).chat_template, `${cfgPath}: chat_template`);
  }
  const jinja = join(dir, "chat_template.jinja");
  if (found === undefined && existsSync(jinja)) found = { template: readFileSync(jinja, "utf8"), named: {}, source: jinja };
  const extra = join(dir, "additional_chat_templates");
  if (found !== undefined && existsSync(extra)) {
    const named = { ...found.named };
    for (const f of readdirSync(extra).filter((n) => n.endsWith(".jinja")).sort()) named[basename(f, ".jinja")] = readFileSync(join(extra, f), "utf8");
    found = { ...found, named };
  }
  return found;
}

/** `tok` with `chatTemplate` set. The result inherits from `tok` (Object.create), so every method, every
 *  `instanceof` check (convert.ts asks `instanceof ByteLevelBpe`) and `spec` keep working, and the tokenizer
 *  classes stay unaware of chat templates. Undefined templates → `tok` itself. */
export function withChatTemplate<T extends Tokenizer>(tok: T, t: ChatTemplates | undefined): T {
  if (t === undefined) return tok;
  const out: T = Object.create(tok, { chatTemplate: { value: t, enumerable: true } });
  return out;
}

/** tokenizer_config.json for `tok` as transformers' PreTrainedTokenizerFast reads it: the special-token strings
 *  and the chat template (the list form when there are named ones besides the default). */
export function hfTokenizerConfig(tok: Tokenizer, t: ChatTemplates | undefined): Record<string, unknown> {
  const text = (id: number | undefined): string | null => (id === undefined ? null : tok.tokenText(id));
  const others = t === undefined ? [] : Object.entries(t.named).filter(([n]) => n !== "default");
  return {
    tokenizer_class: "PreTrainedTokenizerFast",
    bos_token: text(tok.special.bos),
    eos_token: text(tok.special.eos),
    pad_token: text(tok.special.pad),
    unk_token: text(tok.special.unk),
    clean_up_tokenization_spaces: false,
    ...(t === undefined ? {} : { chat_template: others.length === 0 ? t.template : [{ name: "default", template: t.template }, ...others.map(([name, template]) => ({ name, template }))] }),
  };
}

/** Writes tokenizer_config.json (see hfTokenizerConfig) into `dir`, JSON with indent 2 as transformers writes it. */
export function saveHfTokenizerConfig(tok: Tokenizer, t: ChatTemplates | undefined, dir: string): void {
  writeFileSync(join(dir, "tokenizer_config.json"), `${JSON.stringify(hfTokenizerConfig(tok, t), null, 2)}\n`);
}
