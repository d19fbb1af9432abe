// `kotodama bench train`: training throughput (tokens/s of full optimizer steps: forward, backward, clip,
// AdamW) of the tiny and small presets, and with --compare PyTorch's on the same configuration in the same
// run (bench/torch_ref.py, threads pinned), in interleaved rounds with medians. Not here: library code (src/train).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { intFlag, parseFlags } from "../src/cli/command.js";
import { loadBackend, nativeStatus } from "../src/engine/backend.js";
import { resolveRunConfig, runConfigJson, train, type RunConfig, type TokenData } from "../src/train/index.js";
import { KotodamaError } from "../src/util/errors.js";
import { packageRoot } from "../src/util/paths.js";
import { Rng } from "../src/util/rng.js";
import { DEFAULT_PYTHON, checkPython, interleave, median, summarizeTorch, torchBench, torchLine, torchSettings, type TorchResult, type TorchSummary } from "./torch-anchor.js";
import { correctness, correctnessSvg } from "./train_correctness.js";

export const summary = "training tokens/s of the tiny and small presets (vs PyTorch with --compare)";
export const help = [
  "Usage: kotodama bench train [--preset tiny|small] [--threads N] [--steps N] [--rounds N] [--json] [--compare [--python EXE]]",
  "",
  "Times full training steps (forward, backward, gradient clipping, AdamW) on random tokens with the preset's",
  "batch size and context; the first 2 steps are warm-up and not timed.",
  "  --preset NAME  tiny or small (default: both)",
  "  --threads N    compute threads (default 1; repeat the bench with 2 for the two-core figure)",
  "  --steps N      timed steps + 2 (default: tiny 40, small 8)",
  "  --rounds N     interleaved rounds (kotodama, then PyTorch; the order alternates), medians reported (default 3)",
  "  --compare      also run bench/torch_ref.py --bench (default interpreter /usr/bin/python3, --python EXE) on the",
  "                 same configuration: torch.set_num_threads(N) and OPENBLAS_NUM_THREADS=N (and, for N > 1, torch",
  "                 1 thread with OpenBLAS N); the best PyTorch setting (by median) is reported. OPENBLAS_CORETYPE",
  "                 and OPENBLAS_L2_SIZE are removed from PyTorch's environment so that OpenBLAS picks its kernels",
  "                 for this CPU (a forced Haswell core type halves it on AVX-512 machines)",
  "  --json         one JSON object per line: {\"bench\":\"train\",\"preset\",\"threads\",\"tokens_per_s\",...}",
  "  --correctness  instead: train kotodama and PyTorch on the same TinyStories stream (tiny 500 steps, small",
  "                 200) and compare validation losses; --plot FILE writes both curves as SVG",
  "",
  "PyTorch runs with whatever BLAS its interpreter loads; the library, version and kernel family are printed",
  "(threadpoolctl). Debian's python3-torch links libblas.so.3, which is netlib's reference BLAS (~10× slower)",
  "unless libopenblas0-pthread is installed (then the alternatives point it at OpenBLAS).",
].join("\n");

const DEFAULT_STEPS: Record<string, number> = { tiny: 40, small: 8 };

function randomData(V: number, n: number): TokenData {
  const rng = new Rng(1);
  const all = Uint16Array.from({ length: n }, () => rng.int(V));
  return { train: all, val: all.subarray(0, 1 << 14), vocabSize: V, description: "random tokens", tokenizerPath: null };
}

function ours(run: RunConfig, threads: number, data: TokenData): number {
  const res = train({ run, data, backend: loadBackend({ threads }), outDir: null, evaluate: false });
  const timed = res.stepSeconds.slice(2);
  const tokens = timed.length * run.train.batchSize * run.train.gradAccum * run.model.context;
  return tokens / timed.reduce((a, b) => a + b, 0);
}

