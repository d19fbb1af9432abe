// The manifest of a prepared data folder (manifest.json): sources, counts, tokenizer and config hashes, and the
// shard files of each split; and openSplit(), the training loop's entry point. Not here: the shard file format.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../util/errors.js";
import { ShardReader } from "./shards.js";

export interface ShardEntry {
  readonly file: string;
  readonly docs: number;
  readonly tokens: number;
}

export interface SplitEntry {
  readonly docs: number;
  readonly tokens: number;
  readonly shards: readonly ShardEntry[];
}

export interface SourceEntry {
  readonly name: string;
  readonly weight: number;
  readonly files: number;
  readonly docsRead: number;
  readonly trainDocs: number;
  readonly valDocs: number;
  /** Tokens written for this source (train after mixture repeats, val once). */
  readonly trainTokens: number;
  readonly valTokens: number;
}

export interface Manifest {
  readonly format: "kotodama-data";
  readonly version: 1;
  /** Hash of inputs (file fingerprints) + config + tokenizer: equal keys mean the folder can be reused. */
  readonly key: string;
  readonly configHash: string;
  readonly tokenizer: { readonly path: string; readonly sha256: string; readonly kind: string; readonly vocabSize: number; readonly eos: number | null } | null;
  readonly bytesPerToken: 2 | 4 | null;
  readonly sources: readonly SourceEntry[];
  readonly splits: { readonly train: SplitEntry; readonly val: SplitEntry };
}

export function readManifest(dir: string): Manifest {
  const file = join(dir, "manifest.json");
  if (!existsSync(file)) throw new FormatError(file, "no manifest.json (run 'kotodama data prepare' first)");
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new FormatError(file, `not JSON: ${(e as Error).message}`);
  }
  const o = m as Partial<Manifest>;
  if (o.format !== "kotodama-data" || o.version !== 1 || o.splits === undefined) throw new FormatError(file, "expected a kotodama-data version 1 manifest");
  return o as Manifest;
}

/** Opens the shards of one split of a prepared data folder for reading (see ShardReader for the batch API). */
export function openSplit(dir: string, split: "train" | "val", maxResidentBytes?: number): ShardReader {
  const m = readManifest(dir);
  const shards = m.splits[split].shards;
  if (shards.length === 0) throw new FormatError(join(dir, "manifest.json"), `split '${split}' has no shards (was a tokenizer configured?)`);
  return new ShardReader(
    shards.map((s) => join(dir, s.file)),
    maxResidentBytes,
  );
}
