// `kotodama bench engine`: GFLOP/s of the engine's GEMM and matrix-vector products (with plain-copy bandwidth
// for scale), fused attention and elementwise kernels, optionally against NumPy/PyTorch timed in the same run.
// Not here: kernels (src/engine), the anchors' own timing code (bench/compare_blas.py).
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { delimiter, join } from "node:path";
import { performance } from "node:perf_hooks";
import { intFlag, parseFlags } from "../src/cli/command.js";
import { loadBackend, nativeStatus } from "../src/engine/backend.js";
import type { Backend } from "../src/engine/ops.js";
import { loadAddon } from "../src/engine/backends/native/index.js";
import { KotodamaError } from "../src/util/errors.js";
import { packageRoot } from "../src/util/paths.js";
import { Rng } from "../src/util/rng.js";

export const summary = "GEMM, matrix-vector, attention and elementwise throughput (optionally vs NumPy/PyTorch)";

export const help = [
  "Usage: kotodama bench engine [--threads N[,N...]] [--json] [--compare] [--quick] [--backend native|ref]",
  "                             [--isa generic|avx2|avx512] [--python PATH]... [--rounds R]",
  "",
  "Times fp32 GEMM at 256³, 512³, 1024³, 4096×384×1536, 4096×1536×384, 768×128×512 (M×K×N, C = A·B",
  "row-major) and matrix-vector 1×768×3072, 1×2048×8192 (also as GB/s of weights, next to the bandwidth of a",
  "plain copy of the same bytes), fused causal attention (H=6, D=64) and elementwise kernels. Every figure is",
  "the median of repeated runs after a warm-up.",
  "",
  "  --threads N[,N]  thread counts to measure (default 1,2; the native pool is process-wide)",
  "  --json           one JSON object per line: {op, impl, m, k, n, threads, gflops, ...} (op \"gemm\" for",
  "                   products; impl \"kotodama\", or the anchor's library with --compare)",
  "  --compare        also time NumPy and PyTorch on the same GEMM shapes, threads pinned to ours",
  "                   (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS, torch.set_num_threads), and",
  "                   print ours/anchor ratios. The BLAS each one really runs is detected and printed.",
  "  --python PATH    interpreter(s) for --compare (repeatable; default /usr/bin/python3 plus the python3",
  "                   on PATH when that is another interpreter). OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are",
  "                   removed from their environment (a forced core type slows a current OpenBLAS).",
  "  --rounds R       repeat the GEMM cycle (ours, then the anchors) R times; report medians over rounds",
  "  --quick          about 20 s: a few shapes at the default thread count, short summary",
  "  --backend KIND   native (default) or ref (the plain-TypeScript specification; slow)",
  "  --isa NAME       force a lower instruction-set path of the native kernels",
].join("\n");

// ---- measurement ---------------------------------------------------------------------------------------

interface Timing {
  readonly seconds: number; // median
  readonly reps: number;
}

/** Median seconds of fn over at least minReps runs and about budget seconds, after one warm-up run. */
function timeIt(fn: () => void, minReps: number, budget: number): Timing {
  fn();
  const ts: number[] = [];
  const start = performance.now();
  while (ts.length < minReps || (performance.now() - start) / 1000 < budget) {
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1000);
    if (ts.length >= 200) break;
  }
  ts.sort((x, y) => x - y);
  return { seconds: ts[ts.length >> 1], reps: ts.length };
}

type Row = Record<string, string | number | boolean | null>;

interface Settings {
  readonly threads: readonly number[];
  readonly json: boolean;
  readonly quick: boolean;
  readonly backendKind: "native" | "ref";
  readonly minReps: number;
  readonly budget: number; // seconds per measurement
}

