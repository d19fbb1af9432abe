// Native vs ref on shapes large enough that the native kernels split their work into many tasks (chunk
// boundaries falling mid-row, several partial sums, tiled transposes). Not here: the small-shape conformance
// suite (native.test.ts runs it) — its cases are too small to cross the 32768-element task size.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../../util/rng.js";
import { TOLERANCES } from "../../conformance.js";
import { createRefBackend } from "../ref/index.js";
import type { Kernel, Kernels, OpArgs, OpName } from "../../ops.js";
import { createNativeBackend, loadAddon } from "./index.js";

type View = Float32Array | Int32Array | Uint16Array;

/** Seeded inputs: every array is drawn from one Rng, so two builders with one seed give equal arguments. */
class Draw {
  readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed);
  }
  f(n: number, lo = -2, hi = 2): Float32Array {
    return this.rng.fillUniform(new Float32Array(n), lo, hi);
  }
  ids(n: number, v: number): Int32Array {
    return new Int32Array(n).map(() => this.rng.int(v));
  }
}

/** One case, already bound to its op's types: runs native and ref on equal arguments and compares. */
interface BigCase {
  readonly label: string;
  readonly check: (native: Kernels, ref: Kernels, seed: number) => void;
}
const big = <K extends OpName>(op: K, name: string, build: (d: Draw) => OpArgs[K]): BigCase => ({
  label: `${op} ${name}`,
  check: (native, ref, seed) => check(op, `${op} ${name}`, build, native[op], ref[op], seed),
});

const rowCases = (n: number, c: number) => [
  big("layerNorm", `${n}×${c}`, (d) => ({ x: d.f(n * c), weight: d.f(c), bias: d.f(c), n, c, eps: 1e-5, out: d.f(n * c), mean: d.f(n), rstd: d.f(n) })),
  big("layerNormBackward", `${n}×${c}`, (d) => ({
    dOut: d.f(n * c), x: d.f(n * c), weight: d.f(c), mean: d.f(n, -0.5, 0.5), rstd: d.f(n, 0.5, 2), n, c, dx: d.f(n * c), dWeight: d.f(c), dBias: d.f(c),
  })),
  big("rmsNorm", `${n}×${c}`, (d) => ({ x: d.f(n * c), weight: d.f(c), n, c, eps: 1e-5, out: d.f(n * c), rstd: d.f(n) })),
  big("rmsNormBackward", `${n}×${c}`, (d) => ({ dOut: d.f(n * c), x: d.f(n * c), weight: d.f(c), rstd: d.f(n, 0.5, 2), n, c, dx: d.f(n * c), dWeight: d.f(c) })),
  big("softmax", `${n}×${c}`, (d) => ({ x: d.f(n * c, -6, 6), n, c, out: d.f(n * c) })),
  big("softmaxBackward", `${n}×${c}`, (d) => ({ dOut: d.f(n * c), y: d.f(n * c, 0, 0.01), n, c, dx: d.f(n * c) })),
];

