// `kotodama bench quant`: quantMatmul (Q8_0, Q4_0, Q4_K, Q6_K weights) against the f32 gemm on the same shapes, as
// GB/s of weight bytes read and as time per call; batch 1 (decode) by default. With --compare, whole models on
// Q8_0 / Q4_0 GGUF files against llama.cpp on the same files (bench/decode-compare.ts). Not here: library code
// (src/engine/quant-blocks.ts, native/generic/quant.c).
import { parseFlags } from "../src/cli/command.js";
import { loadBackend } from "../src/engine/backend.js";
import { randomQuantRows } from "../src/engine/conformanceCasesQuant.js";
import type { Backend, QuantType } from "../src/engine/ops.js";
import { quantRowBytes } from "../src/engine/quant-blocks.js";
import { KotodamaError } from "../src/util/errors.js";
import { Rng } from "../src/util/rng.js";
import { runCompare } from "./decode.js";

export const summary = "quant: quantMatmul GB/s of Q8_0/Q4_0/Q4_K/Q6_K weights (q8 and f32 activations) vs f32 gemm (models vs llama.cpp with --compare)";
export const help = [
  "Usage: kotodama bench quant [--threads N] [--n N] [--json]",
  "",
  "Shapes (K × Nout): 768×3072 and 2048×8192, x of N rows (default 1, decode). Each weight type runs with",
  "activations \"q8\" (llama.cpp's arithmetic, the default) and \"f32\", and as quantMatmulT (\"T\": dY (N, Nout) · W,",
  "the input gradient of LoRA on a quantized base).",
  "  --threads N  native threads (default 1)",
  "  --n N        activation rows (default 1)",
  "  --json       one JSON object on stdout instead of the table",
  "",
  "Usage: kotodama bench quant --compare [--models LIST] [--types q8_0,q4_0] [--threads LIST] [--tokens N] [--rounds N] [--json]",
  "  decode (tg) and prompt (pp) tokens/s of the bench models exported as Q8_0 and Q4_0 GGUF, kotodama against",
  "  llama.cpp on the same files in interleaved rounds (see 'kotodama bench decode --help' for the flags).",
].join("\n");

/** Median milliseconds of fn over enough calls to fill ~0.3 s (at least 5). */
function timeMs(fn: () => void): number {
  fn();
  const t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.max(5, Math.min(2000, Math.round(300 / once)));
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    fn();
    ms.push(performance.now() - s);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)]!;
}

interface Row { shape: string; kind: string; bytes: number; ms: number; gbs: number }

function measure(be: Backend, n: number, k: number, nOut: number, rng: Rng): Row[] {
  const x = rng.fillUniform(new Float32Array(n * k), -1, 1);
  const out = new Float32Array(n * nOut);
  const shape = `${n}×${k}×${nOut}`;
  const rows: Row[] = [];
  const w32 = rng.fillUniform(new Float32Array(nOut * k), -0.05, 0.05);
  const gemmMs = timeMs(() => be.gemm({
    transA: false, transB: true, m: n, n: nOut, k, alpha: 1, beta: 0, a: x, lda: k, strideA: 0, b: w32, ldb: k, strideB: 0,
    c: out, ldc: nOut, strideC: 0, batch: 1,
  }));
  rows.push({ shape, kind: "f32 gemm", bytes: w32.byteLength, ms: gemmMs, gbs: w32.byteLength / gemmMs / 1e6 });
  for (const type of ["q8_0", "q4_0", "q4_k", "q6_k"] as QuantType[]) {
    const w = randomQuantRows(rng, type, nOut, k);
    for (const activations of ["q8", "f32"] as const) {
      const ms = timeMs(() => be.quantMatmul({ type, x, w, n, k, nOut, out, activations }));
      rows.push({ shape, kind: `${type} ${activations}`, bytes: nOut * quantRowBytes(type, k), ms, gbs: (nOut * quantRowBytes(type, k)) / ms / 1e6 });
    }
    // The transposed product (LoRA's dX through a frozen quantized weight): dY (N, Nout) · W → (N, K).
    const ms = timeMs(() => be.quantMatmulT({ type, dy: out, w, n, k, nOut, out: x }));
    rows.push({ shape, kind: `${type} T`, bytes: nOut * quantRowBytes(type, k), ms, gbs: (nOut * quantRowBytes(type, k)) / ms / 1e6 });
  }
  return rows;
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench quant", argv, {
    threads: { type: "string" }, n: { type: "string" }, json: { type: "boolean" }, compare: { type: "boolean" }, model: { type: "string" }, models: { type: "string" },
    types: { type: "string" }, tokens: { type: "string" }, rounds: { type: "string" },
  }, false);
  if (values.compare === true) return runCompare("bench quant", values, ["q8_0", "q4_0"]);
  for (const k of ["model", "models", "types", "tokens", "rounds"] as const) if (values[k] !== undefined) throw new KotodamaError(`kotodama bench quant: --${k} needs --compare`);
  const threads = values.threads === undefined ? 1 : Number(values.threads);
  const n = values.n === undefined ? 1 : Number(values.n);
  if (!Number.isInteger(threads) || threads < 1) throw new KotodamaError("kotodama bench quant: --threads expects an integer ≥ 1");
  if (!Number.isInteger(n) || n < 1) throw new KotodamaError("kotodama bench quant: --n expects an integer ≥ 1");
  const be = loadBackend({ kind: "native", threads });
  const rng = new Rng(1);
  const rows = [...measure(be, n, 768, 3072, rng), ...measure(be, n, 2048, 8192, rng)];
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ threads, n, rows })}\n`);
    return 0;
  }
  process.stdout.write(`quantMatmul vs f32 gemm, native, ${threads} thread(s), N=${n} (GB/s = weight bytes read / time)\n`);
  process.stdout.write(`${"shape N×K×Nout".padEnd(18)}${"weights x".padEnd(10)}${"MB".padStart(8)}${"ms".padStart(10)}${"GB/s".padStart(8)}\n`);
  for (const r of rows) {
    process.stdout.write(`${r.shape.padEnd(18)}${r.kind.padEnd(10)}${(r.bytes / 1e6).toFixed(2).padStart(8)}${r.ms.toFixed(3).padStart(10)}${r.gbs.toFixed(1).padStart(8)}\n`);
  }
  return 0;
}