const GEMM_SHAPES: readonly (readonly [number, number, number])[] = [
  [256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [4096, 384, 1536], [4096, 1536, 384], [768, 128, 512],
];
const QUICK_GEMM: readonly (readonly [number, number, number])[] = [[1024, 1024, 1024], [4096, 384, 1536], [768, 128, 512]];
const GEMV_SHAPES: readonly (readonly [number, number, number])[] = [[1, 768, 3072], [1, 2048, 8192]];

const rand = (rng: Rng, n: number): Float32Array => rng.fillUniform(new Float32Array(n), -1, 1);

function benchGemm(be: Backend, s: Settings, m: number, k: number, n: number, threads: number): Row {
  const rng = new Rng(m * 7 + k * 13 + n);
  const a = rand(rng, m * k), b = rand(rng, k * n), c = new Float32Array(m * n);
  const args = { transA: false, transB: false, m, n, k, alpha: 1, beta: 0, a, lda: k, strideA: 0, b, ldb: n, strideB: 0, c, ldc: n, strideC: 0, batch: 1 };
  const t = timeIt(() => be.gemm(args), s.minReps, s.budget);
  const row: Row = { op: "gemm", impl: "kotodama", m, k, n, threads, gflops: (2 * m * n * k) / t.seconds / 1e9, seconds: t.seconds, reps: t.reps };
  if (m === 1) row.gbps = (4 * k * n) / t.seconds / 1e9; // weight bytes streamed per second
  return row;
}

/** A plain copy of `bytes` (Float32Array.prototype.set, i.e. memmove on one thread); GB/s counts bytes read +
 *  written (the STREAM "Copy" convention). */
function benchCopy(s: Settings, bytes: number): Row {
  const src = rand(new Rng(1), bytes / 4), dst = new Float32Array(bytes / 4);
  const t = timeIt(() => dst.set(src), s.minReps, s.budget);
  return { op: "copy", bytes, threads: 1, gbps: (2 * bytes) / t.seconds / 1e9, seconds: t.seconds, reps: t.reps };
}

function benchAttention(be: Backend, s: Settings, b: number, t: number, threads: number): Row {
  const h = 6, d = 64;
  const rng = new Rng(b * 1000 + t);
  const q = rand(rng, b * t * h * d), k = rand(rng, b * t * h * d), v = rand(rng, b * t * h * d);
  const out = new Float32Array(b * t * h * d), lse = new Float32Array(b * h * t);
  const args = { q, k, v, b, t, s: t, h, hKv: h, d, kvBatchStride: t * h * d, causal: true, scale: 1 / Math.sqrt(d), out, lse };
  const tm = timeIt(() => be.attention(args), s.minReps, s.budget);
  const flops = 4 * b * h * d * ((t * (t + 1)) / 2); // QKᵀ and PV over the causal pairs only
  return { op: "attention", b, t, h, d, causal: true, threads, gflops: flops / tm.seconds / 1e9, seconds: tm.seconds, reps: tm.reps };
}

function benchElementwise(be: Backend, s: Settings, threads: number): Row[] {
  const rows: Row[] = [];
  const n = s.quick ? 1 << 22 : 1 << 24, c = 1024, r = n / c;
  const rng = new Rng(5);
  const x = rand(rng, n), y = rand(rng, n), out = new Float32Array(n);
  const w = rand(rng, c), bias = rand(rng, c), mean = new Float32Array(r), rstd = new Float32Array(r);
  const add = (): void => be.binary({ op: "add", a: x, aShape: [n], b: y, bShape: [n], out, outShape: [n] });
  const cases: [string, () => void, number][] = [
    ["add", add, 12],
    ["gelu", () => be.activation({ kind: "gelu", x, out }), 8],
    ["layerNorm", () => be.layerNorm({ x, weight: w, bias, n: r, c, eps: 1e-5, out, mean, rstd }), 8],
    ["softmax", () => be.softmax({ x, n: r, c, out }), 8],
  ];
  for (const [op, fn, bytesPerElem] of cases) {
    const t = timeIt(fn, s.minReps, s.budget);
    rows.push({ op, n, c: op === "layerNorm" || op === "softmax" ? c : null, threads, gelems: n / t.seconds / 1e9, gbps: (bytesPerElem * n) / t.seconds / 1e9, seconds: t.seconds, reps: t.reps });
  }
  return rows;
}

// ---- anchors (NumPy / PyTorch in another process) -------------------------------------------------------

interface Anchor {
  readonly label: string; // e.g. "numpy@/usr/bin/python3"
  readonly blas: string;
  readonly gflops: Map<string, number[]>; // "m,k,n,threads" → GFLOP/s of each round
}

function pathPython(): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const p = join(dir, "python3");
    if (dir !== "" && existsSync(p)) return p;
  }
  return null;
}

