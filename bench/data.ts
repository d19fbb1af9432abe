// `kotodama bench data`: throughput of the data pipeline, per stage and whole, on the shared corpora (TinyStories
// + Aozora from ../shared/data, nlp-corpus from node_modules), and peak memory on a large generated input made
// by repeating and perturbing those corpora. Not here: library code (src/data).
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, writeFileSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFlags, intFlag } from "../src/cli/command.js";
import { KotodamaError } from "../src/util/errors.js";
import { packageRoot, sharedPath } from "../src/util/paths.js";
import { Rng } from "../src/util/rng.js";
import { parseConfig, sharedCorporaConfigJson } from "../src/data/config.js";
import { runPipeline, type TokenizerInput } from "../src/data/pipeline.js";
import { resolveFiles, readFile } from "../src/data/readers.js";
import { sha256 } from "../src/data/files.js";
import { summarize, writeReport } from "../src/data/report.js";
import { loadTokenizer } from "../src/tokenizer/load.js";

export const summary = "data pipeline: MB/s per stage and whole on the shared corpora; peak RSS on a large input";
export const help = [
  "Usage: kotodama bench data [--big MB] [--workers N[,N...]] [--memory-cap SIZE] [--no-nlp-corpus] [--keep DIR] [--input-dir DIR] [--json]",
  "",
  "Default: runs the whole pipeline (fresh, no cache) on ../shared/data TinyStories + Aozora and the nlp-corpus",
  "package with the GPT-2 vocabulary (../shared/reference/tokenizers/ggml-vocab-gpt-2.gguf) and prints MB/s per",
  "stage (one core: the pipeline is single-threaded) and for the whole run, and the peak RSS.",
  "  --big MB    instead, generate about MB megabytes by repeating and perturbing those corpora (each copy of a",
  "              document: 45% verbatim, 45% with ~3% of words changed, 10% heavily rewritten) and run on that",
  "  --no-nlp-corpus  only TinyStories + Aozora (long, clean documents)",
  "  --input-dir DIR  with --big: keep the generated input in DIR and reuse it when DIR already holds that size",
  "  --generate-only  with --big and --input-dir: write the input and stop (start a long run's input early)",
  "  --keep DIR  write the output (report.html, shards) to DIR and keep it; default: a temp folder, removed",
  "  --workers 1,2   run once per worker count (clean step on worker threads; default 1)",
  "  --memory-cap SIZE  the whole process under SIZE (e.g. 1G): the dedup state, spilled to disk, gets what",
  "              the rest (workers, language identifier, tokenizer) leaves; give one worker count per run to read",
  "              each one's own peak RSS (the kernel's max RSS covers the process's whole life)",
  "  --json      one JSON object per worker count on stdout instead of the table:",
  '              {"bench":"data","workers":N,"mb_per_s":X,"peak_rss_mb":Y,...} (peak RSS of the process: all threads)',
].join("\n");

function nlpCorpusBuilds(): string | null {
  const p = join(packageRoot(), "node_modules", "nlp-corpus", "builds");
  return existsSync(p) ? p : null;
}

/** Peak RSS of the process (all threads) sampled every 50 ms (and the kernel's max RSS at the end), in MB. */
export function rssMonitor(includeLifetimeMax = true): () => number {
  let peak = process.memoryUsage().rss;
  const h = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return () => {
    clearInterval(h);
    return (includeLifetimeMax ? Math.max(peak, process.resourceUsage().maxRSS * 1024) : peak) / 1e6;
  };
}

/** Writes about mb megabytes of perturbed copies of the corpora as text files (64 MB each) with
 *  <|endoftext|> separators; returns the folder. Documents are streamed from the corpora once into memory
 *  (≈ 20 MB) and copies are written out without holding them. */
