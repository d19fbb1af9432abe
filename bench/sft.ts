// `kotodama bench sft`: SFT step throughput (forward, backward, clipping, AdamW on the trainable parameters, loss on
// response tokens of packed rows) for full fine-tuning and LoRA, and with --compare PyTorch's (bench/torch_sft_ref.py:
// same model, weights, batches, LoRA rank and optimizer) in the same run, interleaved rounds, medians, for each
// thread count asked. --correctness compares the first steps' losses instead. Not here: the workload
// (sft-workload.ts), library code (src/train/sft).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { intFlag, parseFlags } from "../src/cli/command.js";
import { loadBackend, nativeStatus } from "../src/engine/backend.js";
import { KotodamaError } from "../src/util/errors.js";
import { profiledBackend, profileTable } from "./op-profile.js";
import { SFT_LOSS_TOLERANCE, sftCorrectness } from "./sft_correctness.js";
import { SFT_PRESETS, oursSft, presetLabel, sftWorkload, writeTorchInputs, type SftMode, type SftWorkload } from "./sft-workload.js";
import { DEFAULT_PYTHON, checkPython, interleave, median, summarizeTorch, torchBench, torchLine, torchSettings, type TorchResult } from "./torch-anchor.js";

export const summary = "SFT tokens/s, full fine-tuning and LoRA (vs PyTorch with --compare)";
export const help = [
  "Usage: kotodama bench sft [--preset NAME[,NAME]] [--threads N[,N]] [--steps N] [--rounds N] [--lora-rank R]",
  "                          [--mode full|lora|both] [--compare [--python EXE]] [--json] [--correctness | --profile]",
  "",
  "Times SFT steps through the training loop (forward, backward, gradient clipping at 1, AdamW on the trainable",
  "parameters, SFT's schedule) on synthetic instruction rows packed into B rows of T tokens, each example attending",
  "only within itself, loss on response tokens only; tokens/s counts all B·T positions of steps 3..N.",
  "Full fine-tuning trains every weight; LoRA trains rank-R adapters (alpha 2R, no dropout) on q,k,v,o,gate,up,down",
  "of every block with the rest frozen.",
  `  --preset NAME   ${Object.entries(SFT_PRESETS).map(([k, p]) => `${k} (${p.note})`).join(", ")} (default: default)`,
  "  --threads LIST  compute threads, one measurement per entry (default 1,2)",
  "  --steps N       steps per run, the first 2 untimed (default per preset: default 12, llama-40m 5, tiny 6)",
  "  --rounds N      interleaved rounds (kotodama, then PyTorch; the order alternates), medians (default: default 3,",
  "                  llama-40m 1)",
  "  --lora-rank R   LoRA rank (default 16)",
  "  --mode M        full, lora or both (default both)",
  "  --compare       also run bench/torch_sft_ref.py --bench (interpreter /usr/bin/python3 or --python EXE) from the",
  "                  same weights on the same batches: torch.set_num_threads(N) and OPENBLAS_NUM_THREADS=N (and, for",
  "                  N > 1, torch 1 thread with OpenBLAS N), the better one reported; OPENBLAS_CORETYPE and",
  "                  OPENBLAS_L2_SIZE removed from its environment so that OpenBLAS picks its kernels for this CPU",
  "  --json          one JSON object per line: {\"bench\":\"sft\",\"preset\",\"mode\",\"threads\",\"tokens_per_s\",...}",
  `  --correctness   instead: each mode's loss over the first --steps steps (default 8, lr 1e-3) against PyTorch's`,
  `                  from the same start; exit 1 when a step differs by more than ${SFT_LOSS_TOLERANCE} (relative)`,
  "  --profile       instead: one run per mode with every kernel timed (the first --threads entry); prints the",
  "                  kernels by share of the step time, gemms by shape, and the time outside the kernels",
].join("\n");

const CMD = "bench sft";

/** "1,2" → [1, 2], each checked. */
function intList(flag: string, v: unknown, fallback: string, min: number, max: number): number[] {
  return String(v ?? fallback).split(",").map((x) => intFlag(CMD, flag, x, 0, min, max));
}