function defaultPythons(): string[] {
  const out: string[] = [];
  if (existsSync("/usr/bin/python3")) out.push("/usr/bin/python3");
  const p = pathPython();
  if (p !== null && (out.length === 0 || realpathSync(p) !== realpathSync(out[0]))) out.push(p);
  return out;
}

/** Runs compare_blas.py under `python` with the given thread count; returns anchors and notes. */
function runAnchors(python: string, threads: number, shapes: readonly (readonly [number, number, number])[], reps: number, anchors: Map<string, Anchor>, notes: string[]): void {
  const script = join(packageRoot(), "bench", "compare_blas.py");
  if (!existsSync(script)) {
    notes.push(`--compare: ${script} is missing (it ships with the repository, not the npm package)`);
    return;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [script, "--threads", String(threads), "--reps", String(reps), ...shapes.map((x) => x.join(","))];
  const r = spawnSync(python, args, { env, encoding: "utf8", timeout: 600_000 });
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error?.message ?? (r.stderr.trim().split("\n").pop() || `exit ${r.status}`);
    notes.push(`--compare: ${python} failed: ${why}`);
    return;
  }
  for (const line of r.stdout.split("\n")) {
    if (line.trim() === "") continue;
    const o = JSON.parse(line) as { lib: string; blas?: string; error?: string; m: number; k: number; n: number; threads: number; gflops: number };
    const label = `${o.lib}@${python}`;
    if (o.error !== undefined) {
      if (!notes.some((x) => x.includes(label))) notes.push(`--compare: ${label}: ${o.error}`);
      continue;
    }
    let a = anchors.get(label);
    if (a === undefined) {
      a = { label, blas: o.blas ?? "?", gflops: new Map() };
      anchors.set(label, a);
    }
    const key = `${o.m},${o.k},${o.n},${o.threads}`;
    a.gflops.set(key, [...(a.gflops.get(key) ?? []), o.gflops]);
  }
}

/** Median over the rounds of an anchor's figure for key. */
function anchorValue(a: Anchor, key: string): number | undefined {
  const v = a.gflops.get(key);
  if (v === undefined || v.length === 0) return undefined;
  const sorted = [...v].sort((x, y) => x - y);
  return sorted[sorted.length >> 1];
}

// ---- output ----------------------------------------------------------------------------------------------

const f1 = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2));
const pad = (s: string, w: number): string => (s.length >= w ? s : " ".repeat(w - s.length) + s);

