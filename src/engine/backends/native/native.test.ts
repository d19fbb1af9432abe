// Tests of the native backend: the conformance suite against ref for every op (1 and 2 threads, every ISA
// path the CPU has), bit-identical results across thread counts, the addon's own argument checks, and
// loadBackend's choice and fallback. Not here: the cases themselves (../../conformanceCases.ts).

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Rng } from "../../../util/rng.js";
import { ShapeError } from "../../../util/errors.js";
import { runConformance, summarizeConformance } from "../../conformance.js";
import { loadBackend, nativeStatus } from "../../backend.js";
import type { Backend } from "../../ops.js";
import { createRefBackend } from "../ref/index.js";
import { createNativeBackend, loadAddon, type NativeAddon, type NativeIsa } from "./index.js";

const loaded = loadAddon();

/** The addon, or a skip (KOTODAMA_ALLOW_NO_NATIVE=1) / failure saying why it is missing. */
function addonOr(t: TestContext): NativeAddon | undefined {
  if (loaded.ok) return loaded.addon;
  if (process.env.KOTODAMA_ALLOW_NO_NATIVE === "1") {
    t.skip(`native addon unavailable, skipped because KOTODAMA_ALLOW_NO_NATIVE=1: ${loaded.reason}`);
    return undefined;
  }
  assert.fail(`the native addon is unavailable: ${loaded.reason} (set KOTODAMA_ALLOW_NO_NATIVE=1 to skip)`);
}

/** Runs fn with the addon's thread count and ISA path set, restoring both afterwards. */
function withSettings<T>(addon: NativeAddon, threads: number, isa: NativeIsa | null, fn: () => T): T {
  const [t0, i0] = [addon.getThreads(), addon.isa()];
  try {
    addon.setThreads(threads);
    if (isa !== null) assert.ok(addon.setIsa(isa), `setIsa(${isa})`);
    return fn();
  } finally {
    addon.setThreads(t0);
    addon.setIsa(i0);
  }
}

function assertConforms(native: Backend, label: string): void {
  const results = runConformance(native, createRefBackend());
  const failed = results.filter((r) => !r.passed);
  assert.equal(failed.length, 0, `${label}:\n${summarizeConformance(results)}`);
}

test("native matches ref on every op, with 1 and 2 threads", (t) => {
  const addon = addonOr(t);
  if (!addon) return;
  for (const threads of [1, 2]) {
    withSettings(addon, threads, null, () => assertConforms(createNativeBackend(addon), `${addon.isa()}, ${threads} thread(s)`));
  }
});

test("every other instruction-set path the CPU has matches ref", (t) => {
  const addon = addonOr(t);
  if (!addon) return;
  const best = addon.isa();
  const others = (["generic", "avx2", "avx512"] as const).filter((isa) => isa !== best);
  for (const isa of others) {
    const supported = withSettings(addon, 1, null, () => addon.setIsa(isa));
    if (!supported) {
      t.diagnostic(`${isa}: not supported by this CPU, not tested`);
      continue;
    }
    withSettings(addon, 2, isa, () => assertConforms(createNativeBackend(addon), `${isa}, 2 threads`));
  }
});

