// Conformance cases of the neural-network kernels: norms, softmax, activations, RoPE, attention, cross-entropy,
// each on fixed shapes plus shapes drawn from the suite's seed. Not here: the table (conformanceCases.ts).

import type { Rng } from "../util/rng.js";
import type { ActivationKind } from "./ops.js";
import { REF_KERNELS } from "./backends/ref/index.js";
import { Gen, pick, sizeDraw, type OpCase, type Tolerance } from "./conformanceGen.js";

/** (N, C) of the row-wise ops: fixed plus two drawn. */
const rowSizes = (rng: Rng): [number, number][] => [
  [1, 1], [3, 7], [17, 768], [65, 33], [2, 1000],
  ...Array.from({ length: 2 }, (): [number, number] => [sizeDraw(rng, 64), sizeDraw(rng, 1100)]),
];
export function layerNormCases(rng: Rng): OpCase<"layerNorm">[] {
  return rowSizes(rng).flatMap(([n, c]) =>
    [true, false].map((withBias) => ({
      name: `N=${n} C=${c}${withBias ? "" : " no bias"}`,
      build: (g: Gen) => {
        const x = g.uniform("x", n * c, 1, 4); // offset mean: a one-pass variance would lose digits
        return {
          x, n, c, eps: 1e-5,
          weight: g.uniform("weight", c, 0.5, 1.5),
          bias: withBias ? g.uniform("bias", c) : null,
          out: g.out("out", n * c), mean: g.out("mean", n), rstd: g.out("rstd", n),
        };
      },
    })),
  );
}
export function layerNormBackwardCases(rng: Rng): OpCase<"layerNormBackward">[] {
  return rowSizes(rng).flatMap(([n, c]) =>
    [true, false].map((withBias) => ({
      name: `N=${n} C=${c}${withBias ? "" : " no dBias"}, grads prefilled`,
      build: (g: Gen) => {
        const x = g.uniform("x", n * c, 1, 4);
        const weight = g.uniform("weight", c, 0.5, 1.5);
        const mean = g.out("mean", n);
        const rstd = g.out("rstd", n);
        REF_KERNELS.layerNorm({ x, weight, bias: null, n, c, eps: 1e-5, out: new Float32Array(n * c), mean, rstd });
        return {
          x, weight, mean, rstd, n, c, dOut: g.uniform("dOut", n * c),
          dx: g.uniform("dx", n * c), dWeight: g.uniform("dWeight", c), dBias: withBias ? g.uniform("dBias", c) : null,
        };
      },
    })),
  );
}
export function rmsNormCases(rng: Rng): OpCase<"rmsNorm">[] {
  return rowSizes(rng).map(([n, c]) => ({
    name: `N=${n} C=${c}`,
    build: (g) => ({
      x: g.uniform("x", n * c, -3, 3), weight: g.uniform("weight", c, 0.5, 1.5), n, c, eps: 1e-6,
      out: g.out("out", n * c), rstd: g.out("rstd", n),
    }),
  }));
}
export function rmsNormBackwardCases(rng: Rng): OpCase<"rmsNormBackward">[] {
  return rowSizes(rng).map(([n, c]) => ({
    name: `N=${n} C=${c}, grads prefilled`,
    build: (g) => {
      const x = g.uniform("x", n * c, -3, 3);
      const weight = g.uniform("weight", c, 0.5, 1.5);
      const rstd = g.out("rstd", n);
      REF_KERNELS.rmsNorm({ x, weight, n, c, eps: 1e-6, out: new Float32Array(n * c), rstd });
      return { x, weight, rstd, n, c, dOut: g.uniform("dOut", n * c), dx: g.uniform("dx", n * c), dWeight: g.uniform("dWeight", c) };
    },
  }));
}

