// `kotodama bench train`: training throughput (tokens/s of full optimizer steps: forward, backward, clip,
// AdamW) of the tiny and small presets, and with --compare PyTorch's on the same configuration in the same
// run (bench/torch_ref.py, threads pinned), in interleaved rounds with medians. Not here: library code (src/train).
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

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

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

/** PyTorch's environment: BLAS threads pinned, and OpenBLAS left to pick its kernels for this CPU (the machine may
 *  force OPENBLAS_CORETYPE=Haswell, AVX2 kernels on an AVX-512 CPU, or a cache size). */
export function torchEnv(blasThreads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: String(blasThreads), MKL_NUM_THREADS: String(blasThreads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

function torch(python: string, run: RunConfig, data: TokenData, steps: number, torchThreads: number, blasThreads: number): TorchResult {
  const dir = mkdtempSync(join(tmpdir(), "kd-bench-train-"));
  try {
    writeFileSync(join(dir, "config.json"), runConfigJson(run));
    writeFileSync(join(dir, "train.u16"), new Uint8Array(data.train.buffer, data.train.byteOffset, data.train.byteLength));
    const script = join(packageRoot(), "bench", "torch_ref.py");
    const env = torchEnv(blasThreads);
    const args = [script, "--config", join(dir, "config.json"), "--train", join(dir, "train.u16"), "--steps", String(steps), "--threads", String(torchThreads), "--bench"];
    const r = spawnSync(python, args, { env, encoding: "utf8", timeout: 600_000 });
    if (r.status !== 0) return { torchThreads, blasThreads, tokensPerS: null, error: (r.stderr || r.error?.message || "failed").trim().split("\n").slice(-1)[0] };
    const last = r.stdout.trim().split("\n").slice(-1)[0];
    const j = JSON.parse(last) as { tokens_per_s: number; blas?: string };
    return { torchThreads, blasThreads, tokensPerS: j.tokens_per_s, ...(j.blas !== undefined ? { blas: j.blas } : {}) };
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
  const python = typeof values.python === "string" ? values.python : "/usr/bin/python3";
  if (values.compare === true && python.includes("/") && !existsSync(python)) throw new KotodamaError(`kotodama bench train --compare: ${python} is missing (Debian: apt-get install python3-torch libopenblas0-pthread python3-threadpoolctl)`);
  const progress = (l: string): void => void process.stderr.write(`${l}\n`);
  const ns = nativeStatus();
  if (!json) process.stdout.write(`backend: ${ns.available ? `native (${ns.isa})` : `ref (${ns.reason})`}, ${threads} thread(s), ${rounds} interleaved round(s), medians\n`);
  for (const preset of presets) {
    const steps = intFlag("bench train", "steps", values.steps, DEFAULT_STEPS[preset], 3);
    const base = resolveRunConfig(preset);
    const runCfg: RunConfig = { ...base, train: { ...base.train, maxSteps: steps } };
    const data = randomData(runCfg.model.vocabSize, 1 << 18);
    const settings: [number, number][] = values.compare !== true ? [] : threads > 1 ? [[threads, threads], [1, threads]] : [[1, 1]];
    const oursRuns: number[] = [];
    const torchRuns: TorchResult[][] = settings.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const runOurs = (): void => {
        oursRuns.push(ours(runCfg, threads, data));
        progress(`  ${preset} round ${r + 1}/${rounds}: kotodama ${Math.round(oursRuns[oursRuns.length - 1]!)} tok/s`);
      };
      const runTorch = (): void => settings.forEach(([t, b], i) => {
        const res = torch(python, runCfg, data, steps, t, b);
        torchRuns[i]!.push(res);
        progress(`  ${preset} round ${r + 1}/${rounds}: PyTorch ${t}t/BLAS ${b}: ${res.tokensPerS === null ? `failed (${res.error})` : `${Math.round(res.tokensPerS)} tok/s`}`);
      });
      // Alternate the order, so that a drift of the machine's load does not favour one side.
      if (r % 2 === 0) { runOurs(); runTorch(); } else { runTorch(); runOurs(); }
    }
    const tps = median(oursRuns);
    const rec: Record<string, unknown> = { bench: "train", preset, threads, rounds, tokens_per_s: Math.round(tps), tokens_per_s_rounds: oursRuns.map(Math.round), batch: runCfg.train.batchSize, context: runCfg.model.context };
    if (values.compare === true) {
      const perSetting = settings.map(([t, b], i) => {
        const ok = torchRuns[i]!.flatMap((x) => (x.tokensPerS === null ? [] : [x.tokensPerS]));
        const failed = torchRuns[i]!.find((x) => x.error !== undefined);
        const blas = torchRuns[i]!.find((x) => x.blas !== undefined)?.blas;
        return {
          torch_threads: t, openblas_threads: b, tokens_per_s: ok.length === 0 ? null : Math.round(median(ok)), tokens_per_s_rounds: ok.map(Math.round),
          ...(blas !== undefined ? { blas } : {}), ...(failed?.error !== undefined ? { error: failed.error } : {}),
        };
      });
      const best = perSetting.reduce<(typeof perSetting)[number] | null>((a, x) => (x.tokens_per_s !== null && (a === null || x.tokens_per_s > (a.tokens_per_s ?? 0)) ? x : a), null);
      rec.python = python;
      rec.torch = perSetting;
      rec.torch_best_tokens_per_s = best?.tokens_per_s ?? null;
      rec.ratio_vs_torch_best = best?.tokens_per_s == null ? null : Number((tps / best.tokens_per_s).toFixed(2));
    }
    if (json) process.stdout.write(`${JSON.stringify(rec)}\n`);
    else {
      let line = `train ${preset.padEnd(5)} B=${runCfg.train.batchSize} T=${runCfg.model.context}: ${Math.round(tps)} tok/s (rounds ${oursRuns.map(Math.round).join(", ")})`;
      if (values.compare === true) {
        const ts = rec.torch as { torch_threads: number; openblas_threads: number; tokens_per_s: number | null; tokens_per_s_rounds: number[]; error?: string; blas?: string }[];
        line += `  | ${ts.map((r) => `torch ${r.torch_threads}t/blas ${r.openblas_threads}: ${r.tokens_per_s ?? `failed (${r.error})`} (rounds ${r.tokens_per_s_rounds.join(", ")})`).join(", ")}`;
        line += `  | ratio vs best ${rec.ratio_vs_torch_best ?? "-"}×`;
        const blas = ts.find((r) => r.blas !== undefined)?.blas;
        if (blas !== undefined) line += `\n  PyTorch (${python}) BLAS: ${blas}`;
      }
      process.stdout.write(`${line}\n`);
    }
  }
  return 0;
}
