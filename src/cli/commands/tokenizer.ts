// `kotodama tokenizer train`: trains a byte-level BPE tokenizer on text files and saves it as tokenizer.json.
// Not here: the training algorithm (src/tokenizer/train.ts); corpus cleaning (the data command).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "../command.js";
import { intFlag, parseFlags } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { NAMED_PATTERNS, saveHfTokenizer, trainBpeWithStats } from "../../tokenizer/index.js";

const HELP = [
  "Usage: kotodama tokenizer train --input FILE_OR_DIR... --vocab-size N --out tokenizer.json [flags]",
  "",
  "Trains a byte-level BPE tokenizer (GPT-4-style pre-tokens; Japanese cut by script runs: kanji, hiragana,",
  "katakana) and writes it as a Hugging Face tokenizer.json. Special tokens <|bos|> <|eos|> <|pad|> <|system|>",
  "<|user|> <|assistant|> <|end|> are reserved at the end of the vocabulary.",
  "",
  "Flags:",
  "  --input PATH...       text files (UTF-8) or directories (every file inside, recursively); repeatable",
  "  --vocab-size N        total vocabulary size incl. 256 bytes and the specials (default 8192)",
  "  --out FILE            where to write tokenizer.json (required)",
  "  --min-frequency N     stop when the best pair occurs fewer times (default 2)",
  `  --pattern NAME        pre-tokenizer: ${Object.keys(NAMED_PATTERNS).join(", ")} (default kotodama)`,
  "  --no-bos              do not prepend <|bos|> by default when encoding",
].join("\n");

function collect(path: string, out: string[]): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new KotodamaError(`kotodama tokenizer train: --input ${path}: no such file or directory`);
  }
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else out.push(path);
}

export const tokenizer: Command = {
  name: "tokenizer",
  summary: "train a byte-level BPE tokenizer (tokenizer train ...)",
  help: HELP,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== "train") throw new KotodamaError(`kotodama tokenizer: expected the subcommand 'train', got ${sub === undefined ? "nothing" : `'${sub}'`} (see 'kotodama tokenizer --help')`);
    const { values, positionals } = parseFlags("tokenizer train", rest, {
      input: { type: "string", multiple: true },
      "vocab-size": { type: "string" },
      out: { type: "string" },
      "min-frequency": { type: "string" },
      pattern: { type: "string" },
      "no-bos": { type: "boolean" },
    });
    const inputs = [...((values.input as string[] | undefined) ?? []), ...positionals];
    if (inputs.length === 0) throw new KotodamaError("kotodama tokenizer train: --input is required (files or directories of text)");
    const out = values.out;
    if (typeof out !== "string") throw new KotodamaError("kotodama tokenizer train: --out FILE is required");
    const vocabSize = intFlag("tokenizer train", "vocab-size", values["vocab-size"], 8192, 263, 65536);
    const minFrequency = intFlag("tokenizer train", "min-frequency", values["min-frequency"], 2, 1);
    const patternName = (values.pattern as string | undefined) ?? "kotodama";
    const pattern = NAMED_PATTERNS[patternName];
    if (pattern === undefined) throw new KotodamaError(`kotodama tokenizer train: --pattern expects one of ${Object.keys(NAMED_PATTERNS).join(", ")}, got '${patternName}'`);
    const files: string[] = [];
    for (const p of inputs) collect(p, files);
    let bytes = 0;
    const texts = files.map((f) => {
      const t = readFileSync(f, "utf8");
      bytes += Buffer.byteLength(t);
      return t;
    });
    const { tokenizer: tok, stats } = trainBpeWithStats({
      texts,
      vocabSize,
      pattern,
      minFrequency,
      addBos: values["no-bos"] !== true,
      ...(process.stderr.isTTY ? { onProgress: (done: number, total: number) => process.stderr.write(`\rmerges ${done}/${total}`) } : {}),
    });
    if (process.stderr.isTTY) process.stderr.write("\r");
    saveHfTokenizer(tok, out);
    process.stdout.write(
      `trained ${tok.kind} on ${files.length} files (${(bytes / 1e6).toFixed(2)} MB, ${stats.pieces} pre-tokens, ${stats.uniquePieces} distinct): ` +
        `${stats.merges} merges${tok.vocabSize < vocabSize ? ` (stopped early: no pair occurs ${minFrequency}+ times; vocabulary ${tok.vocabSize} < --vocab-size ${vocabSize})` : ""} in ${((stats.countMs + stats.mergeMs) / 1000).toFixed(2)} s (count ${(stats.countMs / 1000).toFixed(2)} s, merge ${(stats.mergeMs / 1000).toFixed(2)} s)\nwrote ${out}\n`,
    );
    return 0;
  },
};