/** Outputs of a few reduction-heavy ops on sizes that split into many tasks. */
function bigRun(native: Backend): Float32Array[] {
  const rng = new Rng(7);
  const n = 1536, c = 384;
  const x = rng.fillNormal(new Float32Array(n * c));
  const g = rng.fillNormal(new Float32Array(n * c));
  const w = rng.fillUniform(new Float32Array(c), 0.5, 1.5);
  const mean = new Float32Array(n), rstd = new Float32Array(n), out = new Float32Array(n * c);
  native.layerNorm({ x, weight: w, bias: null, n, c, eps: 1e-5, out, mean, rstd });
  const dx = new Float32Array(n * c), dW = new Float32Array(c), dB = new Float32Array(c);
  native.layerNormBackward({ dOut: g, x, weight: w, mean, rstd, n, c, dx, dWeight: dW, dBias: dB });
  const rdx = new Float32Array(n * c), rdW = new Float32Array(c);
  native.rmsNorm({ x, weight: w, n, c, eps: 1e-5, out, rstd });
  native.rmsNormBackward({ dOut: g, x, weight: w, rstd, n, c, dx: rdx, dWeight: rdW });
  const col = new Float32Array(c), row = new Float32Array(n);
  native.reduce({ op: "sum", x, shape: [n, c], axes: [0], out: col });
  native.reduce({ op: "mean", x, shape: [n, c], axes: [1], out: row });
  const ids = new Int32Array(n).map(() => rng.int(50));
  const dEmb = new Float32Array(50 * c);
  native.embeddingBackward({ dOut: g, ids, n, c, v: 50, dWeight: dEmb });
  const sm = new Float32Array(n * c);
  native.softmax({ x, n, c, out: sm });
  const cm = new Float32Array(200 * 300);
  native.gemm({ transA: false, transB: true, m: 200, n: 300, k: c, alpha: 1, beta: 0, a: x, lda: c, strideA: 0, b: g, ldb: c, strideB: 0, c: cm, ldc: 300, strideC: 0, batch: 1 });
  const ss = new Float32Array([native.sumSquares({ x })]);
  return [out, dx, dW, dB, rdx, rdW, col, row, dEmb, sm, cm, ss];
}

test("results are bit-identical for 1 and 2 threads", (t) => {
  const addon = addonOr(t);
  if (!addon) return;
  const native = createNativeBackend(addon);
  const one = withSettings(addon, 1, null, () => bigRun(native));
  const two = withSettings(addon, 2, null, () => bigRun(native));
  one.forEach((a, i) => assert.ok(Buffer.from(a.buffer).equals(Buffer.from(two[i].buffer)), `output ${i} differs between 1 and 2 threads`));
});

test("gemm's bias gives the bits of broadcasting it into C with beta = 1, on every path, ISA and thread count", (t) => {
  const addon = addonOr(t);
  if (!addon) return;
  const native = createNativeBackend(addon);
  const rng = new Rng(11);
  // Blocked (K > KC, M > MC: several K and row blocks), narrow (n ≤ 16, m ≥ 256), skinny (m ≤ 32, B transposed),
  // matrix-vector (m = 1), the shared-B split (few rows on 2 threads), and the tiny DPO step's Linear shapes.
  const shapes: [number, number, number][] = [[1700, 900, 130], [600, 64, 12], [20, 96, 300], [1, 129, 33], [30, 700, 900], [768, 128, 384], [768, 512, 128]];
  const isas = (["generic", "avx2", "avx512"] as const).filter((isa) => withSettings(addon, 1, null, () => addon.setIsa(isa)));
  for (const [m, k, n] of shapes) {
    const x = rng.fillNormal(new Float32Array(m * k));
    const w = rng.fillNormal(new Float32Array(n * k));
    const bias = rng.fillNormal(new Float32Array(n));
    const args = { transA: false, transB: true, m, n, k, alpha: 1, a: x, lda: k, strideA: 0, b: w, ldb: k, strideB: 0, ldc: n, strideC: 0, batch: 1 };
    for (const isa of isas) {
      for (const threads of [1, 2]) {
        withSettings(addon, threads, isa, () => {
          const want = new Float32Array(m * n);
          native.broadcast({ x: bias, xShape: [n], out: want, outShape: [m, n] });
          native.gemm({ ...args, beta: 1, c: want });
          const got = new Float32Array(m * n).fill(NaN); // C is not read: stale values must not leak
          native.gemm({ ...args, beta: 0, c: got, bias });
          assert.ok(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `${m}×${k}×${n} ${isa}, ${threads} thread(s): bias differs from broadcast + beta = 1`);
        });
      }
    }
  }
});

