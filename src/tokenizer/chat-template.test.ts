// renderChat and its inputs: the template field's two forms, picking by name, message validation, errors that
// name the template, transformers' variables (tools=None, strftime_now, raise_exception), and the file sources
// (GGUF metadata, tokenizer_config.json) read back after writing. Not here: real models' templates
// (tests/chat-templates.test.ts), render-to-ids (chat-encode.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ByteLevelBpe } from "./bpe.js";
import { ChatTemplateError, parseChatTemplateField, pickChatTemplate, renderChat, strftime, validateMessages } from "./chat-template.js";
import { chatTemplatesFromGguf, chatTemplatesFromHfFolder, ggufChatTemplateEntries, saveHfTokenizerConfig, withChatTemplate } from "./chat-template-source.js";
import { saveHfTokenizer } from "./hf-json.js";
import { KOTODAMA_CHAT_TEMPLATES } from "./kotodama-chat.js";
import { loadTokenizer } from "./load.js";
import { trainBpe } from "./train.js";

const CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

test("chat_template field: a string, or a list of {name, template} with 'default' picked and the rest kept by name", () => {
  assert.deepEqual(parseChatTemplateField("T", "cfg"), { template: "T", named: {}, source: "cfg" });
  assert.equal(parseChatTemplateField(undefined, "cfg"), undefined);
  const list = parseChatTemplateField([{ name: "default", template: "D" }, { name: "tool_use", template: "U" }, { name: "rag", template: "R" }], "cfg")!;
  assert.equal(list.template, "D");
  assert.equal(pickChatTemplate(list, "rag"), "R");
  assert.equal(pickChatTemplate(list, undefined, true), "U", "tools given → tool_use, as transformers picks");
  assert.equal(pickChatTemplate(list), "D");
  assert.throws(() => pickChatTemplate(list, "chat"), /no chat template named "chat" \(known: default, tool_use, rag\)/);
  assert.throws(() => parseChatTemplateField([{ name: "a", template: "A" }, { name: "b", template: "B" }], "cfg"), /needs one named "default"/);
  assert.throws(() => parseChatTemplateField([{ name: "a" }], "cfg"), /cfg\[0\]: expected \{"name": string, "template": string\}/);
  assert.throws(() => parseChatTemplateField(3, "cfg"), /expected a string or a list/);
});

test("messages are validated with the index and field named", () => {
  assert.throws(() => validateMessages({}), /messages: expected an array/);
  assert.throws(() => validateMessages([{ role: "user", content: "a" }, { content: "b" }]), /messages\[1\]\.role: expected a non-empty string, got undefined/);
  assert.throws(() => validateMessages([{ role: "user", content: 3 }]), /messages\[0\]\.content: expected a string or a list of parts, got number/);
  assert.throws(() => validateMessages([{ role: "user", content: null }]), /messages\[0\]\.content: expected a string or a list of parts, got null/);
  assert.throws(() => validateMessages([{ role: "user", content: [{ type: "text" }] }]), /messages\[0\]\.content\[0\]\.text: expected a string/);
  // An assistant tool call may have no content (OpenAI's shape).
  assert.equal(validateMessages([{ role: "assistant", content: null, tool_calls: [] }])[0]!.content, null);
});

test("errors name the template's source: parse errors, raise_exception, runtime failures", () => {
  assert.throws(() => renderChat("{% for m in messages %}", { messages: [] }, { source: "x.gguf: tokenizer.chat_template" }), (e: unknown) => e instanceof ChatTemplateError && /^x\.gguf: tokenizer\.chat_template: does not parse/.test(e.message));
  assert.throws(() => renderChat("{{ raise_exception('roles must alternate') }}", { messages: [] }, { source: "cfg" }), /cfg: the template raised an exception: roles must alternate$/);
  assert.throws(() => renderChat("{{ strftime_now('%Q') }}", { messages: [] }, { source: "cfg" }), /directive %Q is not supported/);
});

test("transformers' variables: tools/documents none when absent, extras passed through, strftime_now on the given clock", () => {
  const t = "{{ tools is defined }}|{{ tools is none }}|{{ documents is none }}|{{ date_string }}|{{ strftime_now('%d %b %Y') }}|{{ bos_token }}";
  assert.equal(renderChat(t, { messages: [], date_string: "x", bos_token: "<s>" }, { now: new Date(2024, 6, 26) }), "true|true|true|x|26 Jul 2024|<s>");
  assert.equal(strftime(new Date(2025, 0, 5, 7, 8, 9), "%Y-%m-%d %H:%M:%S %B %A %a %y %%"), "2025-01-05 07:08:09 January Sunday Sun 25 %");
  assert.equal(renderChat(CHATML, { messages: [{ role: "user", content: "hi" }], add_generation_prompt: true }), "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  assert.equal(renderChat("{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}{{ range(3) | length }}", { messages: [] }), "1353");
});

test("GGUF metadata: the default and named templates are read back after writing", () => {
  const t = { template: "D", named: { default: "D", tool_use: "U" }, source: "s" };
  const meta = new Map(ggufChatTemplateEntries(t));
  assert.deepEqual([...meta.keys()], ["tokenizer.chat_template", "tokenizer.chat_templates", "tokenizer.chat_template.tool_use"]);
  const back = chatTemplatesFromGguf(meta, "m.gguf")!;
  assert.equal(back.template, "D");
  assert.equal(back.named.tool_use, "U");
  assert.equal(back.source, "m.gguf: tokenizer.chat_template");
  assert.equal(chatTemplatesFromGguf(new Map(), "m.gguf"), undefined);
});

test("a Hugging Face folder: tokenizer_config.json's chat_template reaches loadTokenizer().chatTemplate", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-chat-"));
  const tok = trainBpe({ texts: ["the cat sat on the mat. 猫が座った。"], vocabSize: 300 });
  saveHfTokenizer(tok, join(dir, "tokenizer.json"));
  assert.equal(loadTokenizer(dir).chatTemplate, undefined, "no tokenizer_config.json → no template");
  saveHfTokenizerConfig(tok, KOTODAMA_CHAT_TEMPLATES, dir);
  const loaded = loadTokenizer(dir);
  assert.equal(loaded.chatTemplate?.template, KOTODAMA_CHAT_TEMPLATES.template);
  assert.ok(loaded instanceof ByteLevelBpe, "the tokenizer keeps its class");
  assert.deepEqual(loaded.encode("猫が座った"), tok.encode("猫が座った"));
  // The list form and chat_template.jinja, as transformers writes them.
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ chat_template: [{ name: "default", template: "D" }, { name: "rag", template: "R" }] }));
  assert.equal(loadTokenizer(dir).chatTemplate?.named.rag, "R");
  const d2 = mkdtempSync(join(tmpdir(), "kotodama-chat-"));
  writeFileSync(join(d2, "chat_template.jinja"), "J");
  mkdirSync(join(d2, "additional_chat_templates"));
  writeFileSync(join(d2, "additional_chat_templates", "tool_use.jinja"), "U");
  assert.deepEqual(chatTemplatesFromHfFolder(d2), { template: "J", named: { tool_use: "U" }, source: join(d2, "chat_template.jinja") });
  assert.equal(withChatTemplate(tok, undefined), tok);
});
