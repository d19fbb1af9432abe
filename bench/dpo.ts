// `kotodama bench dpo`: DPO training throughput (tokens/s of full steps: the policy's forward over the chosen and
// rejected rows, the preference loss, backward, clip, AdamW; the reference's log-probs are cached, as in a run)
// on the tiny and small presets with random weights and tokens, and with --compare PyTorch's on the same model,
// batch and sequence lengths (bench/torch_dpo_ref.py), in interleaved rounds with medians. Not here: library code.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { intFlag, parseFlags } from "../src/cli/command.js";
import { loadBackend, nativeStatus } from "../src/engine/backend.js";
import { resolveRunConfig, runConfigJson, train, IGNORE_INDEX, type RunConfig } from "../src/train/index.js";
import { dpoBatchSource, dpoObjective, type PairRows } from "../src/train/dpo/index.js";
import type { SftRow } from "../src/train/sft/index.js";
import { KotodamaError } from "../src/util/errors.js";
import { packageRoot } from "../src/util/paths.js";
import { Rng } from "../src/util/rng.js";
import { median, torchEnv } from "./torch-anchor.js";

export const summary = "DPO step tokens/s of the tiny and small presets (vs PyTorch with --compare)";
export const help = [
  "Usage: kotodama bench dpo [--preset tiny|small] [--threads N] [--steps N] [--rounds N] [--json] [--compare [--python EXE]]",
  "",
  "Times DPO steps (policy forward on B chosen + B rejected rows of T tokens, answer log-probs, the DPO loss,",
  "backward, clipping, AdamW) on random tokens: B = half the preset's batch in pairs (tiny 6, small 4), T = its",
  "context, answers on the last 3/4 of each row. Tokens/s counts all 2·B·T positions; 2 warm-up steps untimed.",
  "  --preset NAME  tiny or small (default: both)",
  "  --threads N    compute threads (default 1)",
  "  --steps N      timed steps + 2 (default: tiny 30, small 8)",
  "  --rounds N     interleaved rounds, medians reported (default 3)",
  "  --compare      also run bench/torch_dpo_ref.py (default /usr/bin/python3, --python EXE) on the same model,",
  "                 batch and rows: torch.set_num_threads(N), OPENBLAS_NUM_THREADS=N, OPENBLAS_CORETYPE and",
  "                 OPENBLAS_L2_SIZE removed; the BLAS library and kernel family are printed (threadpoolctl)",
  "  --json         one JSON object per line",
].join("\n");

const DEFAULT_STEPS: Record<string, number> = { tiny: 30, small: 8 };
const BETA = 0.1;
const N_PAIRS = 64;

/** The bench's data: N random pairs of rows of exactly T tokens, the answer (loss-bearing targets) the last 3/4 of
 *  each row, and their cached reference log-probabilities (plausible values near −T·ln V); also read by
 *  dev/dpo-step/harness.mjs, so that its A/B runs train on the bench's very rows. */
export function benchPairs(V: number, T: number, rng: Pick<Rng, "int" | "next">): { pairs: PairRows; ref: Float32Array } {
  const pairs = randomPairs(V, T, rng);
  return { pairs, ref: Float32Array.from({ length: 2 * N_PAIRS }, () => -T * Math.log(V) * (0.7 + 0.1 * rng.next())) };
}

/** N random pairs of rows of exactly T tokens; the answer (loss-bearing targets) is the last 3/4 of each row. */
function randomPairs(V: number, T: number, rng: Pick<Rng, "int">): PairRows {
  const row = (): SftRow => {
    const ids = Int32Array.from({ length: T + 1 }, () => rng.int(V));
    const targets = ids.slice(1);
    targets.fill(IGNORE_INDEX, 0, Math.floor(T / 4));
    return { inputs: ids.slice(0, T), targets, where: "random" };
  };
  const chosen = Array.from({ length: N_PAIRS }, row);
  const rejected = Array.from({ length: N_PAIRS }, row);
  return { chosen, rejected, truncated: 0, dropped: 0, tokens: 2 * N_PAIRS * T, kept: chosen.map((_, i) => i) };
}

function ours(run: RunConfig, threads: number, pairs: PairRows, ref: Float32Array): number {
  const T = run.model.context;
  const batches = dpoBatchSource({ train: pairs, val: pairs, trainRef: ref, valRef: ref, seqLen: T, vocabSize: run.model.vocabSize, description: "random pairs" });
  const res = train({ run, batches, objective: dpoObjective(BETA), backend: loadBackend({ threads }), outDir: null, evaluate: false });
  const timed = res.stepSeconds.slice(2);
  return (timed.length * 2 * run.train.batchSize * T) / timed.reduce((a, b) => a + b, 0);
}

interface TorchResult {
  readonly tokensPerS: number | null;
  readonly blas?: string;
  readonly error?: string;
}

