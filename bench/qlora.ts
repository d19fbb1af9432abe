// `kotodama bench qlora`: LoRA fine-tuning (rank 16 on q, k, v, o, gate, up, down) of a random-weight Qwen2 fixture
// at Qwen2.5-0.5B's width, its GGUF written as F32, Q8_0 and Q4_0: peak RSS and training tokens/s of `sft` on each
// base. Each base runs in a child process of its own, so that process.resourceUsage().maxRSS is that run's peak.
// Not here: library code (src/train/sft, src/tensor/linearQ.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { intFlag, parseFlags } from "../src/cli/command.js";
import { loadBackend } from "../src/engine/backend.js";
import { NEUTRAL_FLAGS, validateModelConfig, type ModelConfig } from "../src/models/config.js";
import { familyByName } from "../src/models/families/index.js";
import { writeFamilyGguf, type GgufWeightType } from "../src/models/save-family.js";
import { runSft } from "../src/train/sft/index.js";
import { KotodamaError } from "../src/util/errors.js";
import { fixtureVocab, fixtureWeights } from "../tests/fixtures/families.js";

export const summary = "qlora: peak RSS and tokens/s of LoRA r16 on a Qwen2.5-0.5B-shaped random model, F32 vs Q8_0 vs Q4_0 base";
export const help = [
  "Usage: kotodama bench qlora [--layers N] [--batch B] [--context T] [--steps N] [--threads N] [--types f32,q8_0,q4_0] [--json]",
  "",
  "Writes a random-weight Qwen2 GGUF with Qwen2.5-0.5B's shapes (dim 896, 14 heads, 2 KV heads, head dim 64, FFN",
  "4864, vocab 151936, tied embeddings, q/k/v biases) to a temp dir as each type, then runs `sft` with LoRA rank 16",
  "(alpha 32) on q,k,v,o,gate,up,down of each in a child process: B rows of T tokens per step (long synthetic",
  "examples truncated to T), no checkpoints. Reports the child's peak RSS during training (maxRSS sampled after",
  "every step) and at exit (train() returns the merged f32 model, which a quantized base pays for at the end), and",
  "training tokens/s (B·T per step over the steps after the first).",
  "  --layers N    decoder layers (default 24, the real model's)",
  "  --batch B     rows per step (default 4)",
  "  --context T   tokens per row (default 256)",
  "  --steps N     optimizer steps (default 4; the first is warm-up and not timed)",
  "  --threads N   compute threads (default: all cores)",
  "  --types LIST  bases to run (default f32,q8_0,q4_0)",
  "  --json        one JSON object per base on stdout",
].join("\n");

const TYPES: readonly GgufWeightType[] = ["f32", "q8_0", "q4_0"];
const TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

/** Qwen2.5-0.5B's shapes (its config.json) with nLayers layers. */
export function qwen05Config(nLayers: number): ModelConfig {
  return validateModelConfig({
    ...NEUTRAL_FLAGS, vocabSize: 151936, dim: 896, nLayers, nHeads: 14, nKvHeads: 2, hiddenDim: 4864, context: 4096,
    norm: "rms", normEps: 1e-6, pos: "rope", ropeTheta: 1e6, ropePairing: "half", mlp: "swiglu", bias: false, qkvBias: true, tieEmbeddings: true,
  }, "bench qlora");
}

interface ChildResult {
  readonly type: string;
  readonly batch: number;
  readonly context: number;
  readonly steps: number;
  readonly threads: number;
  readonly tokensPerS: number;
  readonly peakTrainMiB: number;
  readonly peakExitMiB: number;
  readonly firstLoss: number;
  readonly lastLoss: number;
}

const rssMiB = (): number => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB

/** One base in this process: sft with LoRA r16 on every projection, no output directory. */
function child(path: string, type: string, data: string, B: number, T: number, steps: number, threads: number): ChildResult {
  const backend = loadBackend(threads > 0 ? { threads } : {});
  let peakTrain = 0;
  const losses: number[] = [];
  const res = runSft({
    model: path, data: [data], outDir: null, backend,
    settings: { maxSteps: steps, batchSize: B, context: T, seed: 1, lora: { rank: 16, alpha: 32, targets: TARGETS } },
    onProgress: (p) => {
      peakTrain = rssMiB();
      losses.push(p.loss);
    },
  });
  const timed = res.stepSeconds.slice(1);
  const tokensPerS = (timed.length * B * T) / timed.reduce((a, b) => a + b, 0);
  return { type, batch: B, context: T, steps, threads: backend.threads(), tokensPerS, peakTrainMiB: peakTrain, peakExitMiB: rssMiB(), firstLoss: losses[0] ?? NaN, lastLoss: losses.at(-1) ?? NaN };
}

