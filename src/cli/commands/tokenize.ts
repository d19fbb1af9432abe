// `kotodama tokenize`: shows how a tokenizer cuts text (tokens and ids side by side), or prints ids as JSON;
// --batch turns stdin lines (JSON strings) into lines of JSON id arrays. Not here: tokenizer code.
import { readFileSync } from "node:fs";
import type { Command } from "../command.js";
import { parseFlags } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { loadTokenizer, type Tokenizer } from "../../tokenizer/index.js";

const HELP = [
  "Usage: kotodama tokenize --tokenizer FILE [--no-bos] [--json] [--allow-special] [TEXT...]",
  "       kotodama tokenize --tokenizer FILE --batch < lines.jsonl",
  "",
  "Tokenizes TEXT (the arguments joined by spaces) or, without arguments, all of stdin. FILE is a",
  "tokenizer.json (or a folder holding one), a GGUF model or vocabulary, or a llama2.c tokenizer.bin.",
  "",
  "Flags:",
  "  --tokenizer FILE    the tokenizer (required)",
  "  --no-bos            do not prepend BOS (default: the tokenizer's own default)",
  "  --json              print {\"ids\": [...], \"tokens\": [...]} instead of the table",
  "  --allow-special     recognize special-token strings such as <|user|> in the text",
  "  --batch             each stdin line is a JSON string; each output line is the JSON array of its ids",
].join("\n");

/** A token's text for display: its bytes as a quoted, escaped UTF-8 string; partial UTF-8 as <0xXX>; control
 *  tokens by name. */
function show(tok: Tokenizer, id: number): string {
  const b = tok.tokenBytes(id);
  if (b.length === 0) return tok.tokenText(id);
  let s: string;
  try {
    s = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(b);
  } catch {
    return [...b].map((x) => `<0x${x.toString(16).toUpperCase().padStart(2, "0")}>`).join("");
  }
  return JSON.stringify(s);
}

export const tokenize: Command = {
  name: "tokenize",
  summary: "show how a tokenizer cuts text",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("tokenize", argv, {
      tokenizer: { type: "string" },
      "no-bos": { type: "boolean" },
      json: { type: "boolean" },
      batch: { type: "boolean" },
      "allow-special": { type: "boolean" },
    });
    if (typeof values.tokenizer !== "string") throw new KotodamaError("kotodama tokenize: --tokenizer FILE is required");
    const tok = loadTokenizer(values.tokenizer);
    const opts = { allowSpecial: values["allow-special"] === true, ...(values["no-bos"] === true ? { addBos: false } : {}) };
    if (values.batch === true) {
      if (positionals.length > 0) throw new KotodamaError("kotodama tokenize: --batch reads stdin; do not also give TEXT");
      const lines = readFileSync(0, "utf8").split("\n");
      if (lines[lines.length - 1] === "") lines.pop();
      const out: string[] = [];
      lines.forEach((line, i) => {
        let text: unknown;
        try {
          text = JSON.parse(line);
        } catch {
          text = undefined;
        }
        if (typeof text !== "string") throw new KotodamaError(`kotodama tokenize --batch: stdin line ${i + 1} is not a JSON string`);
        out.push(JSON.stringify(tok.encode(text, opts)));
      });
      process.stdout.write(out.length > 0 ? `${out.join("\n")}\n` : "");
      return 0;
    }
    const text = positionals.length > 0 ? positionals.join(" ") : readFileSync(0, "utf8");
    const ids = tok.encode(text, opts);
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify({ ids, tokens: ids.map((id) => tok.tokenText(id)) })}\n`);
      return 0;
    }
    const w = String(Math.max(0, ...ids)).length;
    const rows = ids.map((id) => `${String(id).padStart(w)}  ${show(tok, id)}`);
    const chars = [...text].length;
    process.stdout.write(
      `${rows.join("\n")}\n${ids.length} tokens, ${chars} chars (${ids.length > 0 ? (chars / ids.length).toFixed(2) : "0"} chars/token) — ${tok.kind}\n`,
    );
    return 0;
  },
};