function torch(python: string, run: RunConfig, pairs: PairRows, ref: Float32Array, steps: number, threads: number): TorchResult {
  const dir = mkdtempSync(join(tmpdir(), "kd-bench-dpo-"));
  try {
    const T = run.model.context;
    const rows = [...pairs.chosen, ...pairs.rejected];
    const buf = new Int32Array(2 * rows.length * T);
    rows.forEach((r, i) => {
      buf.set(r.inputs, i * T);
      buf.set(r.targets, (rows.length + i) * T);
    });
    writeFileSync(join(dir, "config.json"), runConfigJson(run));
    writeFileSync(join(dir, "rows.i32"), new Uint8Array(buf.buffer));
    writeFileSync(join(dir, "ref.f32"), new Uint8Array(ref.buffer, ref.byteOffset, ref.byteLength));
    const script = join(packageRoot(), "bench", "torch_dpo_ref.py");
    const args = [script, "--config", join(dir, "config.json"), "--rows", join(dir, "rows.i32"), "--ref", join(dir, "ref.f32"), "--pairs", String(N_PAIRS), "--beta", String(BETA), "--steps", String(steps), "--threads", String(threads), "--bench"];
    const r = spawnSync(python, args, { env: torchEnv(threads), encoding: "utf8", timeout: 600_000 });
    if (r.status !== 0) return { tokensPerS: null, error: (r.stderr || r.error?.message || "failed").trim().split("\n").slice(-1)[0] };
    const j = JSON.parse(r.stdout.trim().split("\n").slice(-1)[0]!) as { tokens_per_s: number; blas?: string };
    return { tokensPerS: j.tokens_per_s, ...(j.blas !== undefined ? { blas: j.blas } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench dpo", argv, { preset: { type: "string" }, threads: { type: "string" }, steps: { type: "string" }, json: { type: "boolean" }, compare: { type: "boolean" }, rounds: { type: "string" }, python: { type: "string" } }, false);
  const presets = values.preset === undefined ? ["tiny", "small"] : [values.preset as string];
  for (const p of presets) if (p !== "tiny" && p !== "small") throw new KotodamaError(`kotodama bench dpo: --preset expects tiny or small, got '${p}'`);
  const threads = intFlag("bench dpo", "threads", values.threads, 1, 1, 64);
  const rounds = intFlag("bench dpo", "rounds", values.rounds, 3, 1, 100);
  const json = values.json === true;
  const compare = values.compare === true;
  const python = typeof values.python === "string" ? values.python : "/usr/bin/python3";
  if (compare && python.includes("/") && !existsSync(python)) throw new KotodamaError(`kotodama bench dpo --compare: ${python} is missing (Debian: apt-get install python3-torch libopenblas0-pthread python3-threadpoolctl)`);
  const ns = nativeStatus();
  if (!json) process.stdout.write(`backend: ${ns.available ? `native (${ns.isa})` : `ref (${ns.reason})`}, ${threads} thread(s), ${rounds} interleaved round(s), medians\n`);
  for (const preset of presets) {
    const steps = intFlag("bench dpo", "steps", values.steps, DEFAULT_STEPS[preset]!, 3);
    const base = resolveRunConfig(preset);
    const B = Math.max(1, Math.floor(base.train.batchSize / 2));
    const runCfg: RunConfig = { ...base, train: { ...base.train, maxSteps: steps, batchSize: B, warmupSteps: 1 } };
    const rng = new Rng(1);
    const { pairs, ref } = benchPairs(runCfg.model.vocabSize, runCfg.model.context, rng);
    const oursRuns: number[] = [];
    const torchRuns: TorchResult[] = [];
    for (let r = 0; r < rounds; r++) {
      const runOurs = (): void => {
        oursRuns.push(ours(runCfg, threads, pairs, ref));
        process.stderr.write(`  ${preset} round ${r + 1}/${rounds}: kotodama ${Math.round(oursRuns.at(-1)!)} tok/s\n`);
      };
      const runTorch = (): void => {
        if (!compare) return;
        const t = torch(python, runCfg, pairs, ref, steps, threads);
        torchRuns.push(t);
        process.stderr.write(`  ${preset} round ${r + 1}/${rounds}: PyTorch ${t.tokensPerS === null ? `failed (${t.error})` : `${Math.round(t.tokensPerS)} tok/s`}\n`);
      };
      if (r % 2 === 0) { runOurs(); runTorch(); } else { runTorch(); runOurs(); }
    }
    const tps = median(oursRuns);
    const ok = torchRuns.flatMap((x) => (x.tokensPerS === null ? [] : [x.tokensPerS]));
    const tt = ok.length === 0 ? null : median(ok);
    const blas = torchRuns.find((x) => x.blas !== undefined)?.blas;
    const rec = {
      bench: "dpo", preset, threads, rounds, pairs_per_step: B, rows_per_step: 2 * B, seq_len: runCfg.model.context,
      tokens_per_s: Math.round(tps), tokens_per_s_rounds: oursRuns.map(Math.round),
      ...(compare ? { torch_tokens_per_s: tt === null ? null : Math.round(tt), torch_rounds: ok.map(Math.round), ratio_vs_torch: tt === null ? null : Number((tps / tt).toFixed(2)), blas: blas ?? null, error: torchRuns.find((x) => x.error !== undefined)?.error ?? null } : {}),
    };
    if (json) process.stdout.write(`${JSON.stringify(rec)}\n`);
    else {
      let line = `dpo ${preset.padEnd(5)} ${B} pairs × 2 rows × T=${runCfg.model.context}: ${rec.tokens_per_s} tok/s (rounds ${rec.tokens_per_s_rounds.join(", ")})`;
      if (compare) line += `  | PyTorch ${tt === null ? `failed (${rec.error})` : `${Math.round(tt)} tok/s (rounds ${ok.map(Math.round).join(", ")})`}  | ratio ${rec.ratio_vs_torch ?? "-"}×${blas !== undefined ? `\n  PyTorch (${python}) BLAS: ${blas}` : ""}`;
      process.stdout.write(`${line}\n`);
    }
  }
  return 0;
}
