// `kotodama bench tokenizer`: encode throughput with the GPT-2 vocabulary against the npm packages tiktoken
// (WASM) and js-tiktoken on the same text (ids checked identical; cold, warm and uncached, defined at EncodeRow), BPE training time for an 8k vocabulary on
// all of ../shared/data/tinystories + aozora/clean, and chars/token of the trained 8k tokenizer on held-out
// English and Japanese vs GPT-2. Not here: library code (src/tokenizer).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseFlags } from "../src/cli/command.js";
import { KotodamaError } from "../src/util/errors.js";
import { sharedPath } from "../src/util/paths.js";
import { nativeBpeMerge } from "../src/engine/index.js";
import { ByteLevelBpe, loadTokenizer, trainBpeWithStats, type Tokenizer } from "../src/tokenizer/index.js";

export const summary = "tokenizer: encode MB/s vs tiktoken, BPE training time, compression";
export const help = [
  "Usage: kotodama bench tokenizer [--json] [--quick] [--repeat N]",
  "",
  "Needs ../shared (reference/tokenizers/ggml-vocab-gpt-2.gguf, data/tinystories, data/aozora/clean).",
  "  --json      one JSON object on stdout instead of the table",
  "  --quick     first 256 KB of each text, no training on the full corpus",
  "  --repeat N  timed encode passes per encoder, interleaved, best kept (default 5)",
].join("\n");

interface EncodeRow {
  text: string;
  mb: number;
  /** Cold: the encode cache emptied (clearCache) just before the timed pass, so every distinct pre-token of the
   *  pass is merged once; the pass fills the cache as it goes, as a fresh tokenizer's first encode does. */
  ours: number;
  /** Warm: the same pass again with the cache the previous pass left. */
  oursWarm: number;
  /** No cache at all (cacheSize 0): every pre-token merged, repeats included. */
  oursUncached: number;
  tiktoken: number | null;
  ratioCold: number | null;
  ratioWarm: number | null;
  /** The same ratios from process CPU time (user + system) per pass: what other jobs on a shared machine take
   *  from the wall clock does not count. tiktoken runs synchronously in this thread, so the two compare. */
  ratioColdCpu: number | null;
  ratioWarmCpu: number | null;
  jsTiktoken: number | null;
  identical: boolean;
}

const mbOf = (s: string): number => Buffer.byteLength(s) / 1e6;

/** Best-of-n throughput in MB/s of several encoders, interleaved pass by pass (encoder A, B, C, A, B, C, …)
 *  so that a change in machine load hits all of them alike. `before` runs untimed before each pass. */
interface Encoder {
  readonly run: (s: string) => ArrayLike<number>;
  readonly before?: () => void;
  readonly passes?: number;
}
function throughputs(text: string, n: number, encoders: readonly Encoder[]): { mbs: number; cpuMbs: number; ids: ArrayLike<number> }[] {
  const best = encoders.map(() => Infinity);
  const bestCpu = encoders.map(() => Infinity);
  const ids: ArrayLike<number>[] = encoders.map(() => []);
  for (let i = 0; i < n; i++) {
    encoders.forEach((e, k) => {
      if (i >= (e.passes ?? n)) return;
      e.before?.();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      ids[k] = e.run(text);
      best[k] = Math.min(best[k]!, performance.now() - t0);
      const c = process.cpuUsage(c0);
      bestCpu[k] = Math.min(bestCpu[k]!, (c.user + c.system) / 1000);
    });
  }
  return best.map((ms, k) => ({ mbs: mbOf(text) / (ms / 1000), cpuMbs: mbOf(text) / (bestCpu[k]! / 1000), ids: ids[k]! }));
}