function torch(python: string, run: RunConfig, data: TokenData, steps: number, torchThreads: number, blasThreads: number): TorchResult {
  const dir = mkdtempSync(join(tmpdir(), "kd-bench-train-"));
  try {
    writeFileSync(join(dir, "config.json"), runConfigJson(run));
    writeFileSync(join(dir, "train.u16"), new Uint8Array(data.train.buffer, data.train.byteOffset, data.train.byteLength));
    const script = join(packageRoot(), "bench", "torch_ref.py");
    return torchBench(python, [script, "--config", join(dir, "config.json"), "--train", join(dir, "train.u16"), "--steps", String(steps)], torchThreads, blasThreads);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench train", argv, { preset: { type: "string" }, threads: { type: "string" }, steps: { type: "string" }, json: { type: "boolean" }, compare: { type: "boolean" }, correctness: { type: "boolean" }, plot: { type: "string" }, rounds: { type: "string" }, python: { type: "string" } }, false);
  const presets = values.preset === undefined ? ["tiny", "small"] : [values.preset as string];
  for (const p of presets) if (p !== "tiny" && p !== "small") throw new KotodamaError(`kotodama bench train: --preset expects tiny or small, got '${p}'`);
  const threads = intFlag("bench train", "threads", values.threads, 1, 1, 64);
  const json = values.json === true;
  if (values.correctness === true) {
    const results = presets.map((p) => correctness(p as "tiny" | "small", threads, (l) => void process.stderr.write(`${l}\n`)));
    for (const r of results) {
      process.stdout.write(`${JSON.stringify({ bench: "train-correctness", preset: r.preset, steps: r.steps, kotodama_val_loss: r.kotodamaValLoss, torch_val_loss: r.torchValLoss, rel_diff: Number(r.relDiff.toFixed(4)) })}\n`);
    }
    if (typeof values.plot === "string") writeFileSync(values.plot, correctnessSvg(results));
    return results.every((r) => r.relDiff <= 0.03) ? 0 : 1;
  }
  const rounds = intFlag("bench train", "rounds", values.rounds, 3, 1, 100);
  const python = typeof values.python === "string" ? values.python : DEFAULT_PYTHON;
  if (values.compare === true) checkPython("bench train", python);
  const progress = (l: string): void => void process.stderr.write(`${l}\n`);
  const ns = nativeStatus();
  if (!json) process.stdout.write(`backend: ${ns.available ? `native (${ns.isa})` : `ref (${ns.reason})`}, ${threads} thread(s), ${rounds} interleaved round(s), medians\n`);
  for (const preset of presets) {
    const steps = intFlag("bench train", "steps", values.steps, DEFAULT_STEPS[preset], 3);
    const base = resolveRunConfig(preset);
    const runCfg: RunConfig = { ...base, train: { ...base.train, maxSteps: steps } };
    const data = randomData(runCfg.model.vocabSize, 1 << 18);
    const settings = values.compare !== true ? [] : torchSettings(threads);
    const oursRuns: number[] = [];
    const torchRuns: TorchResult[][] = settings.map(() => []);
    interleave(rounds, (r) => {
      oursRuns.push(ours(runCfg, threads, data));
      progress(`  ${preset} round ${r + 1}/${rounds}: kotodama ${Math.round(oursRuns[oursRuns.length - 1]!)} tok/s`);
    }, (r) => settings.forEach(([t, b], i) => {
      const res = torch(python, runCfg, data, steps, t, b);
      torchRuns[i]!.push(res);
      progress(`  ${preset} round ${r + 1}/${rounds}: PyTorch ${t}t/BLAS ${b}: ${res.tokensPerS === null ? `failed (${res.error})` : `${Math.round(res.tokensPerS)} tok/s`}`);
    }));
    const tps = median(oursRuns);
    const rec: Record<string, unknown> = { bench: "train", preset, threads, rounds, tokens_per_s: Math.round(tps), tokens_per_s_rounds: oursRuns.map(Math.round), batch: runCfg.train.batchSize, context: runCfg.model.context };
    if (values.compare === true) {
      const { perSetting, best } = summarizeTorch(settings, torchRuns);
      rec.python = python;
      rec.torch = perSetting;
      rec.torch_best_tokens_per_s = best?.tokens_per_s ?? null;
      rec.ratio_vs_torch_best = best?.tokens_per_s == null ? null : Number((tps / best.tokens_per_s).toFixed(2));
    }
    if (json) process.stdout.write(`${JSON.stringify(rec)}\n`);
    else {
      let line = `train ${preset.padEnd(5)} B=${runCfg.train.batchSize} T=${runCfg.model.context}: ${Math.round(tps)} tok/s (rounds ${oursRuns.map(Math.round).join(", ")})`;
      if (values.compare === true) {
        const ts = rec.torch as TorchSummary[];
        line += `  | ${torchLine(ts)}`;
        line += `  | ratio vs best ${rec.ratio_vs_torch_best ?? "-"}×`;
        const blas = ts.find((r) => r.blas !== undefined)?.blas;
        if (blas !== undefined) line += `\n  PyTorch (${python}) BLAS: ${blas}`;
      }
      process.stdout.write(`${line}\n`);
    }
  }
  return 0;
}