test("column sums (reduce over leading rows, a bias gradient) equal double sums in row order, bit for bit", (t) => {
  const addon = addonOr(t);
  if (!addon) return;
  const native = createNativeBackend(addon);
  const rng = new Rng(12);
  // (outer, rows, cols) with the rows reduced: across the 32-column strips, the 256-row chunks and the 256-column
  // tiles of native/generic/reduce.c, with and without a kept outer dim.
  const shapes: [number, number, number][] = [[1, 768, 384], [1, 300, 70], [1, 513, 33], [3, 257, 300], [2, 5, 31], [1, 2048, 1152]];
  const isas = (["generic", "avx2", "avx512"] as const).filter((isa) => withSettings(addon, 1, null, () => addon.setIsa(isa)));
  for (const [outer, rows, cols] of shapes) {
    const x = rng.fillNormal(new Float32Array(outer * rows * cols));
    const sums = new Float64Array(outer * cols); // JS numbers are doubles: the sums the kernel documents
    for (let o = 0; o < outer; o++) for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) sums[o * cols + j] += x[(o * rows + r) * cols + j];
    for (const op of ["sum", "mean"] as const) {
      const want = Float32Array.from(sums, (v) => (op === "sum" ? v : v / rows));
      for (const isa of isas) {
        for (const threads of [1, 2]) {
          const got = withSettings(addon, threads, isa, () => {
            const out = new Float32Array(outer * cols);
            native.reduce({ op, x, shape: [outer, rows, cols], axes: [1], out });
            return out;
          });
          assert.ok(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `${op} over rows of (${outer}, ${rows}, ${cols}), ${isa}, ${threads} thread(s)`);
        }
      }
    }
  }
});

