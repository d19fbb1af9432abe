// Everything a run needs before its first step, validated before anything is written: the tokenizer
// (given, the data folder's, or trained on the text), the token streams, and their agreement with the model.
// Not here: the loop (loop.ts), flag parsing (cli/commands/train.ts).
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { SHARD_MAGIC } from "../data/shards.js";
import { ByteLevelBpe, detectTokenizerFile, hfTokenizerJson, loadTokenizer, trainBpe, type Tokenizer } from "../tokenizer/index.js";
import { KotodamaError } from "../util/errors.js";
import type { RunConfig } from "./config.js";
import { loadTokenData, maxId, type TokenData } from "./data.js";
import { checkDataForModel } from "./loop.js";

export interface PrepareOptions {
  readonly run: RunConfig;
  readonly dataPaths: readonly string[];
  readonly valPaths?: readonly string[];
  /** A tokenizer file; default: the data folder's, or a byte-level BPE trained on the text files. */
  readonly tokenizerPath?: string;
  readonly log?: (line: string) => void;
}

export interface Prepared {
  readonly data: TokenData;
  readonly tokenizer: Tokenizer | null;
  /** tokenizer.json text for the run directory, or null when the tokenizer cannot be stored that way. */
  readonly tokenizerJson: string | null;
}

/** True when every path is a file that is not a token shard (text to tokenize). */
function isText(paths: readonly string[]): boolean {
  return paths.length > 0 && paths.every((p) => {
    try {
      if (!statSync(p).isFile()) return false;
    } catch {
      return false;
    }
    const fd = openSync(p, "r");
    try {
      const b = Buffer.alloc(4);
      return !(readSync(fd, b, 0, 4, 0) === 4 && b.toString("latin1") === SHARD_MAGIC);
    } finally {
      closeSync(fd);
    }
  });
}

function tokenizerText(tok: Tokenizer, path: string | null): string | null {
  if (path !== null && detectTokenizerFile(path).kind === "tokenizer.json") return readFileSync(detectTokenizerFile(path).path, "utf8");
  return tok instanceof ByteLevelBpe ? hfTokenizerJson(tok) : null;
}

/** Resolves tokenizer and data for a run and checks them against the model; throws before writing anything. */
export function prepareTraining(o: PrepareOptions): Prepared {
  const log = o.log ?? ((): void => {});
  const V = o.run.model.vocabSize;
  for (const p of [...o.dataPaths, ...(o.valPaths ?? [])]) {
    try {
      statSync(p);
    } catch {
      throw new KotodamaError(`train: data '${p}' does not exist`);
    }
  }
  if (o.dataPaths.length === 0) throw new KotodamaError("train: no data given (--data FILE_OR_DIR ...)");
  let tok: Tokenizer | null = null;
  let tokPath: string | null = null;
  if (o.tokenizerPath !== undefined) {
    tokPath = o.tokenizerPath;
    tok = loadTokenizer(tokPath);
    if (tok.vocabSize !== V) throw new KotodamaError(`train: tokenizer ${tokPath} has ${tok.vocabSize} tokens but the model's vocabSize is ${V} (set model.vocabSize to ${tok.vocabSize})`);
  } else if (isText(o.dataPaths)) {
    if (V < 263) throw new KotodamaError(`train: the model's vocabSize ${V} is too small for a byte-level BPE tokenizer (≥ 263: 256 bytes + 7 specials); give --tokenizer or token shards, or set model.vocabSize`);
    log(`training a byte-level BPE tokenizer with ${V} tokens on ${o.dataPaths.length} text file(s)`);
    tok = trainBpe({ texts: o.dataPaths.map((p) => readFileSync(p, "utf8")), vocabSize: V, minFrequency: 1 });
    if (tok.vocabSize !== V) throw new KotodamaError(`train: the text is too small to train a ${V}-token tokenizer (got ${tok.vocabSize}); give more text or set model.vocabSize to ${tok.vocabSize}`);
  }
  const data = loadTokenData({ paths: o.dataPaths, ...(o.valPaths !== undefined ? { valPaths: o.valPaths } : {}), tokenizer: tok });
  if (tok === null && data.tokenizerPath !== null) {
    tokPath = data.tokenizerPath;
    tok = loadTokenizer(tokPath);
    if (tok.vocabSize !== data.vocabSize) throw new KotodamaError(`train: tokenizer ${tokPath} has ${tok.vocabSize} tokens but the data's vocabulary is ${data.vocabSize}`);
  }
  if (tok !== null && tok.vocabSize !== data.vocabSize) throw new KotodamaError(`train: tokenizer has ${tok.vocabSize} tokens but the data's vocabulary is ${data.vocabSize}`);
  checkDataForModel(o.run, data);
  const top = Math.max(maxId(data.train), maxId(data.val));
  if (top > V) throw new KotodamaError(`train: the data holds token id ${top - 1}, outside the model's vocabulary [0, ${V})`);
  if (tok === null) log("no tokenizer found for the data: the run directory will hold no tokenizer.json");
  return { data, tokenizer: tok, tokenizerJson: tok === null ? null : tokenizerText(tok, tokPath) };
}