export function softmaxCases(rng: Rng): OpCase<"softmax">[] {
  const rows: [number, number, number][] = [...rowSizes(rng).map(([n, c]): [number, number, number] => [n, c, 4]), [17, 1000, 40]];
  return rows.map(([n, c, spread]) => ({
    name: `N=${n} C=${c} logits ±${spread}`,
    build: (g) => ({ x: g.uniform("x", n * c, -spread, spread), n, c, out: g.out("out", n * c) }),
  }));
}
export function softmaxBackwardCases(rng: Rng): OpCase<"softmaxBackward">[] {
  return rowSizes(rng).map(([n, c]) => ({
    name: `N=${n} C=${c}, dx prefilled`,
    build: (g) => {
      const y = g.out("y", n * c);
      REF_KERNELS.softmax({ x: g.uniform("x", n * c, -4, 4), n, c, out: y });
      return { y, n, c, dOut: g.uniform("dOut", n * c), dx: g.uniform("dx", n * c) };
    },
  }));
}

/** Pointwise lengths: tiny, odd, and with SIMD tails for 4-, 8- and 16-wide vectors. */
const POINTWISE_N = [1, 7, 33, 1000, 4099] as const;
export function activationCases(): OpCase<"activation">[] {
  return (["gelu", "silu"] as const).flatMap((kind) =>
    POINTWISE_N.map((n) => ({
      name: `${kind} n=${n}`,
      build: (g: Gen) => ({ kind, x: g.uniform("x", n, -8, 8), out: g.out("out", n) }),
    })),
  );
}
export function activationBackwardCases(): OpCase<"activationBackward">[] {
  return (["gelu", "silu"] as const).flatMap((kind) =>
    POINTWISE_N.map((n) => ({
      name: `${kind} n=${n}, dx prefilled`,
      build: (g: Gen) => ({ kind, x: g.uniform("x", n, -8, 8), dOut: g.uniform("dOut", n), dx: g.uniform("dx", n) }),
    })),
  );
}
/** The gate activation of SwiGLU/GeGLU cases: absent (SwiGLU by default), and each kind given explicitly. */
const GLU_ACTS = [undefined, "silu", "gelu"] as const;
const gluAct = (act: ActivationKind | undefined) => (act === undefined ? {} : { act });
export function swigluCases(): OpCase<"swiglu">[] {
  return GLU_ACTS.flatMap((act) =>
    POINTWISE_N.map((n) => ({
      name: `${act ?? "default (silu)"} n=${n}`,
      build: (g: Gen) => ({ ...gluAct(act), gate: g.uniform("gate", n, -6, 6), up: g.uniform("up", n, -2, 2), out: g.out("out", n) }),
    })),
  );
}
export function swigluBackwardCases(): OpCase<"swigluBackward">[] {
  return GLU_ACTS.flatMap((act) =>
    POINTWISE_N.map((n) => ({
      name: `${act ?? "default (silu)"} n=${n}, grads prefilled`,
      build: (g: Gen) => ({
        ...gluAct(act), gate: g.uniform("gate", n, -6, 6), up: g.uniform("up", n, -2, 2), dOut: g.uniform("dOut", n),
        dGate: g.uniform("dGate", n), dUp: g.uniform("dUp", n),
      }),
    })),
  );
}