/** Instruction data whose every completion is longer than T tokens (so every row is T tokens after truncation). */
function writeData(path: string, T: number): void {
  const text = "Once upon a time there was a little girl who liked to play in the park with her friends. ";
  const long = text.repeat(Math.ceil((4 * T) / 18));
  writeFileSync(path, Array.from({ length: 20 }, (_, i) => JSON.stringify({ prompt: `Tell story ${i}.`, completion: long })).join("\n"));
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench qlora", argv, {
    layers: { type: "string" }, batch: { type: "string" }, context: { type: "string" }, steps: { type: "string" }, threads: { type: "string" },
    types: { type: "string" }, json: { type: "boolean" }, child: { type: "string" }, type: { type: "string" }, data: { type: "string" },
  }, false);
  const B = intFlag("bench qlora", "batch", values.batch, 4, 1, 1024);
  const T = intFlag("bench qlora", "context", values.context, 256, 8, 4096);
  const steps = intFlag("bench qlora", "steps", values.steps, 4, 2, 100000);
  const threads = intFlag("bench qlora", "threads", values.threads, 0, 0, 1024);
  const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  const childPath = str(values.child);
  if (childPath !== undefined) {
    // Internal: one base, measured in this process; prints its JSON line.
    process.stdout.write(`${JSON.stringify(child(childPath, str(values.type) ?? "?", str(values.data) ?? "", B, T, steps, threads))}\n`);
    return 0;
  }
  const layers = intFlag("bench qlora", "layers", values.layers, 24, 1, 64);
  const types = (str(values.types) ?? TYPES.join(",")).split(",").map((t: string) => {
    const hit = TYPES.find((x) => x === t.trim());
    if (hit === undefined) throw new KotodamaError(`kotodama bench qlora: --types expects some of ${TYPES.join(", ")}, got ${JSON.stringify(t)}`);
    return hit;
  });
  const dir = mkdtempSync(join(tmpdir(), "kd-bench-qlora-"));
  try {
    const family = familyByName("qwen2")!;
    const config = qwen05Config(layers);
    const vocab = fixtureVocab();
    process.stderr.write(`writing the fixture (${layers} layers) to ${dir} ...\n`);
    const weights = fixtureWeights(family, config, 1);
    const data = join(dir, "data.jsonl");
    writeData(data, T);
    const paths = new Map<string, string>();
    for (const t of types) {
      const p = join(dir, `qwen05-${t}.gguf`);
      writeFamilyGguf(p, family, config, weights, t, vocab.entries, "kotodama bench qlora fixture");
      paths.set(t, p);
    }
    weights.clear();
    const rows: ChildResult[] = [];
    for (const t of types) {
      process.stderr.write(`${t}: LoRA r16, ${B}×${T} tokens per step, ${steps} steps ...\n`);
      const args = [process.argv[1]!, "bench", "qlora", "--child", paths.get(t)!, "--type", t, "--data", data, "--batch", String(B), "--context", String(T), "--steps", String(steps), "--threads", String(threads)];
      const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new KotodamaError(`kotodama bench qlora: the ${t} run failed (exit ${String(r.status)}):\n${r.stderr.slice(-2000)}`);
      const line = r.stdout.trim().split("\n").at(-1) ?? "";
      const res = JSON.parse(line) as ChildResult;
      rows.push(res);
      if (values.json === true) process.stdout.write(`${JSON.stringify({ bench: "qlora", layers, ...res })}\n`);
    }
    if (values.json !== true) {
      process.stdout.write(`LoRA r16 (q,k,v,o,gate,up,down) on a Qwen2.5-0.5B-shaped random model, ${layers} layers, ${B}×${T} tokens/step, ${rows[0]?.threads ?? "?"} thread(s)\n`);
      process.stdout.write(`${"base".padEnd(8)}${"tokens/s".padStart(10)}${"peak RSS train".padStart(16)}${"at exit".padStart(10)}${"loss first→last".padStart(20)}\n`);
      for (const r of rows) {
        process.stdout.write(`${r.type.padEnd(8)}${r.tokensPerS.toFixed(1).padStart(10)}${`${(r.peakTrainMiB / 1024).toFixed(2)} GiB`.padStart(16)}${`${(r.peakExitMiB / 1024).toFixed(2)} GiB`.padStart(10)}${`${r.firstLoss.toFixed(3)}→${r.lastLoss.toFixed(3)}`.padStart(20)}\n`);
      }
    }
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
