// The list of CLI commands, in the order `kotodama --help` shows them.
// Not here: command code; one file per command beside this one.
import type { Command } from "../command.js";
import { pending } from "./pending.js";
import { bench } from "./bench.js";
import { start } from "./start.js";

export const COMMANDS: readonly Command[] = [
  start,
  bench,
  pending("tokenizer", "train a byte-level BPE tokenizer", 3),
  pending("tokenize", "show how a tokenizer cuts text", 3),
  pending("data", "prepare filtered, deduplicated token shards", 5),
  pending("train", "pretrain a model by next-token prediction", 4),
  pending("generate", "generate text from a model", 4),
  pending("score", "score how natural texts are", 4),
  pending("inspect", "show a model file's metadata and tensors", 6),
  pending("convert", "convert between GGUF, safetensors and llama2.c", 6),
];