interface RopeSpec {
  b: number; t: number; h: number; d: number; rotaryDim: number; pairing: "adjacent" | "half"; theta: number; maxPos: number;
  inPlace?: boolean; tol?: Tolerance;
  // freqFactors: "varied" in [1, 8] per pair (Llama 3.1's factors span 1 … 8), "linear" all 4, "null" passed as null.
  factors?: "varied" | "linear" | "null";
}
const ropeSpecs = (rng: Rng): RopeSpec[] => [
  ...Array.from({ length: 3 }, (): RopeSpec => {
    const d = 2 * sizeDraw(rng, 64);
    return {
      b: 1 + rng.int(2), t: sizeDraw(rng, 40), h: 1 + rng.int(4), d, rotaryDim: 2 * (1 + rng.int(d / 2)),
      pairing: pick(rng, ["adjacent", "half"] as const), theta: pick(rng, [10000, 500000, 1e6]), maxPos: 512,
    };
  }),
  { b: 1, t: 1, h: 1, d: 2, rotaryDim: 2, pairing: "adjacent", theta: 10000, maxPos: 8 },
  { b: 2, t: 7, h: 3, d: 8, rotaryDim: 8, pairing: "adjacent", theta: 10000, maxPos: 64 },
  { b: 2, t: 7, h: 3, d: 8, rotaryDim: 8, pairing: "half", theta: 10000, maxPos: 64 },
  { b: 1, t: 17, h: 4, d: 64, rotaryDim: 32, pairing: "half", theta: 10000, maxPos: 512 },
  { b: 1, t: 17, h: 4, d: 64, rotaryDim: 16, pairing: "adjacent", theta: 500000, maxPos: 512 },
  { b: 3, t: 5, h: 2, d: 6, rotaryDim: 4, pairing: "half", theta: 10000, maxPos: 100, inPlace: true },
  { b: 1, t: 33, h: 2, d: 128, rotaryDim: 128, pairing: "adjacent", theta: 10000, maxPos: 512, inPlace: true },
  // Angles up to 8192 rad: f32 angle arithmetic is allowed ~1e-3 here.
  { b: 1, t: 3, h: 2, d: 128, rotaryDim: 128, pairing: "half", theta: 10000, maxPos: 8192, tol: { atol: 2e-3, rtol: 0 } },
  { b: 1, t: 17, h: 4, d: 64, rotaryDim: 64, pairing: "adjacent", theta: 500000, maxPos: 512, factors: "varied" },
  { b: 2, t: 7, h: 3, d: 8, rotaryDim: 8, pairing: "half", theta: 10000, maxPos: 64, factors: "linear" },
  { b: 3, t: 5, h: 2, d: 12, rotaryDim: 8, pairing: "half", theta: 10000, maxPos: 100, inPlace: true, factors: "varied" },
  { b: 1, t: 9, h: 2, d: 16, rotaryDim: 16, pairing: "adjacent", theta: 10000, maxPos: 100, factors: "null" },
];
const ropeName = (s: RopeSpec): string =>
  `(B,T,H,D)=(${s.b},${s.t},${s.h},${s.d}) rot=${s.rotaryDim} ${s.pairing} θ=${s.theta} pos<${s.maxPos}` +
  `${s.factors ? ` factors=${s.factors}` : ""}${s.inPlace ? " in place" : ""}`;
/** The spec's freqFactors field (absent unless the spec names factors). */
function ropeFactors(g: Gen, s: RopeSpec): { freqFactors?: Float32Array | null } {
  const n = s.rotaryDim / 2;
  if (s.factors === "varied") return { freqFactors: g.uniform("freqFactors", n, 1, 8) };
  if (s.factors === "linear") return { freqFactors: g.uniform("freqFactors", n, 4, 4) };
  return s.factors === "null" ? { freqFactors: null } : {};
}
export function ropeCases(rng: Rng): OpCase<"rope">[] {
  return ropeSpecs(rng).map((s) => ({
    name: ropeName(s),
    tol: s.tol,
    build: (g) => {
      const size = s.b * s.t * s.h * s.d;
      const x = g.uniform("x", size);
      const positions = g.randInts("positions", s.t, s.maxPos); // not monotonic: positions are data
      return { ...dims(s), ...ropeFactors(g, s), x, positions, out: s.inPlace ? x : g.out("out", size) };
    },
  }));
}
export function ropeBackwardCases(rng: Rng): OpCase<"ropeBackward">[] {
  return ropeSpecs(rng).map((s) => ({
    name: `${ropeName(s).replace(" in place", "")}, dx prefilled`,
    tol: s.tol,
    build: (g) => {
      const size = s.b * s.t * s.h * s.d;
      return {
        ...dims(s), ...ropeFactors(g, s), dOut: g.uniform("dOut", size), positions: g.randInts("positions", s.t, s.maxPos),
        dx: g.uniform("dx", size),
      };
    },
  }));
}
const dims = (s: RopeSpec) => ({ b: s.b, t: s.t, h: s.h, d: s.d, rotaryDim: s.rotaryDim, pairing: s.pairing, theta: s.theta });

