// llama2.c's tokenizer.bin (Karpathy, run.c build_tokenizer): int32 max_token_length, then per token
// {f32 score, i32 byte length, bytes}; ids 0/1/2 are unk/BOS/EOS, "<0xXX>" pieces are byte fallback.
// Read into the SentencePiece-by-scores tokenizer. Not here: the model weights file (models/).

import { readFileSync } from "node:fs";
import { FormatError } from "../util/errors.js";
import { parseByteToken } from "./bytes.js";
import { SentencePieceBpe, TokenType } from "./spm.js";

/** Parses tokenizer.bin bytes. The vocabulary size is not stored: it is given (the model header's vocab_size)
 *  or, when absent, every record up to the end of the file is read. */
export function parseLlama2cTokenizer(bytes: Uint8Array, file: string, vocabSize?: number): SentencePieceBpe {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw new FormatError(file, `llama2.c tokenizer.bin: ${bytes.byteLength} bytes, too short for the 4-byte header`);
  const maxLen = dv.getInt32(0, true);
  if (maxLen <= 0 || maxLen > 1 << 16) throw new FormatError(file, `llama2.c tokenizer.bin: max_token_length ${maxLen} is not in [1, 65536] (not a tokenizer.bin?)`);
  const vocab: string[] = [];
  const scores: number[] = [];
  const dec = new TextDecoder("utf-8", { fatal: true });
  let off = 4;
  while (vocabSize === undefined ? off < bytes.byteLength : vocab.length < vocabSize) {
    const i = vocab.length;
    if (off + 8 > bytes.byteLength) throw new FormatError(file, `llama2.c tokenizer.bin: cut short in the header of token ${i} at byte ${off}`);
    const score = dv.getFloat32(off, true);
    const len = dv.getInt32(off + 4, true);
    if (!Number.isFinite(score)) throw new FormatError(file, `llama2.c tokenizer.bin: token ${i} has a non-finite score at byte ${off}`);
    if (len < 0 || len > maxLen) throw new FormatError(file, `llama2.c tokenizer.bin: token ${i} has length ${len} at byte ${off + 4}, outside [0, max_token_length ${maxLen}]`);
    off += 8;
    if (off + len > bytes.byteLength) throw new FormatError(file, `llama2.c tokenizer.bin: cut short in the text of token ${i} (needs ${len} bytes at byte ${off}, file has ${bytes.byteLength})`);
    let text: string;
    try {
      text = dec.decode(bytes.subarray(off, off + len));
    } catch {
      throw new FormatError(file, `llama2.c tokenizer.bin: token ${i} at byte ${off} is not valid UTF-8`);
    }
    off += len;
    vocab.push(text);
    scores.push(score);
  }
  if (vocab.length < 3) throw new FormatError(file, `llama2.c tokenizer.bin: ${vocab.length} tokens; expected at least unk, BOS and EOS`);
  const types = new Int32Array(vocab.length);
  const pieces = vocab.map((t, id) => {
    if (id === 0) {
      types[id] = TokenType.unknown;
      return "<unk>";
    }
    if (id === 1 || id === 2) {
      types[id] = TokenType.control;
      return id === 1 ? "<s>" : "</s>";
    }
    types[id] = parseByteToken(t) >= 0 ? TokenType.byte : TokenType.normal;
    return t.replaceAll(" ", "\u2581"); // llama2.c's export turned "▁" into spaces; SentencePiece spells them "▁"
  });
  return new SentencePieceBpe({
    source: file,
    vocab: pieces,
    types,
    merging: { by: "scores", scores },
    special: { unk: 0, bos: 1, eos: 2 },
    addBos: true,
    addSpacePrefix: true,
  });
}

export function loadLlama2cTokenizer(path: string, vocabSize?: number): SentencePieceBpe {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new FormatError(path, `cannot read: ${(e as Error).message}`);
  }
  return parseLlama2cTokenizer(bytes, path, vocabSize);
}