function listFlag(flag: string, v: unknown, fallback: string, allowed: readonly string[]): string[] {
  const xs = String(v ?? fallback).split(",");
  for (const x of xs) if (!allowed.includes(x)) throw new KotodamaError(`kotodama ${CMD}: --${flag} expects ${allowed.join(", ")} (comma-separated), got '${x}'`);
  return xs;
}

interface Measured {
  readonly ours: number[];
  readonly oursCpu: number[];
  readonly torch: TorchResult[][];
  trainable: number;
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags(CMD, argv, {
    preset: { type: "string" }, threads: { type: "string" }, steps: { type: "string" }, rounds: { type: "string" }, "lora-rank": { type: "string" },
    mode: { type: "string" }, compare: { type: "boolean" }, python: { type: "string" }, json: { type: "boolean" }, correctness: { type: "boolean" },
    profile: { type: "boolean" },
  }, false);
  const presets = listFlag("preset", values.preset, "default", Object.keys(SFT_PRESETS));
  const threadList = intList("threads", values.threads, "1,2", 1, 64);
  const rank = intFlag(CMD, "lora-rank", values["lora-rank"], 16, 1, 1024);
  const modeFlag = listFlag("mode", values.mode, "both", ["full", "lora", "both"])[0]!;
  const modes: SftMode[] = modeFlag === "both" ? ["full", "lora"] : [modeFlag as SftMode];
  const python = typeof values.python === "string" ? values.python : DEFAULT_PYTHON;
  const json = values.json === true;
  const progress = (l: string): void => void process.stderr.write(`${l}\n`);

  if (values.correctness === true) {
    checkPython(CMD, python);
    let ok = true;
    for (const preset of presets) {
      for (const mode of modes) {
        const r = sftCorrectness(preset, mode, { steps: intFlag(CMD, "steps", values.steps, 8, 1, 1000), rank, threads: threadList[0]!, python });
        ok &&= r.maxRelDiff <= SFT_LOSS_TOLERANCE;
        const rec = { bench: "sft-correctness", preset, mode, steps: r.ours.length, max_rel_diff: r.maxRelDiff, kotodama_loss: r.ours.map((x) => Number(x.toFixed(5))), torch_loss: r.torch.map((x) => Number(x.toFixed(5))) };
        if (json) process.stdout.write(`${JSON.stringify(rec)}\n`);
        else process.stdout.write(`sft-correctness ${preset} ${mode}: max relative loss difference ${r.maxRelDiff.toExponential(2)} over ${r.ours.length} steps\n  kotodama ${rec.kotodama_loss.join(" ")}\n  PyTorch  ${rec.torch_loss.join(" ")}\n`);
      }
    }
    return ok ? 0 : 1;
  }

  if (values.profile === true) {
    for (const preset of presets) {
      for (const mode of modes) {
        const wl = sftWorkload(preset, mode, { steps: intFlag(CMD, "steps", values.steps, SFT_PRESETS[preset]!.steps, 1, 10_000), rank });
        const { backend, times } = profiledBackend(loadBackend({ threads: threadList[0]! }));
        const res = oursSft(wl, backend);
        const ms = 1000 * res.stepSeconds.reduce((a, b) => a + b, 0);
        process.stdout.write(`profile ${presetLabel(preset)} ${mode}, ${threadList[0]} thread(s), ${res.stepSeconds.length} steps (warm-up included):\n${profileTable(times, res.stepSeconds.length, ms).join("\n")}\n`);
      }
    }
    return 0;
  }