async function generate(dir: string, cfgJson: Record<string, unknown>, mb: number): Promise<string> {
  const cfg = parseConfig(cfgJson, "bench");
  const base: string[] = [];
  for (const src of cfg.sources) for (const f of await resolveFiles(src.paths, "/", () => {})) for await (const d of readFile(f, src, { baseDir: "/", maxDocChars: cfg.maxDocChars, onIssue: () => {} })) base.push(d.text.replace(/<\|endoftext\|>/g, ""));
  const rng = new Rng(42);
  const target = mb * 1e6;
  let written = 0;
  let fileNo = 0;
  let out = createWriteStream(join(dir, `big-${fileNo}.txt`));
  let inFile = 0;
  const kana = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん";
  const perturb = (t: string, rate: number): string => {
    if (/[\u3040-\u30ff\u4e00-\u9fff]/.test(t)) {
      const chars = [...t];
      for (let i = 0; i < chars.length * rate; i++) chars[rng.int(chars.length)] = kana[rng.int(kana.length)]!;
      return chars.join("");
    }
    const w = t.split(" ");
    for (let i = 0; i < w.length * rate; i++) w[rng.int(w.length)] = w[rng.int(w.length)]!;
    return w.join(" ");
  };
  for (let copy = 0; written < target; copy++) {
    for (let i = 0; i < base.length && written < target; i++) {
      const r = rng.next();
      const text = copy === 0 || r < 0.45 ? base[i]! : r < 0.9 ? perturb(base[i]!, 0.03) : perturb(base[i]!, 0.3);
      const chunk = `${text}\n<|endoftext|>\n`;
      if (!out.write(chunk)) await new Promise<void>((res) => out.once("drain", () => res()));
      const b = Buffer.byteLength(chunk);
      written += b;
      inFile += b;
      if (inFile > 64e6) {
        await new Promise<void>((res) => out.end(() => res()));
        out = createWriteStream(join(dir, `big-${++fileNo}.txt`));
        inFile = 0;
      }
    }
  }
  await new Promise<void>((res) => out.end(() => res()));
  return dir;
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench data", argv, { big: { type: "string" }, workers: { type: "string" }, "memory-cap": { type: "string" }, keep: { type: "string" }, "input-dir": { type: "string" }, json: { type: "boolean" }, "generate-only": { type: "boolean" }, "no-nlp-corpus": { type: "boolean" } }, false);
  const data = sharedPath("data");
  if (data === null) throw new KotodamaError("kotodama bench data: needs ../shared/data (TinyStories, Aozora)");
  const tokPath = sharedPath("reference", "tokenizers", "ggml-vocab-gpt-2.gguf");
  if (tokPath === null) throw new KotodamaError("kotodama bench data: needs ../shared/reference/tokenizers/ggml-vocab-gpt-2.gguf");
  const tokenizer: TokenizerInput = { tokenizer: loadTokenizer(tokPath), path: tokPath, sha256: sha256(readFileSync(tokPath)) };
  const work = mkdtempSync(join(tmpdir(), "kd-bench-data-"));
  const keepDir = typeof values.keep === "string" ? values.keep : null;
  let cfgJson = sharedCorporaConfigJson(data, values["no-nlp-corpus"] === true ? null : nlpCorpusBuilds());
  let genSeconds = 0;
  if (values.big !== undefined) {
    const mb = intFlag("bench data", "big", values.big, 1024, 1, 100_000);
    const t0 = performance.now();
    const inputDir = typeof values["input-dir"] === "string" ? values["input-dir"] : null;
    // A kept input lives in DIR/MB-mb; the marker file is written only once the whole input is there.
    const genDir = inputDir === null ? work : join(inputDir, `${mb}-mb`);
    const marker = join(genDir, ".complete");
    if (inputDir !== null && !existsSync(marker)) {
      rmSync(genDir, { recursive: true, force: true });
      mkdirSync(genDir, { recursive: true });
    }
    const dir = inputDir !== null && existsSync(marker) ? genDir : await generate(genDir, cfgJson, mb);
    if (inputDir !== null) writeFileSync(marker, "");
    genSeconds = (performance.now() - t0) / 1000;
    if (values["generate-only"] === true) {
      if (inputDir === null) throw new KotodamaError("kotodama bench data: --generate-only needs --input-dir DIR (where to keep the input)");
      process.stdout.write(`${dir}: ${mb} MB in ${genSeconds.toFixed(1)} s\n`);
      rmSync(work, { recursive: true, force: true });
      return 0;
    }
    cfgJson = { sources: [{ name: "big", paths: [join(dir, "big-*.txt")], format: "text", separator: "<|endoftext|>" }] };
  }
  const workerCounts = String(values.workers ?? "1").split(",").map((w) => intFlag("bench data", "workers", w, 1, 1, 256));
  const cap = values["memory-cap"];
  for (const workers of workerCounts) {
    // Each worker count runs fresh (force) into its own folder; without --keep it is removed after the run.
    const outDir = keepDir !== null ? (workerCounts.length > 1 ? join(keepDir, `workers-${workers}`) : keepDir) : join(work, `out-${workers}`);
    // 4 MiB input shards: a 32 MB input is 8 shards (the default, 64 MiB, suits GB-sized files).
    const cfg = parseConfig({ ...cfgJson, workers, inputShardBytes: 4 << 20, ...(cap === undefined ? {} : { memoryCap: cap }) }, "bench");
    let inputBytes = 0;
    for (const s of cfg.sources) for (const f of await resolveFiles(s.paths, "/", () => {})) inputBytes += statSync(f).size;
    const peak = rssMonitor();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await runPipeline(cfg, { outDir, baseDir: "/", tokenizer, force: true });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const peakMb = peak();
    writeReport(outDir, r);
    const stages = r.stats.stages.map((s) => ({ stage: s.name, docsIn: s.docsIn, docsOut: s.docsOut, mbIn: +(s.bytesIn / 1e6).toFixed(2), seconds: +s.seconds.toFixed(2), mbPerS: s.seconds > 0 ? +(s.bytesIn / 1e6 / s.seconds).toFixed(2) : null }));
    const result = { bench: "data", workers, mb_per_s: +(inputBytes / 1e6 / seconds).toFixed(2), peak_rss_mb: +peakMb.toFixed(0), memoryCap: cap ?? null, input: values.big !== undefined ? `generated ${(inputBytes / 1e6).toFixed(0)} MB` : values["no-nlp-corpus"] === true ? "TinyStories + Aozora" : "TinyStories + Aozora + nlp-corpus", inputMB: +(inputBytes / 1e6).toFixed(1), seconds: +seconds.toFixed(1), wholeMBps: +(inputBytes / 1e6 / seconds).toFixed(2), cpuSeconds: +cpuSeconds.toFixed(1), mbPerCpuSecond: +(inputBytes / 1e6 / cpuSeconds).toFixed(2), peakRssMB: +peakMb.toFixed(0), generateSeconds: +genSeconds.toFixed(1), trainTokens: r.manifest.splits.train.tokens, stages };
    if (values.json === true) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(`${summarize(r)}\n\n`);
      process.stdout.write(`input ${result.input}: ${result.inputMB} MB in ${result.seconds} s = ${result.wholeMBps} MB/s wall; ${result.cpuSeconds} CPU s = ${result.mbPerCpuSecond} MB per CPU-second; peak RSS ${result.peakRssMB} MB\n`);
    }
    if (keepDir === null) rmSync(outDir, { recursive: true, force: true });
  }
  rmSync(work, { recursive: true, force: true }); // the generated input and, without --keep, the output
  return 0;
}
