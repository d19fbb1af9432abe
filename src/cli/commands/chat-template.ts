// `kotodama chat-template`: prints a model's chat template, or the rendering of a conversation with it (and, with
// --json, the token ids and assistant spans SFT uses). Not here: reading or rendering templates (src/tokenizer/
// chat-template*.ts, chat-encode.ts) — this parses flags, builds and prints.
import { readFileSync } from "node:fs";
import { type Command, parseFlags, wantsHelp } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { chatTemplatesFor, encodeChat, loadTokenizer, pickChatTemplate, validateMessages, type ChatRenderInput } from "../../tokenizer/index.js";

const help = `kotodama chat-template --model PATH [--messages FILE.json] [--add-generation-prompt] [--template NAME]
                        [--show-template] [--json]

Renders a conversation with the model's chat template (GGUF tokenizer.chat_template, or a Hugging Face folder's
tokenizer_config.json chat_template / chat_template.jinja; a kotodama vocabulary without one uses kotodama's).
PATH is anything 'kotodama tokenize --tokenizer' reads: a GGUF file, a model folder or run directory.

  --model PATH               the model (or tokenizer) whose template to use (required)
  --messages FILE.json       the conversation: a JSON array of {role, content}, or an object {messages, tools?,
                             documents?, ...extra template variables}
  --add-generation-prompt    end with the assistant's turn opener (for generation)
  --template NAME            a named template of the model's (e.g. tool_use) instead of the default
  --show-template            print the template text itself (no --messages needed)
  --json                     print {text, ids, assistant_spans: [{message, start, end, token_start, token_end}]}
  --help                     this text
`;

/** The --messages file as render input: an array is the messages; an object passes through (validated by
 *  renderChat). */
function readConversation(path: string, addGenerationPrompt: boolean): ChatRenderInput {
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new KotodamaError(`kotodama chat-template: --messages ${path}: ${(e as Error).message}`);
  }
  const where = `--messages ${path}`;
  if (Array.isArray(j)) return { messages: validateMessages(j, where), add_generation_prompt: addGenerationPrompt };
  if (typeof j !== "object" || j === null || !("messages" in j)) throw new KotodamaError(`kotodama chat-template: ${where}: expected an array of messages or an object with "messages"`);
  const { messages, ...extra }: Record<string, unknown> = Object.fromEntries(Object.entries(j));
  return { ...extra, messages: validateMessages(messages, `${where}: messages`), add_generation_prompt: addGenerationPrompt };
}

export const chatTemplate: Command = {
  name: "chat-template",
  summary: "render a conversation with a model's chat template",
  help,
  async run(argv) {
    if (wantsHelp(argv)) {
      process.stdout.write(help);
      return 0;
    }
    const { values, positionals } = parseFlags("chat-template", argv, {
      model: { type: "string" },
      messages: { type: "string" },
      "add-generation-prompt": { type: "boolean" },
      template: { type: "string" },
      "show-template": { type: "boolean" },
      json: { type: "boolean" },
    }, false);
    if (positionals.length > 0) throw new KotodamaError("kotodama chat-template: unexpected arguments (see --help)");
    if (typeof values.model !== "string") throw new KotodamaError("kotodama chat-template: --model PATH is required");
    const tok = loadTokenizer(values.model);
    const templates = chatTemplatesFor(tok);
    if (templates === undefined) throw new KotodamaError(`kotodama chat-template: ${values.model} carries no chat template`);
    const name = typeof values.template === "string" ? values.template : undefined;
    if (values["show-template"] === true) {
      process.stdout.write(`${pickChatTemplate(templates, name)}\n`);
      return 0;
    }
    if (typeof values.messages !== "string") throw new KotodamaError("kotodama chat-template: --messages FILE.json is required (or --show-template)");
    const input = readConversation(values.messages, values["add-generation-prompt"] === true);
    const r = encodeChat(tok, input, { template: templates, ...(name === undefined ? {} : { templateName: name }) });
    if (values.json === true) {
      const spans = r.assistantSpans.map((s) => ({ message: s.message, start: s.start, end: s.end, token_start: s.tokenStart, token_end: s.tokenEnd, exact: s.exact }));
      process.stdout.write(`${JSON.stringify({ template_source: templates.source, text: r.text, ids: r.ids, assistant_spans: spans })}\n`);
    } else {
      process.stdout.write(r.text.endsWith("\n") ? r.text : `${r.text}\n`);
    }
    return 0;
  },
};