  const compare = values.compare === true;
  if (compare) checkPython(CMD, python);
  const ns = nativeStatus();
  if (!json) process.stdout.write(`backend: ${ns.available ? `native (${ns.isa})` : `ref (${ns.reason})`}; LoRA r=${rank}, alpha ${2 * rank} on q,k,v,o,gate,up,down; interleaved rounds, medians\n`);
  for (const preset of presets) {
    const p = SFT_PRESETS[preset]!;
    const steps = intFlag(CMD, "steps", values.steps, p.steps, 3, 10_000);
    const rounds = intFlag(CMD, "rounds", values.rounds, p.rounds, 1, 100);
    const dir = mkdtempSync(join(tmpdir(), "kd-bench-sft-"));
    try {
      const wls = new Map<SftMode, { wl: SftWorkload; args: string[] }>();
      for (const mode of modes) {
        const wl = sftWorkload(preset, mode, { steps, rank });
        const sub = join(dir, mode);
        const args = compare ? writeTorchInputs(mkdtempSync(`${sub}-`), wl, loadBackend({ threads: 1 })) : [];
        wls.set(mode, { wl, args });
      }
      for (const threads of threadList) {
        const settings = compare ? torchSettings(threads) : [];
        for (const mode of modes) {
          const { wl, args } = wls.get(mode)!;
          const m: Measured = { ours: [], oursCpu: [], torch: settings.map(() => []), trainable: 0 };
          const tag = `${preset} ${mode} ${threads}t`;
          interleave(rounds, (r) => {
            const res = oursSft(wl, loadBackend({ threads }));
            m.ours.push(res.tokensPerS);
            m.oursCpu.push(res.cpuTokensPerS);
            m.trainable = res.trainable;
            progress(`  ${tag} round ${r + 1}/${rounds}: kotodama ${Math.round(res.tokensPerS)} tok/s (loss ${res.losses[0]?.toFixed(3)} → ${res.losses.at(-1)?.toFixed(3)})`);
          }, (r) => settings.forEach(([t, b], i) => {
            const res = torchBench(python, args, t, b);
            m.torch[i]!.push(res);
            progress(`  ${tag} round ${r + 1}/${rounds}: PyTorch ${t}t/BLAS ${b}: ${res.tokensPerS === null ? `failed (${res.error})` : `${Math.round(res.tokensPerS)} tok/s`}`);
          }));
          report(wl, threads, rounds, m, compare ? python : null, json);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return 0;
}

function report(wl: SftWorkload, threads: number, rounds: number, m: Measured, python: string | null, json: boolean): void {
  const tps = median(m.ours);
  const { batchSize: B } = wl.run.train;
  const T = wl.batches.seqLen;
  const rec: Record<string, unknown> = {
    bench: "sft", preset: wl.preset, mode: wl.mode, threads, rounds, tokens_per_s: Math.round(tps), tokens_per_s_rounds: m.ours.map(Math.round),
    cpu_tokens_per_s: Math.round(median(m.oursCpu)), batch: B, seq_len: T, steps: wl.run.train.maxSteps, trainable_parameters: m.trainable, loss_token_share: Number(wl.lossShare.toFixed(3)),
    lora: wl.lora === null ? null : { rank: wl.lora.rank, alpha: wl.lora.alpha, targets: wl.lora.targets },
  };
  let line = `sft ${presetLabel(wl.preset)} ${wl.mode.padEnd(4)} ${threads}t: ${Math.round(tps)} tok/s (rounds ${m.ours.map(Math.round).join(", ")})`;
  if (python !== null) {
    const { perSetting, best } = summarizeTorch(torchSettings(threads), m.torch);
    rec.python = python;
    rec.torch = perSetting;
    rec.torch_best_tokens_per_s = best?.tokens_per_s ?? null;
    rec.ratio_vs_torch_best = best?.tokens_per_s == null ? null : Number((tps / best.tokens_per_s).toFixed(2));
    // Per CPU-second, one thread against one thread (with N threads, CPU time also counts threads that wait).
    const cpu1 = perSetting.find((x) => x.torch_threads === 1 && x.openblas_threads === 1)?.cpu_tokens_per_s;
    if (threads === 1 && cpu1 !== undefined) rec.cpu_ratio_vs_torch = Number(((rec.cpu_tokens_per_s as number) / cpu1).toFixed(2));
    line += `  | ${torchLine(perSetting)}  | ratio vs best ${rec.ratio_vs_torch_best ?? "-"}×${rec.cpu_ratio_vs_torch !== undefined ? ` (per CPU-second ${rec.cpu_ratio_vs_torch}×)` : ""}`;
    const blas = perSetting.find((r) => r.blas !== undefined)?.blas;
    if (blas !== undefined) line += `\n  PyTorch (${python}) BLAS: ${blas}`;
  }
  process.stdout.write(json ? `${JSON.stringify(rec)}\n` : `${line}\n`);
}
