// Hugging Face model folders: config.json, generation_config.json, model.safetensors or shards listed by
// model.safetensors.index.json, read and written the way transformers' save_pretrained lays them out
// (JSON with indent 2 and sorted keys, shards "model-00001-of-0000N.safetensors", __metadata__ format "pt",
// index {metadata: {total_size}, weight_map}). Not here: which tensors a model has or their names (models/),
// tokenizer.json (tokenizer/).
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { FormatError, KotodamaError } from "../../util/errors.js";
import { readSafetensors, safetensorsEntries } from "../safetensors/read.js";
import { type SafetensorsTensorToWrite, writeSafetensorsFile } from "../safetensors/write.js";
import { shapeSize, type TensorEntry } from "../tensor.js";

export const HF_CONFIG = "config.json";
export const HF_GENERATION_CONFIG = "generation_config.json";
export const HF_WEIGHTS = "model.safetensors";
export const HF_INDEX = "model.safetensors.index.json";

export interface HfFolder {
  readonly dir: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly generationConfig?: Readonly<Record<string, unknown>>;
  /** True when tokenizer.json is present (read it with the tokenizer module). */
  readonly hasTokenizerJson: boolean;
  /** Shard file names (one for an unsharded folder). */
  readonly shards: readonly string[];
  /** All tensors of all shards, in shard order. */
  readonly tensors: readonly TensorEntry[];
  /** __metadata__ of the first shard. */
  readonly metadata: ReadonlyMap<string, string>;
  /** Bytes of all shards together. */
  readonly fileSize: number;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

function readJsonObject(path: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new FormatError(path, `not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(json)) throw new FormatError(path, "expected a JSON object");
  return json;
}

/** A shard name from an index must be a plain file name in the folder (no paths, no ".."). */
function checkShardName(index: string, name: string): void {
  if (name !== basename(name) || name === "." || name === ".." || name.includes("\\") || name === "") {
    throw new FormatError(index, `weight_map names "${name}", which is not a plain file name in the folder`);
  }
}

/** Reads the folder's JSON files and the headers of its safetensors files (tensor bytes stay on disk). */
export function readHfFolder(dir: string): HfFolder {
  const cfgPath = join(dir, HF_CONFIG);
  if (!existsSync(cfgPath)) throw new FormatError(dir, `no ${HF_CONFIG}: not a Hugging Face model folder`);
  const config = readJsonObject(cfgPath);
  const genPath = join(dir, HF_GENERATION_CONFIG);
  const generationConfig = existsSync(genPath) ? readJsonObject(genPath) : undefined;
  const indexPath = join(dir, HF_INDEX);
  let shards: string[];
  let weightMap: Map<string, string> | null = null;
  if (existsSync(indexPath)) {
    const index = readJsonObject(indexPath);
    const wm = index.weight_map;
    if (!isObject(wm)) throw new FormatError(indexPath, "weight_map must be an object of tensor name → shard file");
    weightMap = new Map();
    for (const [name, file] of Object.entries(wm)) {
      if (typeof file !== "string") throw new FormatError(indexPath, `weight_map["${name}"] must be a file name string`);
      checkShardName(indexPath, file);
      weightMap.set(name, file);
    }
    shards = [...new Set(weightMap.values())].sort();
  } else if (existsSync(join(dir, HF_WEIGHTS))) {
    shards = [HF_WEIGHTS];
  } else {
    throw new FormatError(dir, `neither ${HF_WEIGHTS} nor ${HF_INDEX} found`);
  }
  const tensors: TensorEntry[] = [];
  const seen = new Map<string, string>();
  let fileSize = 0;
  let metadata: ReadonlyMap<string, string> = new Map();
  shards.forEach((shard, i) => {
    const p = join(dir, shard);
    if (!existsSync(p)) throw new FormatError(indexPath, `shard ${shard} is listed but missing`);
    const st = readSafetensors(p);
    if (i === 0) metadata = st.metadata;
    fileSize += st.source.size;
    for (const e of safetensorsEntries(st)) {
      const prev = seen.get(e.name);
      if (prev !== undefined) throw new FormatError(p, `tensor "${e.name}" is also in ${prev}`);
      if (weightMap !== null && weightMap.get(e.name) !== shard) {
        throw new FormatError(p, `holds tensor "${e.name}" but ${HF_INDEX} ${weightMap.has(e.name) ? `puts it in ${weightMap.get(e.name)}` : "does not list it"}`);
      }
      seen.set(e.name, shard);
      tensors.push(e);
    }
  });
  if (weightMap !== null) {
    for (const [name, shard] of weightMap) if (!seen.has(name)) throw new FormatError(indexPath, `tensor "${name}" is not in ${shard}`);
  }
  const hasTokenizerJson = existsSync(join(dir, "tokenizer.json"));
  return { dir, config, generationConfig, hasTokenizerJson, shards, tensors, metadata, fileSize };
}

/** JSON as transformers writes it: json.dumps(obj, indent=2, sort_keys=True) + "\n". */
export function hfJson(obj: unknown): string {
  const sortKeys = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sortKeys);
    if (isObject(x)) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortKeys(x[k])]));
    return x;
  };
  return JSON.stringify(sortKeys(obj), null, 2) + "\n";
}

export interface HfFolderToWrite {
  readonly config: Readonly<Record<string, unknown>>;
  readonly generationConfig?: Readonly<Record<string, unknown>>;
  /** Tensors under their transformers names (F32, F16 or BF16 for transformers to load them). */
  readonly tensors: readonly SafetensorsTensorToWrite[];
  /** Start a new shard before a tensor that would take a shard past this many bytes (transformers: 5 GB). */
  readonly maxShardBytes?: number;
}

/** Writes config.json (+ generation_config.json), then model.safetensors or numbered shards and the index.
 *  Creates the folder if needed; overwrites those files. Returns the shard names. */
export function writeHfFolder(dir: string, w: HfFolderToWrite): string[] {
  const max = w.maxShardBytes ?? 5_000_000_000;
  if (!(max > 0)) throw new KotodamaError(`writeHfFolder: maxShardBytes must be positive, got ${max}`);
  mkdirSync(dir, { recursive: true });
  if (!statSync(dir).isDirectory()) throw new KotodamaError(`writeHfFolder: ${dir} is not a directory`);
  writeFileSync(join(dir, HF_CONFIG), hfJson(w.config));
  if (w.generationConfig !== undefined) writeFileSync(join(dir, HF_GENERATION_CONFIG), hfJson(w.generationConfig));
  const bytes = (t: SafetensorsTensorToWrite): number => {
    const el = t.dtype === "F32" ? 4 : t.dtype === "F16" || t.dtype === "BF16" ? 2 : NaN;
    if (Number.isNaN(el)) throw new KotodamaError(`writeHfFolder: tensor "${t.name}" is ${t.dtype}; transformers folders hold F32, F16 or BF16`);
    return shapeSize(t.shape) * el;
  };
  const groups: SafetensorsTensorToWrite[][] = [[]];
  let size = 0;
  let total = 0;
  for (const t of w.tensors) {
    const b = bytes(t);
    if (size + b > max && groups[groups.length - 1]!.length > 0) {
      groups.push([]);
      size = 0;
    }
    groups[groups.length - 1]!.push(t);
    size += b;
    total += b;
  }
  const meta = new Map([["format", "pt"]]);
  if (groups.length === 1) {
    // A stale index from an earlier sharded write would take precedence when the folder is read back.
    rmSync(join(dir, HF_INDEX), { force: true });
    writeSafetensorsFile(join(dir, HF_WEIGHTS), groups[0]!, meta);
    return [HF_WEIGHTS];
  }
  const n = groups.length;
  const pad5 = (k: number): string => String(k).padStart(5, "0");
  const names = groups.map((_, i) => `model-${pad5(i + 1)}-of-${pad5(n)}.safetensors`);
  const weightMap: Record<string, string> = {};
  groups.forEach((g, i) => {
    writeSafetensorsFile(join(dir, names[i]!), g, meta);
    for (const t of g) weightMap[t.name] = names[i]!;
  });
  writeFileSync(join(dir, HF_INDEX), hfJson({ metadata: { total_size: total }, weight_map: weightMap }));
  return names;
}
