// The PyTorch anchor of the training benchmarks (bench train, bench sft): the interpreter check, the thread settings
// tried, the environment that lets OpenBLAS pick its own kernels, one timed run of a reference script (its last
// JSON line), interleaved rounds and the per-setting medians. Not here: the reference models (torch_ref.py,
// torch_sft_ref.py) or what is timed on our side.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { KotodamaError } from "../src/util/errors.js";

export const DEFAULT_PYTHON = "/usr/bin/python3";

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Throws naming the flag when an interpreter given as a path is missing. */
export function checkPython(command: string, python: string): void {
  if (python.includes("/") && !existsSync(python)) {
    throw new KotodamaError(`kotodama ${command} --compare: ${python} is missing (Debian: apt-get install python3-torch libopenblas0-pthread python3-threadpoolctl)`);
  }
}

/** [torch threads, BLAS threads] tried for N threads: N/N, and for N > 1 also 1/N (PyTorch's own intra-op threads
 *  and OpenBLAS's pthreads can fight over the cores; the better one is reported). */
export const torchSettings = (threads: number): [number, number][] => (threads > 1 ? [[threads, threads], [1, threads]] : [[1, 1]]);

/** PyTorch's environment: BLAS threads pinned, and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed, so that OpenBLAS
 *  picks its kernels for this CPU (a machine-wide OPENBLAS_CORETYPE=Haswell halves it on AVX-512 machines). */
export function torchEnv(blasThreads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: String(blasThreads), MKL_NUM_THREADS: String(blasThreads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

export interface TorchResult {
  readonly torchThreads: number;
  readonly blasThreads: number;
  readonly tokensPerS: number | null;
  /** Per second of the process's CPU time (all threads), when the script reports it. */
  readonly cpuTokensPerS?: number;
  readonly blas?: string;
  readonly error?: string;
}

/** Runs `python args... --threads T --bench` with BLAS threads B; its last stdout line is {"tokens_per_s", "blas"?}. */
export function torchBench(python: string, args: readonly string[], torchThreads: number, blasThreads: number): TorchResult {
  const r = spawnSync(python, [...args, "--threads", String(torchThreads), "--bench"], { env: torchEnv(blasThreads), encoding: "utf8", timeout: 1_200_000, maxBuffer: 1 << 24 });
  if (r.status !== 0) return { torchThreads, blasThreads, tokensPerS: null, error: (r.stderr || r.error?.message || "failed").trim().split("\n").slice(-1)[0] };
  const last = r.stdout.trim().split("\n").slice(-1)[0];
  const j = JSON.parse(last) as { tokens_per_s: number; cpu_tokens_per_s?: number; blas?: string };
  return { torchThreads, blasThreads, tokensPerS: j.tokens_per_s, ...(j.cpu_tokens_per_s !== undefined ? { cpuTokensPerS: j.cpu_tokens_per_s } : {}), ...(j.blas !== undefined ? { blas: j.blas } : {}) };
}

/** `rounds` rounds of ours then PyTorch's, the order alternating so that a drift of the machine's load favours
 *  neither side. */
export function interleave(rounds: number, ours: (round: number) => void, torch: (round: number) => void): void {
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      ours(r);
      torch(r);
    } else {
      torch(r);
      ours(r);
    }
  }
}

export interface TorchSummary {
  readonly torch_threads: number;
  readonly openblas_threads: number;
  readonly tokens_per_s: number | null;
  readonly tokens_per_s_rounds: number[];
  readonly cpu_tokens_per_s?: number;
  readonly blas?: string;
  readonly error?: string;
}

/** Per setting: the median over rounds (null when every round failed), its rounds, the BLAS it loaded, an error. */
export function summarizeTorch(settings: readonly [number, number][], runs: readonly (readonly TorchResult[])[]): { perSetting: TorchSummary[]; best: TorchSummary | null } {
  const perSetting = settings.map(([t, b], i): TorchSummary => {
    const ok = runs[i]!.flatMap((x) => (x.tokensPerS === null ? [] : [x.tokensPerS]));
    const failed = runs[i]!.find((x) => x.error !== undefined);
    const blas = runs[i]!.find((x) => x.blas !== undefined)?.blas;
    const cpu = runs[i]!.flatMap((x) => (x.cpuTokensPerS === undefined ? [] : [x.cpuTokensPerS]));
    return {
      torch_threads: t, openblas_threads: b, tokens_per_s: ok.length === 0 ? null : Math.round(median(ok)), tokens_per_s_rounds: ok.map(Math.round),
      ...(cpu.length > 0 ? { cpu_tokens_per_s: Math.round(median(cpu)) } : {}),
      ...(blas !== undefined ? { blas } : {}), ...(failed?.error !== undefined ? { error: failed.error } : {}),
    };
  });
  const best = perSetting.reduce<TorchSummary | null>((a, x) => (x.tokens_per_s !== null && (a === null || x.tokens_per_s > (a.tokens_per_s ?? 0)) ? x : a), null);
  return { perSetting, best };
}

/** "torch 1t/blas 1: 1234 (rounds ...)" for each setting, for the text report. */
export const torchLine = (ts: readonly TorchSummary[]): string =>
  ts.map((r) => `torch ${r.torch_threads}t/blas ${r.openblas_threads}: ${r.tokens_per_s ?? `failed (${r.error})`} (rounds ${r.tokens_per_s_rounds.join(", ")})`).join(", ");