function sameIds(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const charsPerToken = (tok: Tokenizer, text: string): number => [...text].length / tok.encode(text, { addBos: false }).length;

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench tokenizer", argv, { json: { type: "boolean" }, quick: { type: "boolean" }, repeat: { type: "string" } }, false);
  const repeat = values.repeat === undefined ? 5 : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new KotodamaError("kotodama bench tokenizer: --repeat expects an integer ≥ 1");
  const quick = values.quick === true;
  const gpt2Path = sharedPath("reference", "tokenizers", "ggml-vocab-gpt-2.gguf");
  const ts = sharedPath("data", "tinystories");
  const ao = sharedPath("data", "aozora", "clean");
  if (gpt2Path === null || ts === null || ao === null) throw new KotodamaError("kotodama bench tokenizer: needs ../shared/reference/tokenizers and ../shared/data (not found)");

  // Corpora. Held out for the compression report: TinyStories validation text; three Akutagawa stories and 夢十夜.
  const heldOutJa = ["127_ruby_150.txt", "42_ruby_154.txt", "92_ruby_164.txt", "799_ruby_6024.txt"];
  const tsTexts = new Map<string, string[]>();
  for (const f of readdirSync(ts).sort()) {
    const raw = readFileSync(join(ts, f), "utf8");
    if (f.endsWith(".txt")) tsTexts.set(f, [raw]);
    else if (f.endsWith(".json")) tsTexts.set(f, (JSON.parse(raw) as { texts: string[] }).texts);
  }
  const aoTexts = new Map<string, string>(readdirSync(ao).sort().map((f) => [f, readFileSync(join(ao, f), "utf8")]));
  const cap = (s: string): string => (quick ? s.slice(0, 262144) : s);
  const english = cap(tsTexts.get("tinystories_sample.txt")!.join("\n"));
  const japanese = cap(aoTexts.get("789_ruby_5639.txt")!);

  // 1. Encode throughput, GPT-2 vocabulary.
  const ours = loadTokenizer(gpt2Path) as ByteLevelBpe;
  const uncached = new ByteLevelBpe({ ...ours.spec, cacheSize: 0 });
  let tk: { encode(s: string, a: string[], d: string[]): Uint32Array; free(): void } | null = null;
  let jtk: { encode(s: string, a: string[], d: string[]): number[] } | null = null;
  try {
    tk = (await import("tiktoken")).get_encoding("gpt2");
  } catch {
    tk = null;
  }
  try {
    jtk = (await import("js-tiktoken")).getEncoding("gpt2");
  } catch {
    jtk = null;
  }
  const rows: EncodeRow[] = [];
  for (const [name, text] of [["English (TinyStories sample)", english], ["Japanese (Aozora 789_ruby_5639)", japanese]] as const) {
    const slowJs = name.startsWith("Japanese") ? 1 : repeat; // js-tiktoken takes seconds on Japanese
    const encoders: Encoder[] = [
      { run: (s) => ours.encode(s), before: () => ours.clearCache() },
      { run: (s) => ours.encode(s) },
      { run: (s) => uncached.encode(s) },
      ...(tk === null ? [] : [{ run: (s: string) => tk!.encode(s, [], []) }]),
      ...(jtk === null ? [] : [{ run: (s: string) => jtk!.encode(s, [], []), passes: slowJs }]),
    ];
    const res = throughputs(text, repeat, encoders);
    const cold = res[0]!;
    const warm = res[1]!;
    const none = res[2]!;
    const a = tk === null ? null : res[3]!;
    const b = jtk === null ? null : res[tk === null ? 3 : 4]!;
    rows.push({
      text: name,
      mb: mbOf(text),
      ours: cold.mbs,
      oursWarm: warm.mbs,
      oursUncached: none.mbs,
      tiktoken: a?.mbs ?? null,
      ratioCold: a === null ? null : cold.mbs / a.mbs,
      ratioWarm: a === null ? null : warm.mbs / a.mbs,
      ratioColdCpu: a === null ? null : cold.cpuMbs / a.cpuMbs,
      ratioWarmCpu: a === null ? null : warm.cpuMbs / a.cpuMbs,
      jsTiktoken: b?.mbs ?? null,
      identical: sameIds(cold.ids, warm.ids) && sameIds(cold.ids, none.ids) && (a === null || sameIds(cold.ids, a.ids)) && (b === null || sameIds(cold.ids, b.ids)),
    });
  }
  tk?.free();

  // 2. Training time: 8k vocabulary on all of tinystories + aozora/clean.
  const all = [...[...tsTexts.values()].flat(), ...aoTexts.values()];
  const allMb = all.reduce((s, t) => s + mbOf(t), 0);
  const full = quick ? null : trainBpeWithStats({ texts: all, vocabSize: 8192 });

  // 3. Compression on held-out text, tokenizer trained without it.
  const trainTexts = [
    ...[...tsTexts].filter(([f]) => f !== "tinystories_val.txt").flatMap(([, t]) => t),
    ...[...aoTexts].filter(([f]) => !heldOutJa.includes(f)).map(([, t]) => t),
  ];
  const split = trainBpeWithStats({ texts: quick ? trainTexts.map((t) => t.slice(0, 100000)) : trainTexts, vocabSize: 8192 });
  const heldEn = tsTexts.get("tinystories_val.txt")!.join("\n");
  const heldJa = heldOutJa.map((f) => aoTexts.get(f)!).join("\n");
  const spmPath = sharedPath("reference", "tokenizers", "ggml-vocab-llama-spm.gguf");
  const compression = [
    { tokenizer: "kotodama BPE 8k (trained)", en: charsPerToken(split.tokenizer, heldEn), ja: charsPerToken(split.tokenizer, heldJa) },
    { tokenizer: "GPT-2 (50k)", en: charsPerToken(ours, heldEn), ja: charsPerToken(ours, heldJa) },
    ...(spmPath === null ? [] : [{ tokenizer: "Llama-2 SPM (32k)", en: charsPerToken(loadTokenizer(spmPath), heldEn), ja: charsPerToken(loadTokenizer(spmPath), heldJa) }]),
  ];

  const result = {
    encode: rows,
    training: full === null ? null : { mb: allMb, vocabSize: 8192, seconds: (full.stats.countMs + full.stats.mergeMs) / 1000, ...full.stats },
    compression: { heldOut: { en: "tinystories_val.txt", ja: heldOutJa }, en_chars: [...heldEn].length, ja_chars: [...heldJa].length, rows: compression },
  };
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return rows.every((r) => r.identical) ? 0 : 1;
  }
  const f = (x: number | null): string => (x === null ? "   n/a" : x.toFixed(2).padStart(6));
  const x = (v: number | null): string => (v === null ? "  n/a" : `${v.toFixed(2)}×`);
  const out: string[] = [
    `Encode throughput, GPT-2 vocabulary (MB/s, best of ${repeat}, encoders interleaved pass by pass; merge: ${nativeBpeMerge() === null ? "TypeScript" : "native addon"})`,
    "  cold = encode cache emptied just before the timed pass (each distinct pre-token merged once in it); warm = the",
    "  cache the previous pass left; uncached = no cache (every pre-token merged). Ratios: kotodama / tiktoken (WASM).",
    "  Ratios from wall-clock time, and (cpu) from process CPU time, which other jobs on a loaded machine do not skew.",
    "text                                 MB     cold    warm  uncached  tiktoken  js-tiktoken  ×tiktoken cold  warm  (cpu) cold  warm  ids identical",
  ];
  for (const r of rows) {
    out.push(`${r.text.padEnd(34)} ${r.mb.toFixed(2).padStart(5)}  ${f(r.ours)}  ${f(r.oursWarm)}    ${f(r.oursUncached)}    ${f(r.tiktoken)}       ${f(r.jsTiktoken)}          ${x(r.ratioCold)}  ${x(r.ratioWarm)}        ${x(r.ratioColdCpu)}  ${x(r.ratioWarmCpu)}  ${r.identical}`);
  }
  if (full !== null) {
    out.push("", `BPE training, 8192 tokens on tinystories + aozora/clean (${allMb.toFixed(2)} MB, ${full.stats.uniquePieces} distinct pre-tokens): ` +
      `${((full.stats.countMs + full.stats.mergeMs) / 1000).toFixed(2)} s (count ${(full.stats.countMs / 1000).toFixed(2)} s + merges ${(full.stats.mergeMs / 1000).toFixed(2)} s)`);
  }
  out.push("", `Compression on held-out text (chars/token; higher is better): English ${result.compression.en_chars} chars, Japanese ${result.compression.ja_chars} chars`);
  for (const c of compression) out.push(`  ${c.tokenizer.padEnd(28)} en ${c.en.toFixed(2)}   ja ${c.ja.toFixed(2)}`);
  process.stdout.write(`${out.join("\n")}\n`);
  return rows.every((r) => r.identical) ? 0 : 1;
}