test("bad arguments given straight to the addon throw JS errors naming the op", (t) => {
  const addon = addonOr(t);
  if (!addon) return;
  const f = (n: number): Float32Array => new Float32Array(n);
  const i = (...v: number[]): Int32Array => Int32Array.from(v);
  const gemm = { transA: false, transB: false, m: 4, n: 4, k: 4, alpha: 1, beta: 0, a: f(16), lda: 4, strideA: 0, b: f(16), ldb: 4, strideB: 0, c: f(16), ldc: 4, strideC: 0, batch: 1 };
  const attn = { q: f(16), k: f(16), v: f(16), b: 1, t: 2, s: 2, h: 2, hKv: 2, d: 4, kvBatchStride: 16, causal: true, scale: 0.5, out: f(16), lse: f(4) };
  const cases: [string, unknown, RegExp][] = [
    ["softmax", undefined, /softmax: expects one argument object/],
    ["softmax", { x: new Float64Array(6), n: 2, c: 3, out: f(6) }, /softmax: field 'x' must be a Float32Array/],
    ["softmax", { x: f(5), n: 2, c: 3, out: f(6) }, /softmax: field 'x' has 5 elements, .* at least 6/],
    ["softmax", { x: f(6), n: 2.5, c: 3, out: f(6) }, /softmax: field 'n' must be an integer/],
    ["softmax", { x: f(6), n: -1, c: 3, out: f(6) }, /softmax: field 'n' must be an integer/],
    ["softmax", { x: f(6), c: 3, out: f(6) }, /softmax: field 'n' must be a number/],
    ["softmax", { x: f(6), n: 2 ** 40, c: 2 ** 40, out: f(6) }, /softmax: sizes too large/],
    ["unary", { op: "cube", x: f(3), out: f(3), scalar: 0 }, /unary: field 'op' must be one of: neg, exp/],
    ["unary", { op: "exp", x: f(3), out: f(2), scalar: 0 }, /unary: field 'out' has 2 elements/],
    ["binary", { op: "add", a: f(6), aShape: [2, 3], b: f(2), bShape: [2], out: f(6), outShape: [2, 3] }, /binary: outShape must be the broadcast/],
    ["binary", { op: "add", a: f(5), aShape: [2, 3], b: f(3), bShape: [3], out: f(6), outShape: [2, 3] }, /binary: field 'a' has 5/],
    ["binary", { op: "add", a: f(1), aShape: new Array(17).fill(1), b: f(1), bShape: [1], out: f(1), outShape: [1] }, /binary: field 'aShape' has 17 entries/],
    ["reduce", { op: "sum", x: f(6), shape: [2, 3], axes: [1, 0], out: f(1) }, /reduce: axes must be sorted/],
    ["reduce", { op: "sum", x: f(6), shape: [2, 3], axes: [2], out: f(2) }, /reduce: field 'axes'\[0\] must be an integer in \[0, 1\]/],
    ["broadcast", { x: f(2), xShape: [2], out: f(6), outShape: [2, 3] }, /broadcast: xShape does not broadcast/],
    ["permute", { x: f(6), shape: [2, 3], perm: [0, 0], out: f(6) }, /permute: perm must be a permutation/],
    ["embedding", { weight: f(12), ids: i(0, 3), n: 2, c: 4, v: 3, out: f(8) }, /embedding: ids\[1\] = 3 is outside \[0, 3\)/],
    ["embeddingBackward", { dOut: f(8), ids: i(-1, 0), n: 2, c: 4, v: 3, dWeight: f(12) }, /embeddingBackward: ids\[0\] = -1/],
    ["embedding", { weight: f(12), ids: new Uint32Array(2), n: 2, c: 4, v: 3, out: f(8) }, /embedding: field 'ids' must be a Int32Array/],
    ["layerNorm", { x: f(8), weight: f(4), bias: f(3), n: 2, c: 4, eps: 1e-5, out: f(8), mean: f(2), rstd: f(2) }, /layerNorm: field 'bias' has 3/],
    ["rope", { x: f(8), b: 1, t: 1, h: 1, d: 8, rotaryDim: 10, pairing: "half", theta: 1e4, positions: i(0), out: f(8) }, /rope: rotaryDim must be even and ≤ d/],
    ["rope", { x: f(8), b: 1, t: 2, h: 1, d: 4, rotaryDim: 4, pairing: "half", theta: 1e4, positions: i(0), out: f(8) }, /rope: field 'positions' has 1/],
    ["rope", { x: f(8), b: 1, t: 2, h: 1, d: 4, rotaryDim: 4, pairing: "half", theta: 1e4, positions: i(0, 1), out: f(8), freqFactors: f(1) }, /rope: field 'freqFactors' has 1/],
    ["swiglu", { gate: f(4), up: f(4), out: f(4), act: "relu" }, /swiglu: field 'act' must be one of: gelu, silu/],
    ["attention", { ...attn, window: -1 }, /attention: field 'window' must be an integer/],
    ["attention", { ...attn, softcap: -2 }, /attention: softcap must be a finite number ≥ 0/],
    ["attention", { ...attn, softcap: Infinity }, /attention: softcap must be a finite number ≥ 0/],
    ["attention", { ...attn, segments: i(0) }, /attention: field 'segments' has 1 elements, .* at least 2/],
    ["attention", { ...attn, segments: f(2) }, /attention: field 'segments' must be a Int32Array/],
    ["attention", { ...attn, causal: false, t: 3, q: f(24), out: f(24), lse: f(6), segments: i(0, 0) }, /attention: segments need t ≤ s/],
    ["attentionBackward", { ...attn, dOut: f(16), dq: f(16), dk: f(16), dv: f(16), segments: i(0) }, /attentionBackward: field 'segments' has 1/],
    ["gemm", { ...gemm, lda: 3 }, /gemm: leading dimensions too small/],
    ["gemm", { ...gemm, batch: 2, strideA: 16, strideB: 16, strideC: 16 }, /gemm: field 'a' has 16 elements, .* at least 32/],
    ["gemm", { ...gemm, transA: 1 }, /gemm: field 'transA' must be a boolean/],
    ["gemm", { ...gemm, bias: f(3) }, /gemm: field 'bias' has 3 elements, .* at least 4/],
    ["gemm", { ...gemm, bias: f(4), beta: 1 }, /gemm: bias needs beta = 0/],
    ["attention", { ...attn, hKv: 0 }, /attention: h \(2\) must be a positive multiple of hKv \(0\)/],
    ["attention", { ...attn, seqLens: i(3) }, /attention: seqLens\[0\]=3 must lie in \[2, s=2\]/],
    ["attention", { ...attn, seqLens: i(0) }, /attention: seqLens\[0\]=0 must lie in \[2, s=2\]/],
    ["attention", { ...attn, kvRows: i(1) }, /attention: kvRows\[0\]=1: its slot ends past k\/v/],
    ["attention", { ...attn, kvRows: i(-1) }, /attention: kvRows\[0\]=-1/],
    ["attention", { ...attn, seqLens: i(1), segments: i(0, 0) }, /attention: seqLens and kvRows do not combine with segments/],
    ["attention", { ...attn, kvBatchStride: 4 }, /attention: kvBatchStride 4 is below/],
    ["attention", { ...attn, t: 3, q: f(24), out: f(24), lse: f(6) }, /attention: causal attention needs t ≤ s/],
    ["attentionBackward", { ...attn, dOut: f(16), dq: f(16), dk: f(15), dv: f(16) }, /attentionBackward: field 'dk' has 15/],
    ["crossEntropy", { logits: f(6), targets: i(0, 3), n: 2, v: 3, ignoreIndex: -100, losses: f(2), lse: f(2) }, /crossEntropy: targets\[1\] = 3 is outside \[0, 3\)/],
    ["adamw", { param: f(4), grad: f(4), m: f(3), v: f(4), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 }, /adamw: field 'm' has 3/],
    ["adamw", { param: f(4), grad: f(4), m: f(4), v: f(4), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 0 }, /adamw: field 'step' must be an integer in \[1,/],
    ["halfToF32", { kind: "f16", src: f(4), out: f(4) }, /halfToF32: field 'src' must be a Uint16Array/],
    ["f32ToHalf", { kind: "fp8", src: f(4), out: new Uint16Array(4) }, /f32ToHalf: field 'kind' must be one of: f16, bf16/],
    ["setThreads", 0, /setThreads: expects an integer in \[1, 1024\]/],
  ];
  for (const [name, arg, re] of cases) assert.throws(() => addon.callRaw(name, arg), re, `${name}(${JSON.stringify(arg)?.slice(0, 80)})`);
  // A detached buffer reads as length 0: a clear error, not a read of freed memory.
  const buffer = new ArrayBuffer(24);
  const x = new Float32Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  assert.throws(() => addon.callRaw("softmax", { x, n: 2, c: 3, out: f(6) }), /softmax: field 'x' has 0 elements/);
  // The addon is still healthy.
  const out = f(3);
  addon.kernels.softmax({ x: Float32Array.of(0, 0, Math.log(2)), n: 1, c: 3, out });
  assert.deepEqual(Array.from(out), [0.25, 0.25, 0.5]);
});

test("loadBackend returns validated backends of the requested kind and thread count", (t) => {
  const ref = loadBackend({ kind: "ref", threads: 1 });
  assert.equal(ref.name, "ref");
  const typo = { kind: "ref" as const, thread: 2 };
  assert.throws(() => loadBackend(typo), /unknown option 'thread'/);
  assert.throws(() => loadBackend({ kind: "ref", threads: 0 }), /threads must be an integer/);
  assert.throws(() => ref.softmax({ x: new Float32Array(5), n: 2, c: 3, out: new Float32Array(6) }), ShapeError);
  const addon = addonOr(t);
  if (!addon) return;
  const t0 = addon.getThreads();
  try {
    const native = loadBackend({ kind: "native", threads: 2 });
    assert.equal(native.name, "native");
    assert.equal(native.threads(), 2);
    assert.equal(nativeStatus().available, true);
    assert.throws(() => native.softmax({ x: new Float32Array(5), n: 2, c: 3, out: new Float32Array(6) }), ShapeError);
  } finally {
    addon.setThreads(t0);
  }
});

test("auto falls back to ref with one notice when the addon cannot load; native then fails clearly", () => {
  const backendJs = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "backend.js");
  const script = [
    `const { loadBackend, nativeStatus } = await import(${JSON.stringify(backendJs)});`,
    `const a = loadBackend(), b = loadBackend({ kind: "auto" });`,
    `let err = ""; try { loadBackend({ kind: "native" }); } catch (e) { err = e.message; }`,
    `console.log(JSON.stringify({ a: a.name, b: b.name, status: nativeStatus(), err }));`,
  ].join("\n");
  const env = { ...process.env, KOTODAMA_ADDON_PATH: "/nonexistent/kotodama.node", KOTODAMA_BACKEND: "", KOTODAMA_THREADS: "" };
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { a: string; b: string; status: { available: boolean; reason: string }; err: string };
  assert.equal(out.a, "ref");
  assert.equal(out.b, "ref");
  assert.equal(out.status.available, false);
  assert.match(out.status.reason, /\/nonexistent\/kotodama\.node does not exist/);
  assert.match(out.err, /native backend was requested but the addon is unavailable/);
  const notices = r.stderr.split("\n").filter((l) => l.includes("native addon unavailable"));
  assert.equal(notices.length, 1, `expected one notice on stderr, got:\n${r.stderr}`);
  assert.match(notices[0], /using the slower ref backend: .*does not exist/);
});
