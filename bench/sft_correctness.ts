// `kotodama bench sft --correctness`: the loss of each of the first steps of an SFT run (full fine-tuning or LoRA),
// kotodama against bench/torch_sft_ref.py started from the same weights (LoRA's A included) on the same packed
// batches, at a learning rate high enough (1e-3) that the loss moves. Same start and data: step 1 agrees to float
// rounding and later steps stay close unless an update rule differs. Not here: timing (sft.ts), library code.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../src/engine/backend.js";
import { KotodamaError } from "../src/util/errors.js";
import { oursSft, sftWorkload, writeTorchInputs, type SftMode } from "./sft-workload.js";
import { torchEnv } from "./torch-anchor.js";

/** Largest relative loss difference accepted over the compared steps. */
export const SFT_LOSS_TOLERANCE = 1e-4;

export interface SftCorrectness {
  readonly preset: string;
  readonly mode: SftMode;
  readonly ours: readonly number[];
  readonly torch: readonly number[];
  /** max over steps of |ours − torch| / torch. */
  readonly maxRelDiff: number;
}

export interface SftCorrectnessOptions {
  readonly steps: number;
  readonly rank: number;
  readonly threads: number;
  readonly python: string;
}

export function sftCorrectness(preset: string, mode: SftMode, o: SftCorrectnessOptions): SftCorrectness {
  const wl = sftWorkload(preset, mode, { steps: o.steps, rank: o.rank, lr: 1e-3 });
  const backend = loadBackend({ threads: o.threads });
  const dir = mkdtempSync(join(tmpdir(), "kd-bench-sft-correct-"));
  try {
    const args = writeTorchInputs(dir, wl, backend);
    const r = spawnSync(o.python, [...args, "--threads", String(o.threads)], { env: torchEnv(o.threads), encoding: "utf8", maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new KotodamaError(`bench sft --correctness: torch_sft_ref.py failed: ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-3).join(" | ")}`);
    const torch = r.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { train_loss: number }).train_loss);
    const ours = oursSft(wl, backend).losses;
    if (torch.length !== ours.length) throw new KotodamaError(`bench sft --correctness: PyTorch ran ${torch.length} steps, kotodama ${ours.length}`);
    const maxRelDiff = Math.max(...ours.map((l, i) => Math.abs(l - torch[i]!) / torch[i]!));
    return { preset, mode, ours, torch, maxRelDiff };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
