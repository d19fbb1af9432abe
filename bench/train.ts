// `kotodama bench train`: training throughput (tokens/s of full optimizer steps: forward, backward, clip,
// AdamW) of the tiny and small presets, and with --compare PyTorch's on the same configuration in the same
// run (bench/torch_ref.py with /usr/bin/python3, threads pinned). Not here: library code (src/train).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { intFlag, parseFlags } from "../src/cli/command.js";
import { loadBackend, nativeStatus } from "../src/engine/backend.js";
import { resolveRunConfig, runConfigJson, train, type RunConfig, type TokenData } from "../src/train/index.js";
import { KotodamaError } from "../src/util/errors.js";
import { packageRoot } from "../src/util/paths.js";
import { Rng } from "../src/util/rng.js";
import { correctness, correctnessSvg } from "./train_correctness.js";

export const summary = "training tokens/s of the tiny and small presets (vs PyTorch with --compare)";
export const help = [
  "Usage: kotodama bench train [--preset tiny|small] [--threads N] [--steps N] [--json] [--compare]",
  "",
  "Times full training steps (forward, backward, gradient clipping, AdamW) on random tokens with the preset's",
  "batch size and context; the first 2 steps are warm-up and not timed.",
  "  --preset NAME  tiny or small (default: both)",
  "  --threads N    compute threads (default 1; repeat the bench with 2 for the two-core figure)",
  "  --steps N      timed steps + 2 (default: tiny 40, small 8)",
  "  --compare      also run bench/torch_ref.py --bench with /usr/bin/python3 on the same configuration:",
  "                 torch.set_num_threads(N) and OPENBLAS_NUM_THREADS=N (and, for N > 1, torch 1 thread with",
  "                 OpenBLAS N); the best PyTorch setting is reported",
  "  --json         one JSON object per line: {\"bench\":\"train\",\"preset\",\"threads\",\"tokens_per_s\",...}",
  "  --correctness  instead: train kotodama and PyTorch on the same TinyStories stream (tiny 500 steps, small",
  "                 200) and compare validation losses; --plot FILE writes both curves as SVG",
  "",
  "PyTorch runs with whatever BLAS /usr/bin/python3 loads (reported). Debian's default libblas.so.3 is netlib's",
  "reference BLAS, ~10× slower than OpenBLAS; point LD_LIBRARY_PATH at an OpenBLAS libblas.so.3 folder to",
  "compare against OpenBLAS as the issue's anchors do.",
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

interface TorchResult {
  readonly torchThreads: number;
  readonly blasThreads: number;
  readonly tokensPerS: number | null;
  readonly blas?: string;
  readonly error?: string;
}

function torch(run: RunConfig, data: TokenData, steps: number, torchThreads: number, blasThreads: number): TorchResult {
  const dir = mkdtempSync(join(tmpdir(), "kd-bench-train-"));
  try {
    writeFileSync(join(dir, "config.json"), runConfigJson(run));
    writeFileSync(join(dir, "train.u16"), new Uint8Array(data.train.buffer, data.train.byteOffset, data.train.byteLength));
    const script = join(packageRoot(), "bench", "torch_ref.py");
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: String(blasThreads), MKL_NUM_THREADS: String(blasThreads) };
    const args = [script, "--config", join(dir, "config.json"), "--train", join(dir, "train.u16"), "--steps", String(steps), "--threads", String(torchThreads), "--bench"];
    const r = spawnSync("/usr/bin/python3", args, { env, encoding: "utf8", timeout: 600_000 });
    if (r.status !== 0) return { torchThreads, blasThreads, tokensPerS: null, error: (r.stderr || r.error?.message || "failed").trim().split("\n").slice(-1)[0] };
    const last = r.stdout.trim().split("\n").slice(-1)[0];
    const j = JSON.parse(last) as { tokens_per_s: number; blas?: string };
    return { torchThreads, blasThreads, tokensPerS: j.tokens_per_s, ...(j.blas !== undefined ? { blas: j.blas } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench train", argv, { preset: { type: "string" }, threads: { type: "string" }, steps: { type: "string" }, json: { type: "boolean" }, compare: { type: "boolean" }, correctness: { type: "boolean" }, plot: { type: "string" } }, false);
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
  const ns = nativeStatus();
  if (!json) process.stdout.write(`backend: ${ns.available ? `native (${ns.isa})` : `ref (${ns.reason})`}, ${threads} thread(s)\n`);
  for (const preset of presets) {
    const steps = intFlag("bench train", "steps", values.steps, DEFAULT_STEPS[preset], 3);
    const base = resolveRunConfig(preset);
    const runCfg: RunConfig = { ...base, train: { ...base.train, maxSteps: steps } };
    const data = randomData(runCfg.model.vocabSize, 1 << 18);
    const tps = ours(runCfg, threads, data);
    const rec: Record<string, unknown> = { bench: "train", preset, threads, tokens_per_s: Math.round(tps), batch: runCfg.train.batchSize, context: runCfg.model.context };
    if (values.compare === true) {
      if (!existsSync("/usr/bin/python3")) throw new KotodamaError("kotodama bench train --compare: /usr/bin/python3 (with Debian's python3-torch) is missing");
      const settings: [number, number][] = threads > 1 ? [[threads, threads], [1, threads]] : [[1, 1]];
      const results = settings.map(([t, b]) => torch(runCfg, data, steps, t, b));
      const ok = results.filter((r) => r.tokensPerS !== null);
      const best = ok.reduce<TorchResult | null>((a, r) => (a === null || (r.tokensPerS ?? 0) > (a.tokensPerS ?? 0) ? r : a), null);
      rec.torch = results.map((r) => ({ torch_threads: r.torchThreads, openblas_threads: r.blasThreads, tokens_per_s: r.tokensPerS === null ? null : Math.round(r.tokensPerS), ...(r.blas !== undefined ? { blas: r.blas } : {}), ...(r.error ? { error: r.error } : {}) }));
      rec.torch_best_tokens_per_s = best?.tokensPerS == null ? null : Math.round(best.tokensPerS);
      rec.ratio_vs_torch_best = best?.tokensPerS == null ? null : Number((tps / best.tokensPerS).toFixed(2));
    }
    if (json) process.stdout.write(`${JSON.stringify(rec)}\n`);
    else {
      let line = `train ${preset.padEnd(5)} B=${runCfg.train.batchSize} T=${runCfg.model.context}: ${Math.round(tps)} tok/s`;
      if (values.compare === true) {
        const tl = (rec.torch as { torch_threads: number; openblas_threads: number; tokens_per_s: number | null; error?: string }[])
          .map((r) => `torch ${r.torch_threads}t/blas ${r.openblas_threads}: ${r.tokens_per_s ?? `failed (${r.error})`}`)
          .join(", ");
        const blas = (rec.torch as { blas?: string }[]).find((r) => r.blas !== undefined)?.blas;
        line += `  | ${tl}  | ratio vs best ${rec.ratio_vs_torch_best ?? "-"}×${blas !== undefined ? `  (torch BLAS: ${blas})` : ""}`;
      }
      process.stdout.write(`${line}\n`);
    }
  }
  return 0;
}