interface AttnSpec {
  b: number; t: number; s: number; h: number; hKv: number; d: number; causal: boolean; cap?: number; scale?: number;
  window?: number; softcap?: number; // passed only when set, so the other cases exercise the absent fields
  /** Document lengths of each row (summing to S), or "scatter": random ids from {0, 1, 2} that are not runs. */
  docs?: readonly number[] | "scatter";
  nullSegments?: boolean; // segments: null, which must equal absent
}
const attnSpecs = (rng: Rng): AttnSpec[] => [
  ...Array.from({ length: 3 }, (): AttnSpec => {
    const hKv = pick(rng, [1, 2, 3]);
    const s = sizeDraw(rng, 90);
    const causal = rng.next() < 0.6;
    return {
      b: 1 + rng.int(2), t: causal ? 1 + rng.int(s) : sizeDraw(rng, 40), s, hKv, h: hKv * pick(rng, [1, 2, 4]),
      d: sizeDraw(rng, 80), causal, cap: s + rng.int(5),
    };
  }),
  { b: 1, t: 1, s: 1, h: 1, hKv: 1, d: 1, causal: true },
  { b: 1, t: 3, s: 3, h: 1, hKv: 1, d: 4, causal: false },
  { b: 2, t: 7, s: 7, h: 4, hKv: 4, d: 8, causal: true },
  { b: 1, t: 130, s: 130, h: 4, hKv: 2, d: 32, causal: true },
  { b: 2, t: 1, s: 77, h: 8, hKv: 2, d: 64, causal: true, cap: 100 }, // decode from a KV cache of capacity 100
  { b: 1, t: 17, s: 33, h: 6, hKv: 3, d: 16, causal: true, cap: 40 }, // chunked prefill: T < S
  { b: 2, t: 5, s: 13, h: 4, hKv: 1, d: 8, causal: false, scale: 0.7 }, // multi-query, not causal
  { b: 1, t: 65, s: 65, h: 2, hKv: 1, d: 128, causal: true },
  // Sliding windows (Mistral, Gemma 2/3 local layers) and soft-capped scores (Gemma 2). Softcaps are small or
  // scales large enough that tanh bends the scores (|s| ≫ cap): a cap of 50 on unit scores would change little.
  { b: 2, t: 7, s: 7, h: 4, hKv: 4, d: 8, causal: true, window: 0, softcap: 0 }, // explicit 0 = off
  { b: 1, t: 9, s: 9, h: 2, hKv: 2, d: 4, causal: true, window: 1 }, // each query sees itself only
  { b: 2, t: 7, s: 7, h: 2, hKv: 1, d: 8, causal: true, window: 100 }, // window larger than S
  { b: 1, t: 40, s: 40, h: 4, hKv: 2, d: 16, causal: true, window: 5 },
  { b: 1, t: 70, s: 150, h: 2, hKv: 1, d: 32, causal: true, window: 71, cap: 160 }, // two query tiles, T < S
  { b: 1, t: 200, s: 200, h: 2, hKv: 2, d: 16, causal: true, window: 64 }, // whole key tiles skipped
  { b: 2, t: 5, s: 13, h: 4, hKv: 1, d: 8, causal: false, window: 4 }, // not causal: only the past is cut
  { b: 1, t: 130, s: 130, h: 4, hKv: 2, d: 32, causal: true, window: 50, softcap: 2 },
  { b: 1, t: 33, s: 33, h: 2, hKv: 1, d: 16, causal: true, softcap: 50, scale: 4 },
  { b: 2, t: 6, s: 11, h: 4, hKv: 2, d: 8, causal: false, softcap: 1.5 },
  // Decoding (T ≤ 4, the flash-decoding schedule) with windows below and above S, GQA, split key ranges.
  { b: 2, t: 1, s: 77, h: 8, hKv: 2, d: 64, causal: true, cap: 100, window: 20 },
  { b: 1, t: 2, s: 77, h: 4, hKv: 4, d: 16, causal: true, window: 200, softcap: 3 },
  { b: 1, t: 3, s: 40, h: 6, hKv: 3, d: 8, causal: true, window: 7, softcap: 1 },
  { b: 1, t: 4, s: 30, h: 4, hKv: 1, d: 8, causal: false, window: 9 },
  { b: 1, t: 1, s: 1100, h: 4, hKv: 2, d: 32, causal: true, window: 600 }, // window span split over tasks
  { b: 1, t: 4, s: 1500, h: 2, hKv: 1, d: 16, causal: true, window: 700, softcap: 2, cap: 1600 },
  { b: 1, t: 1, s: 1100, h: 2, hKv: 1, d: 16, causal: true, softcap: 2 }, // split without a window
  // Document masks of packed examples (segments): boundaries inside a 64-key tile and on tile edges, one-token
  // documents, GQA, T < S (chunked prefill and decoding), with windows and softcaps, ids that are not runs.
  { b: 2, t: 7, s: 7, h: 4, hKv: 4, d: 8, causal: true, nullSegments: true },
  { b: 2, t: 20, s: 20, h: 2, hKv: 1, d: 8, causal: true, docs: [5, 1, 9, 1, 4] },
  { b: 1, t: 200, s: 200, h: 4, hKv: 2, d: 16, causal: true, docs: [64, 64, 30, 1, 41] }, // edges at 64, 128
  { b: 2, t: 150, s: 150, h: 2, hKv: 2, d: 32, causal: true, docs: [37, 50, 1, 1, 61] }, // inside tiles
  { b: 1, t: 130, s: 130, h: 4, hKv: 1, d: 16, causal: false, docs: [63, 2, 65] }, // not causal: whole documents
  { b: 1, t: 140, s: 140, h: 2, hKv: 1, d: 16, causal: true, docs: [70, 70], window: 20, softcap: 2 },
  { b: 1, t: 100, s: 100, h: 2, hKv: 2, d: 8, causal: true, docs: [1, 1, 1, 1, 96], window: 50 },
  { b: 1, t: 70, s: 150, h: 4, hKv: 2, d: 16, causal: true, docs: [60, 50, 40], cap: 160 }, // T < S: two query tiles
  { b: 1, t: 90, s: 90, h: 2, hKv: 1, d: 8, causal: true, docs: "scatter" },
  { b: 2, t: 9, s: 30, h: 2, hKv: 1, d: 8, causal: false, docs: "scatter", softcap: 1.5 },
  { b: 2, t: 1, s: 77, h: 8, hKv: 2, d: 64, causal: true, cap: 100, docs: [30, 40, 7] }, // decoding
  { b: 1, t: 4, s: 40, h: 6, hKv: 3, d: 8, causal: true, docs: [20, 17, 1, 2], window: 9, softcap: 1 },
  { b: 1, t: 3, s: 1100, h: 4, hKv: 2, d: 32, causal: true, docs: [600, 300, 199, 1] }, // split key range
  { b: 1, t: 2, s: 1500, h: 2, hKv: 1, d: 16, causal: true, docs: [100, 1300, 100], window: 700 },
  { b: 1, t: 4, s: 60, h: 2, hKv: 1, d: 8, causal: true, docs: "scatter" },
];
const attnName = (a: AttnSpec): string =>
  `B=${a.b} T=${a.t} S=${a.s} H=${a.h} Hkv=${a.hKv} D=${a.d}${a.causal ? " causal" : ""}${a.cap ? ` kvcap=${a.cap}` : ""}` +
  `${a.window !== undefined ? ` window=${a.window}` : ""}${a.softcap !== undefined ? ` softcap=${a.softcap}` : ""}` +
  `${a.scale !== undefined ? ` scale=${a.scale}` : ""}` +
  `${a.docs === "scatter" ? " segments=scatter" : a.docs ? ` docs=${a.docs.join("+")}` : ""}${a.nullSegments ? " segments=null" : ""}`;