function parseThreads(v: unknown, fallback: readonly number[]): number[] {
  if (v === undefined) return [...fallback];
  const parts = String(v).split(",");
  const out = parts.map((p) => (/^\d+$/.test(p.trim()) ? Number(p) : NaN));
  if (out.some((x) => !Number.isInteger(x) || x < 1 || x > 1024)) {
    throw new KotodamaError(`kotodama bench engine: --threads expects integers in [1, 1024] separated by commas, got ${JSON.stringify(v)}`);
  }
  return out;
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench engine", argv, {
    threads: { type: "string" },
    json: { type: "boolean" },
    compare: { type: "boolean" },
    quick: { type: "boolean" },
    backend: { type: "string" },
    isa: { type: "string" },
    python: { type: "string", multiple: true },
    rounds: { type: "string" },
  }, false);
  const backendKind = values.backend ?? "native";
  if (backendKind !== "native" && backendKind !== "ref") {
    throw new KotodamaError(`kotodama bench engine: --backend expects native or ref, got ${JSON.stringify(backendKind)}`);
  }
  const quick = values.quick === true;
  const rounds = intFlag("bench engine", "rounds", values.rounds, 1, 1, 50);
  const json = values.json === true;
  const cores = availableParallelism();
  const threads = parseThreads(values.threads, backendKind === "ref" ? [1] : quick ? [cores] : [1, 2]); // ref is single-threaded
  const s: Settings = { threads, json, quick, backendKind, minReps: quick ? 3 : backendKind === "ref" ? 1 : 7, budget: quick ? 0.15 : backendKind === "ref" ? 0.5 : 0.4 };

  const be = loadBackend({ kind: backendKind, threads: threads[0] });
  let isa = "-";
  if (backendKind === "native") {
    const load = loadAddon();
    if (values.isa !== undefined) {
      const want = String(values.isa);
      if (want !== "generic" && want !== "avx2" && want !== "avx512") throw new KotodamaError(`kotodama bench engine: --isa expects generic, avx2 or avx512, got ${JSON.stringify(want)}`);
      if (!load.ok || !load.addon.setIsa(want)) throw new KotodamaError(`kotodama bench engine: --isa ${want} is not available on this CPU/build`);
    }
    isa = nativeStatus().isa ?? "?";
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const out = (row: Row): void => {
    if (json) process.stdout.write(`${JSON.stringify({ ...row, backend: backendKind, isa })}\n`);
  };
  const say = (line: string): void => {
    if (!json) process.stdout.write(`${line}\n`);
  };
  say(`kotodama bench engine — backend ${backendKind}${backendKind === "native" ? ` (${isa})` : ""}, ${cpu}, ${cores} cores, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 16)}Z`);

  const gemmShapes = quick ? QUICK_GEMM : GEMM_SHAPES;
  const gemvShapes = quick ? GEMV_SHAPES.slice(1) : GEMV_SHAPES;
  const allShapes = [...gemmShapes, ...gemvShapes];
  const pythons = values.compare !== true ? [] : values.python !== undefined ? (values.python as string[]) : defaultPythons();
  const anchors = new Map<string, Anchor>();
  const notes: string[] = [];
  if (values.compare === true && pythons.length === 0) notes.push("--compare: no python3 found");
  // Rounds: per thread count, ours on every shape, then the anchors right after (same conditions, same
  // run); with --rounds R the whole cycle repeats and each figure is the median over the rounds (a shared
  // machine's load drifts over seconds, so interleaving is fairer than one long pass per library).
  const perRound = new Map<string, Row[]>();
  for (let round = 0; round < rounds; round++) {
    for (const th of threads) {
      be.setThreads(th);
      for (const [m, k, n] of allShapes) {
        const key = `${m},${k},${n},${th}`;
        perRound.set(key, [...(perRound.get(key) ?? []), benchGemm(be, s, m, k, n, th)]);
      }
      for (const py of pythons) runAnchors(py, th, allShapes, quick ? 3 : 7, anchors, notes);
    }
  }
  const ours = new Map<string, Row>();
  const gemmRows: Row[] = [];
  for (const th of threads) {
    for (const [m, k, n] of allShapes) {
      const key = `${m},${k},${n},${th}`;
      const rs = [...(perRound.get(key) ?? [])].sort((x, y) => Number(x.gflops) - Number(y.gflops));
      const row = { ...rs[rs.length >> 1], rounds: rs.length };
      ours.set(key, row);
      gemmRows.push(row);
      out(row);
    }
  }
  for (const a of anchors.values()) {
    for (const [key] of a.gflops) {
      const [m, k, n, th] = key.split(",").map(Number);
      const g = anchorValue(a, key);
      const mine = ours.get(key);
      if (g !== undefined) out({ op: "gemm", impl: a.label.split("@")[0], m, k, n, threads: th, gflops: g, anchor: a.label, blas: a.blas, ratio: mine === undefined ? null : Number(mine.gflops) / g });
    }
  }
  const copies = new Map<number, Row>();
  for (const [, k, n] of gemvShapes) {
    const row = benchCopy(s, 4 * k * n);
    copies.set(4 * k * n, row);
    out(row);
  }

  // GEMM table.
  const anchorList = [...anchors.values()];
  say("\nGEMM fp32 (C = A·B, row-major), GFLOP/s, median" + (anchorList.length > 0 ? "; ratio = ours / anchor" : ""));
  say(["  shape (M×K×N)     thr", pad("ours", 8), ...anchorList.map((a) => pad(a.label.split("@")[0] + `[${anchorList.indexOf(a) + 1}]`, 12) + pad("ratio", 7)), "  weights GB/s"].join(""));
  for (const r of gemmRows) {
    const key = `${r.m},${r.k},${r.n},${r.threads}`;
    const cols = anchorList.map((a) => {
      const g = anchorValue(a, key);
      return g === undefined ? pad("-", 12) + pad("-", 7) : pad(f1(g), 12) + pad((Number(r.gflops) / g).toFixed(2), 7);
    });
    const gb = r.gbps !== undefined ? `  ${f1(Number(r.gbps))}` : "";
    say([`  ${`${r.m}×${r.k}×${r.n}`.padEnd(17)} ${pad(String(r.threads), 3)}`, pad(f1(Number(r.gflops)), 8), ...cols, gb].join(""));
  }
  anchorList.forEach((a, i) => say(`  [${i + 1}] ${a.label}: ${a.blas}`));
  for (const note of notes) say(`  note: ${note}`);

  say("\nMatrix-vector vs plain copy (Float32Array.set, 1 thread; copy GB/s counts bytes read + written)");
  for (const r of gemmRows.filter((x) => x.m === 1)) {
    const cp = copies.get(4 * Number(r.k) * Number(r.n));
    if (cp === undefined) continue;
    say(`  1×${r.k}×${r.n} thr ${r.threads}: ${f1(Number(r.gbps))} GB/s of weights, copy ${f1(Number(cp.gbps))} GB/s → ${(Number(r.gbps) / Number(cp.gbps)).toFixed(2)}× copy`);
  }

  // Attention and elementwise at the last thread count.
  const th = threads[threads.length - 1];
  be.setThreads(th);
  const attShapes: [number, number][] = backendKind === "ref" || quick ? [[1, 256]] : [[1, 256], [4, 512], [8, 1024]];
  say(`\nFused causal attention forward (H=6, D=64), ${th} thread(s)`);
  for (const [b, t] of attShapes) {
    const r = benchAttention(be, s, b, t, th);
    out(r);
    say(`  B=${b} T=${t}: ${f1(Number(r.gflops))} GFLOP/s (${(Number(r.seconds) * 1e3).toFixed(2)} ms)`);
  }
  say(`\nElementwise, ${th} thread(s)`);
  for (const r of benchElementwise(be, s, th)) {
    out(r);
    say(`  ${String(r.op).padEnd(10)} N=${r.n}${r.c !== null ? ` (rows of ${r.c})` : ""}: ${f1(Number(r.gelems))} Gelem/s, ${f1(Number(r.gbps))} GB/s`);
  }

  if (quick) {
    const best = gemmRows.filter((r) => r.m !== 1).reduce((x, y) => (Number(y.gflops) > Number(x.gflops) ? y : x));
    const mv = gemmRows.find((r) => r.m === 1);
    say(`\nSummary: GEMM peaks at ${f1(Number(best.gflops))} GFLOP/s (${best.m}×${best.k}×${best.n}, ${best.threads} threads, ${backendKind}${backendKind === "native" ? `/${isa}` : ""})` +
      (mv !== undefined ? `; matrix-vector streams weights at ${f1(Number(mv.gbps))} GB/s.` : ".") +
      " Full run: kotodama bench engine --compare");
  }
  return 0;
}
