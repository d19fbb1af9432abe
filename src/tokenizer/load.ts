// loadTokenizer: opens any tokenizer file kotodama reads, detected by content (GGUF magic, JSON, llama2.c
// header), not by name. Not here: the readers themselves (gguf-vocab.ts, hf-json.ts, llama2c.ts, chat-template-source.ts).

import { closeSync, openSync, readSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { FormatError } from "../util/errors.js";
import { chatTemplatesFromHfFolder, withChatTemplate } from "./chat-template-source.js";
import { loadGgufTokenizer } from "./gguf-vocab.js";
import { loadHfTokenizer } from "./hf-json.js";
import { loadLlama2cTokenizer } from "./llama2c.js";
import type { Tokenizer } from "./tokenizer.js";

export type TokenizerFileKind = "gguf" | "tokenizer.json" | "llama2c";

/** What kind of tokenizer file `path` is, from its first bytes. A directory means its tokenizer.json. */
export function detectTokenizerFile(path: string): { path: string; kind: TokenizerFileKind } {
  let p = path;
  try {
    if (statSync(p).isDirectory()) p = join(p, "tokenizer.json");
  } catch (e) {
    throw new FormatError(path, `cannot open: ${(e as Error).message}`);
  }
  const head = new Uint8Array(8);
  let n: number;
  try {
    const fd = openSync(p, "r");
    try {
      n = readSync(fd, head, 0, 8, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new FormatError(p, `cannot read: ${(e as Error).message}`);
  }
  if (n >= 4 && head[0] === 0x47 && head[1] === 0x47 && head[2] === 0x55 && head[3] === 0x46) return { path: p, kind: "gguf" };
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3; // UTF-8 BOM
  while (i < n && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (i < n && head[i] === 0x7b) return { path: p, kind: "tokenizer.json" };
  if (n >= 4) {
    const maxLen = head[0]! | (head[1]! << 8) | (head[2]! << 16) | (head[3]! << 24);
    if (maxLen > 0 && maxLen <= 65536) return { path: p, kind: "llama2c" };
  }
  throw new FormatError(p, "not a tokenizer kotodama reads: expected a GGUF file, a Hugging Face tokenizer.json or a llama2.c tokenizer.bin");
}

/** Loads a tokenizer from a GGUF file (its embedded vocabulary), a tokenizer.json (or a folder holding one),
 *  or a llama2.c tokenizer.bin; with the chat templates the file (or the tokenizer.json's folder) carries. */
export function loadTokenizer(path: string): Tokenizer {
  const f = detectTokenizerFile(path);
  switch (f.kind) {
    case "gguf":
      return loadGgufTokenizer(f.path);
    case "tokenizer.json":
      // tokenizer.json holds no chat template; tokenizer_config.json (or chat_template.jinja) beside it does.
      return withChatTemplate(loadHfTokenizer(f.path), chatTemplatesFromHfFolder(dirname(f.path)));
    case "llama2c":
      return loadLlama2cTokenizer(f.path);
  }
}