/** Segment ids (B, S) for a spec: each row the documents in order, ids offset per row so rows differ; or random ids. */
function segmentIds(g: Gen, a: AttnSpec): Int32Array | null {
  if (a.docs === undefined) return null;
  const docs = a.docs;
  if (docs === "scatter") return g.randInts("segments", a.b * a.s, 3);
  const ids: number[] = [];
  for (let bi = 0; bi < a.b; bi++) docs.forEach((n, i) => ids.push(...new Array<number>(n).fill(10 * bi + i)));
  return g.ints("segments", ids);
}
/** Arrays and sizes shared by attention and its backward (k and v have kvBatchStride = cap·Hkv·D). */
function attnInputs(g: Gen, a: AttnSpec) {
  const kvBatchStride = (a.cap ?? a.s) * a.hKv * a.d;
  const kvSize = (a.b - 1) * kvBatchStride + a.s * a.hKv * a.d;
  return {
    b: a.b, t: a.t, s: a.s, h: a.h, hKv: a.hKv, d: a.d, causal: a.causal, kvBatchStride,
    scale: a.scale ?? 1 / Math.sqrt(a.d),
    ...(a.window !== undefined ? { window: a.window } : {}),
    ...(a.softcap !== undefined ? { softcap: a.softcap } : {}),
    ...(a.nullSegments ? { segments: null } : a.docs !== undefined ? { segments: segmentIds(g, a) } : {}),
    q: g.normal("q", a.b * a.t * a.h * a.d), k: g.normal("k", kvSize), v: g.normal("v", kvSize), kvSize,
  };
}
/** Batched decoding over a pooled cache (forward only): rows of different key counts (seqLens) in slots of k/v
 *  (kvRows) of `slots` × S positions; long rows split their key range (S ≥ 512), T > 4 takes the prefill tiles. */