const N = 100_003;
const CASES = [
  big("binary", "(333,257) + (257)", (d) => ({ op: "add", a: d.f(333 * 257), aShape: [333, 257], b: d.f(257), bShape: [257], out: d.f(333 * 257), outShape: [333, 257] })),
  big("binary", "(3,1,40000) · (5,1)", (d) => ({ op: "mul", a: d.f(120000), aShape: [3, 1, 40000], b: d.f(5), bShape: [5, 1], out: d.f(600000), outShape: [3, 5, 40000] })),
  big("binary", "(301,1) max (301,257)", (d) => ({ op: "max", a: d.f(301), aShape: [301, 1], b: d.f(301 * 257), bShape: [301, 257], out: d.f(301 * 257), outShape: [301, 257] })),
  big("unary", `exp n=${N}`, (d) => ({ op: "exp", x: d.f(N, -20, 20), out: d.f(N), scalar: 0 })),
  big("unary", `powScalar n=${N}`, (d) => ({ op: "powScalar", x: d.f(N, 0.1, 3), out: d.f(N), scalar: 2.5 })),
  big("reduce", "sum (601,301) over [0]", (d) => ({ op: "sum", x: d.f(601 * 301), shape: [601, 301], axes: [0], out: d.f(301) })),
  big("reduce", "mean (50,70,33) over [1]", (d) => ({ op: "mean", x: d.f(50 * 70 * 33), shape: [50, 70, 33], axes: [1], out: d.f(50 * 33) })),
  big("reduce", "max (3,40000) over [1]", (d) => ({ op: "max", x: d.f(120000), shape: [3, 40000], axes: [1], out: d.f(3) })),
  big("reduce", "sum (700,3,97) over [0,2]", (d) => ({ op: "sum", x: d.f(700 * 3 * 97), shape: [700, 3, 97], axes: [0, 2], out: d.f(3) })),
  big("broadcast", "(301,1) → (301,257)", (d) => ({ x: d.f(301), xShape: [301, 1], out: d.f(301 * 257), outShape: [301, 257] })),
  big("permute", "(301,257) [1,0]", (d) => ({ x: d.f(301 * 257), shape: [301, 257], perm: [1, 0], out: d.f(301 * 257) })),
  big("permute", "(3,77,5,64) [0,2,1,3]", (d) => ({ x: d.f(3 * 77 * 5 * 64), shape: [3, 77, 5, 64], perm: [0, 2, 1, 3], out: d.f(3 * 77 * 5 * 64) })),
  big("permute", "(40,50,61) [2,0,1]", (d) => ({ x: d.f(40 * 50 * 61), shape: [40, 50, 61], perm: [2, 0, 1], out: d.f(40 * 50 * 61) })),
  big("embedding", "N=3000 C=77 V=100", (d) => ({ weight: d.f(7700), ids: d.ids(3000, 100), n: 3000, c: 77, v: 100, out: d.f(3000 * 77) })),
  big("embeddingBackward", "N=3000 C=1100 V=50", (d) => ({ dOut: d.f(3000 * 1100), ids: d.ids(3000, 50), n: 3000, c: 1100, v: 50, dWeight: d.f(50 * 1100) })),
  ...rowCases(1000, 129),
  ...rowCases(37, 4099),
  big("activation", `gelu n=${N}`, (d) => ({ kind: "gelu", x: d.f(N, -8, 8), out: d.f(N) })),
  big("activationBackward", `silu n=${N}`, (d) => ({ kind: "silu", dOut: d.f(N), x: d.f(N, -8, 8), dx: d.f(N) })),
  big("swiglu", `n=${N}`, (d) => ({ gate: d.f(N, -8, 8), up: d.f(N), out: d.f(N) })),
  big("swigluBackward", `n=${N}`, (d) => ({ dOut: d.f(N), gate: d.f(N, -8, 8), up: d.f(N), dGate: d.f(N), dUp: d.f(N) })),
  ...(["adjacent", "half"] as const).flatMap((pairing) => [
    big("rope", `${pairing} (2,300,4,64) rd 48`, (d) => ({
      x: d.f(153600), b: 2, t: 300, h: 4, d: 64, rotaryDim: 48, pairing, theta: 10000, positions: d.ids(300, 5000), out: d.f(153600),
    })),
    big("ropeBackward", `${pairing} (2,300,4,64) rd 48`, (d) => ({
      dOut: d.f(153600), b: 2, t: 300, h: 4, d: 64, rotaryDim: 48, pairing, theta: 10000, positions: d.ids(300, 5000), dx: d.f(153600),
    })),
  ]),
  big("adamw", `n=${N}`, (d) => ({ param: d.f(N), grad: d.f(N), m: d.f(N, -0.1, 0.1), v: d.f(N, 0, 0.1), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 7 })),
  big("sumSquares", "n=1000003", (d) => ({ x: d.f(1_000_003) })),
  big("f32ToHalf", `f16 n=${N}`, (d) => ({ kind: "f16", src: d.f(N, -70000, 70000), out: new Uint16Array(N) })),
  big("f32ToHalf", `bf16 n=${N}`, (d) => ({ kind: "bf16", src: d.f(N, -1e30, 1e30), out: new Uint16Array(N) })),
  big("halfToF32", `f16 n=${N}`, (d) => ({ kind: "f16", src: new Uint16Array(N).map(() => d.rng.int(0x7c00)), out: d.f(N) })),
];

/** The typed arrays of an args object, by field name. */
function views(args: object): [string, View][] {
  return Object.entries(args).filter((e): e is [string, View] => e[1] instanceof Float32Array || e[1] instanceof Int32Array || e[1] instanceof Uint16Array);
}

function check<K extends OpName>(op: K, label: string, build: (d: Draw) => OpArgs[K], run: Kernel<K>, ref: Kernel<K>, seed: number): void {
  const a = build(new Draw(seed));
  const b = build(new Draw(seed));
  const ra = run(a);
  const rb = ref(b);
  const { atol, rtol } = TOLERANCES[op];
  if (typeof ra === "number" && typeof rb === "number") {
    assert.ok(Math.abs(ra - rb) <= atol * Math.abs(rb) + rtol * Math.abs(rb), `${label}: ${ra} vs ${rb}`);
  }
  const vb = new Map(views(b));
  for (const [field, got] of views(a)) {
    const want = vb.get(field);
    assert.ok(want !== undefined && want.length === got.length);
    let scale = 0;
    for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
    for (let i = 0; i < got.length; i++) {
      const err = Math.abs(got[i] - want[i]);
      if (!(err <= atol * scale + rtol * Math.abs(want[i])) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
        assert.fail(`${label}: ${field}[${i}] = ${got[i]}, ref ${want[i]} (atol ${atol}·${scale}, rtol ${rtol})`);
      }
    }
  }
}

test("large shapes (many tasks per op) match ref, with 2 threads", (t) => {
  const loaded = loadAddon();
  if (!loaded.ok) {
    if (process.env.KOTODAMA_ALLOW_NO_NATIVE === "1") return t.skip(`native addon unavailable: ${loaded.reason}`);
    assert.fail(`the native addon is unavailable: ${loaded.reason} (set KOTODAMA_ALLOW_NO_NATIVE=1 to skip)`);
  }
  const addon = loaded.addon;
  const native = createNativeBackend(addon);
  const ref = createRefBackend();
  const t0 = addon.getThreads();
  addon.setThreads(2);
  try {
    CASES.forEach((c, i) => c.check(native, ref, 1000 + i));
  } finally {
    addon.setThreads(t0);
  }
});