interface VarlenSpec {
  readonly t: number;
  readonly s: number;
  readonly h: number;
  readonly hKv: number;
  readonly d: number;
  readonly lens: readonly number[];
  readonly rows: readonly number[] | null;
  readonly slots: number;
  readonly window?: number;
  readonly softcap?: number;
}
const VARLEN_SPECS: readonly VarlenSpec[] = [
  { t: 1, s: 40, h: 4, hKv: 2, d: 16, lens: [1, 17, 40, 33], rows: [3, 0, 5, 1], slots: 6 },
  { t: 1, s: 40, h: 4, hKv: 2, d: 16, lens: [9, 40, 2], rows: null, slots: 3 },
  { t: 1, s: 40, h: 4, hKv: 4, d: 32, lens: [25, 7, 40], rows: [1, 2, 0], slots: 3, window: 8, softcap: 30 },
  { t: 1, s: 600, h: 2, hKv: 1, d: 8, lens: [600, 530, 20], rows: [2, 0, 1], slots: 3 },
  { t: 2, s: 30, h: 4, hKv: 2, d: 8, lens: [2, 30, 11], rows: [0, 2, 1], slots: 3 },
  { t: 70, s: 100, h: 2, hKv: 1, d: 8, lens: [70, 100], rows: [1, 0], slots: 2 },
];
function varlenCase(a: VarlenSpec): OpCase<"attention"> {
  const B = a.lens.length, kvBatchStride = a.s * a.hKv * a.d;
  return {
    name: `B=${B} T=${a.t} S=${a.s} H=${a.h} Hkv=${a.hKv} D=${a.d} causal seqLens=${a.lens.join(",")}${a.rows ? ` kvRows=${a.rows.join(",")}` : ""}` +
      `${a.window !== undefined ? ` window=${a.window}` : ""}${a.softcap !== undefined ? ` softcap=${a.softcap}` : ""}`,
    build: (g) => ({
      b: B, t: a.t, s: a.s, h: a.h, hKv: a.hKv, d: a.d, causal: true, kvBatchStride, scale: 1 / Math.sqrt(a.d),
      ...(a.window !== undefined ? { window: a.window } : {}),
      ...(a.softcap !== undefined ? { softcap: a.softcap } : {}),
      seqLens: g.ints("seqLens", [...a.lens]),
      ...(a.rows ? { kvRows: g.ints("kvRows", [...a.rows]) } : {}),
      q: g.normal("q", B * a.t * a.h * a.d), k: g.normal("k", a.slots * kvBatchStride), v: g.normal("v", a.slots * kvBatchStride),
      out: g.out("out", B * a.t * a.h * a.d), lse: g.out("lse", B * a.h * a.t),
    }),
  };
}
export function attentionCases(rng: Rng): OpCase<"attention">[] {
  return [
    ...attnSpecs(rng).map((a): OpCase<"attention"> => ({
      name: attnName(a),
      build: (g) => {
        const { kvSize: _kv, ...x } = attnInputs(g, a);
        return { ...x, out: g.out("out", a.b * a.t * a.h * a.d), lse: g.out("lse", a.b * a.h * a.t) };
      },
    })),
    ...VARLEN_SPECS.map(varlenCase),
  ];
}
export function attentionBackwardCases(rng: Rng): OpCase<"attentionBackward">[] {
  return attnSpecs(rng).map((a) => ({
    name: `${attnName(a)}, grads prefilled`,
    build: (g) => {
      const { kvSize, ...x } = attnInputs(g, a);
      const out = g.out("out", a.b * a.t * a.h * a.d);
      const lse = g.out("lse", a.b * a.h * a.t);
      REF_KERNELS.attention({ ...x, out, lse });
      return {
        ...x, out, lse, dOut: g.normal("dOut", a.b * a.t * a.h * a.d),
        dq: g.uniform("dq", a.b * a.t * a.h * a.d), dk: g.uniform("dk", kvSize), dv: g.uniform("dv", kvSize),
      };
    },
  }));
}

interface XentSpec { n: number; v: number; ignoreIndex: number; ignoreFrac: number; spread: number }
const xentSpecs = (rng: Rng): XentSpec[] => [
  ...Array.from({ length: 2 }, (): XentSpec => ({
    n: sizeDraw(rng, 40), v: sizeDraw(rng, 3000), ignoreIndex: -100, ignoreFrac: 0.25, spread: 6,
  })),
  { n: 1, v: 1, ignoreIndex: -100, ignoreFrac: 0, spread: 1 },
  { n: 3, v: 7, ignoreIndex: -100, ignoreFrac: 0, spread: 3 },
  { n: 17, v: 1000, ignoreIndex: -100, ignoreFrac: 0.3, spread: 10 },
  { n: 65, v: 129, ignoreIndex: 3, ignoreFrac: 0.2, spread: 5 }, // an in-vocabulary id used as the ignore index
  { n: 4, v: 33, ignoreIndex: -1, ignoreFrac: 1, spread: 2 }, // every row ignored
  { n: 2, v: 50257, ignoreIndex: -100, ignoreFrac: 0, spread: 8 }, // a GPT-2-sized vocabulary
];
function xentInputs(g: Gen, x: XentSpec) {
  const targets = Array.from({ length: x.n }, () => (g.rng.next() < x.ignoreFrac ? x.ignoreIndex : g.rng.int(x.v)));
  return { n: x.n, v: x.v, ignoreIndex: x.ignoreIndex, logits: g.uniform("logits", x.n * x.v, -x.spread, x.spread), targets: g.ints("targets", targets) };
}
const xentName = (x: XentSpec): string => `N=${x.n} V=${x.v} ignoreIndex=${x.ignoreIndex} ignored≈${x.ignoreFrac}`;
export function crossEntropyCases(rng: Rng): OpCase<"crossEntropy">[] {
  return xentSpecs(rng).map((x) => ({
    name: xentName(x),
    build: (g) => ({ ...xentInputs(g, x), losses: g.out("losses", x.n), lse: g.out("lse", x.n) }),
  }));
}
export function crossEntropyBackwardCases(rng: Rng): OpCase<"crossEntropyBackward">[] {
  return xentSpecs(rng).map((x) => ({
    name: `${xentName(x)}, dLogits prefilled`,
    build: (g) => {
      const inputs = xentInputs(g, x);
      const lse = g.out("lse", x.n);
      REF_KERNELS.crossEntropy({ ...inputs, losses: new Float32Array(x.n), lse });
      return { ...inputs, lse, dLosses: g.uniform("dLosses", x.n, 0.1, 1), dLogits: g.uniform("dLogits", x.n * x.v) };
    },
  }));
}
