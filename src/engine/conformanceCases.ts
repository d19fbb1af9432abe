// The conformance suite's case table, and the cases of the linear-algebra, layout, embedding, optimizer and
// half-precision kernels. Not here: the neural-network kernels' cases (conformanceCasesNn.ts), running them.

import { Rng } from "../util/rng.js";
import { f32Bits } from "./dtype.js";
import { broadcastShapes, numel } from "./backends/ref/shape.js";
import {
  activationBackwardCases, activationCases, attentionBackwardCases, attentionCases, crossEntropyBackwardCases,
  crossEntropyCases, layerNormBackwardCases, layerNormCases, rmsNormBackwardCases, rmsNormCases, ropeBackwardCases,
  ropeCases, softmaxBackwardCases, softmaxCases, swigluBackwardCases, swigluCases,
} from "./conformanceCasesNn.js";
import { Gen, pick, randomShape, shuffled, sizeDraw, type CaseTable, type OpCase } from "./conformanceGen.js";
import { quantMatmulCases, quantMatmulTCases } from "./conformanceCasesQuant.js";

// ---- case builders --------------------------------------------------------------------------------------

const GEMM_VARIANTS: readonly [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];
const tn = (t: boolean): string => (t ? "T" : "N");

interface GemmSpec {
  m: number; n: number; k: number; transA: boolean; transB: boolean;
  batch?: number; alpha?: number; beta?: number; pad?: number; // pad: extra elements per leading dim
  strideA0?: boolean; strideB0?: boolean; // broadcast operand across the batch
  bias?: boolean; // C's rows start from a bias of n elements (beta must be 0)
}
function gemmCase(s: GemmSpec): OpCase<"gemm"> {
  const { m, n, k, transA, transB } = s;
  const batch = s.batch ?? 1;
  const alpha = s.alpha ?? 1;
  const beta = s.beta ?? 0;
  const pad = s.pad ?? 0;
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + pad;
  const ldb = bCols + pad;
  const ldc = n + pad;
  const strideA = s.strideA0 ? 0 : aRows * lda + pad;
  const strideB = s.strideB0 ? 0 : bRows * ldb;
  const strideC = m * ldc + pad;
  const size = (st: number, rows: number, ld: number, cols: number): number => (batch - 1) * st + (rows - 1) * ld + cols;
  const name =
    `${m}×${k}×${n} ${tn(transA)}${tn(transB)}` +
    (batch > 1 ? ` batch=${batch}${s.strideA0 ? " strideA=0" : ""}${s.strideB0 ? " strideB=0" : ""}` : "") +
    (pad > 0 ? ` ld+${pad}` : "") +
    (alpha !== 1 || beta !== 0 ? ` α=${alpha} β=${beta}` : "") +
    (s.bias === true ? " +bias" : "");
  return {
    name,
    build: (g) => ({
      transA, transB, m, n, k, alpha, beta, batch, lda, ldb, ldc, strideA, strideB, strideC,
      a: g.uniform("a", size(strideA, aRows, lda, aCols)),
      b: g.uniform("b", size(strideB, bRows, ldb, bCols)),
      // β = 0: C is NaN and must not be read (BLAS semantics; pooled buffers hold stale values). Else the accumuland.
      c: beta === 0 ? g.out("c", size(strideC, m, ldc, n)) : g.uniform("c", size(strideC, m, ldc, n), -3, 3),
      ...(s.bias === true ? { bias: g.uniform("bias", n, -3, 3) } : {}),
    }),
  };
}
function gemmCases(rng: Rng): OpCase<"gemm">[] {
  const cases: OpCase<"gemm">[] = [];
  for (const [transA, transB] of GEMM_VARIANTS) {
    for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [17, 33, 65], [65, 7, 129], [1, 129, 33], [33, 17, 1]]) {
      cases.push(gemmCase({ m, n, k, transA, transB }));
    }
    cases.push(gemmCase({ m: 33, n: 17, k: 65, transA, transB, pad: 3, alpha: 0.5, beta: 1 }));
    cases.push(gemmCase({ m: 7, n: 33, k: 17, transA, transB, batch: 3, strideA0: true, beta: 0.25, alpha: -2 }));
    // Tall and narrow (LoRA's rank-r products: n = r): the native backend computes Cᵀ and adds it transposed.
    cases.push(gemmCase({ m: 300, n: 16, k: 70, transA, transB, pad: 2 }));
    cases.push(gemmCase({ m: 513, n: 3, k: 33, transA, transB, alpha: 0.5, beta: -0.5 }));
  }
  cases.push(gemmCase({ m: 256, n: 200, k: 300, transA: false, transB: false }));
  cases.push(gemmCase({ m: 129, n: 129, k: 129, transA: false, transB: true, beta: 1 }));
  cases.push(gemmCase({ m: 1, n: 300, k: 768, transA: false, transB: true })); // matrix-vector (decode)
  cases.push(gemmCase({ m: 17, n: 65, k: 33, transA: false, transB: false, batch: 4, strideB0: true, pad: 1 }));
  cases.push(gemmCase({ m: 5, n: 9, k: 130, transA: true, transB: false, batch: 2, beta: 1 }));
  // A bias (a Linear's x·Wᵀ + b): the blocked product with K blocks, the narrow, skinny and matrix-vector paths,
  // batches with a shared weight, and alpha = 0 (C = the bias rows).
  for (const [m, k, n] of [[65, 400, 129], [300, 70, 16], [20, 96, 300], [1, 129, 33], [33, 17, 1]]) {
    cases.push(gemmCase({ m, n, k, transA: false, transB: true, bias: true }));
  }
  cases.push(gemmCase({ m: 17, n: 65, k: 33, transA: true, transB: false, batch: 3, strideB0: true, pad: 2, bias: true }));
  cases.push(gemmCase({ m: 7, n: 9, k: 5, transA: false, transB: false, alpha: 0, bias: true }));
  for (let i = 0; i < 6; i++) {
    const batch = 1 + rng.int(3);
    cases.push(gemmCase({
      m: sizeDraw(rng, 100), n: sizeDraw(rng, 100), k: sizeDraw(rng, 100), transA: rng.next() < 0.5, transB: rng.next() < 0.5,
      batch, strideA0: batch > 1 && rng.next() < 0.3, strideB0: batch > 1 && rng.next() < 0.3, pad: rng.int(3),
      alpha: pick(rng, [1, 0.5, -1.25]), beta: pick(rng, [0, 0, 1, -0.5]),
    }));
  }
  return cases;
}

const BINARY_SHAPES: readonly [number[], number[]][] = [
  [[3, 7], [3, 7]], [[1], [1]], [[2, 3, 4], [4]], [[2, 1, 4], [3, 1]], [[5, 6], []], [[1], [5, 6]],
  [[17, 33], [17, 1]], [[7, 129, 33], [129, 1]], [[1, 65], [3, 1]],
];
const BINARY_KINDS = ["add", "sub", "mul", "div", "max", "min"] as const;
function binaryCase(op: (typeof BINARY_KINDS)[number], aShape: number[], bShape: number[]): OpCase<"binary"> {
  const outShape = broadcastOf(aShape, bShape);
  return {
    name: `${op} (${aShape.join(",")}) ⊙ (${bShape.join(",")})`,
    build: (g) => ({
      op, aShape, bShape, outShape,
      a: g.uniform("a", prod(aShape), -2, 2),
      b: op === "div" ? g.signedAway("b", prod(bShape)) : g.uniform("b", prod(bShape), -2, 2),
      out: g.out("out", prod(outShape)),
    }),
  };
}
function binaryCases(rng: Rng): OpCase<"binary">[] {
  const cases: OpCase<"binary">[] = [];
  for (const op of BINARY_KINDS) for (const [aShape, bShape] of BINARY_SHAPES) cases.push(binaryCase(op, aShape, bShape));
  for (let i = 0; i < 6; i++) {
    // A random shape of rank 1–4; a and b take trailing parts of it with some dims set to 1.
    const full = randomShape(rng, 4, 9);
    const part = (): number[] => full.slice(rng.int(full.length + 1)).map((d) => (rng.next() < 0.3 ? 1 : d));
    cases.push(binaryCase(pick(rng, BINARY_KINDS), part(), part()));
  }
  cases.push({
    name: "add in place (65,33) += (33,)",
    build: (g) => {
      const a = g.uniform("a", 65 * 33);
      return { op: "add", a, aShape: [65, 33], b: g.uniform("b", 33), bShape: [33], out: a, outShape: [65, 33] };
    },
  });
  return cases;
}

function unaryCases(): OpCase<"unary">[] {
  const kinds = ["neg", "exp", "log", "sqrt", "rsqrt", "abs", "square", "recip", "tanh", "sigmoid", "relu", "scale", "addScalar", "powScalar"] as const;
  const positive = new Set<string>(["log", "sqrt", "rsqrt", "powScalar"]);
  const cases: OpCase<"unary">[] = [];
  for (const op of kinds) {
    for (const n of [1, 7, 33, 1001]) {
      cases.push({
        name: `${op} n=${n}`,
        build: (g) => ({
          op,
          x: positive.has(op) ? g.uniform("x", n, 0.05, 4) : op === "recip" ? g.signedAway("x", n, 0.1, 3) : g.uniform("x", n, -5, 5),
          out: g.out("out", n),
          scalar: op === "powScalar" ? 1.5 : -0.75 + 3 * g.rng.next(),
        }),
      });
    }
  }
  cases.push({
    name: "tanh in place n=129",
    build: (g) => {
      const x = g.uniform("x", 129, -4, 4);
      return { op: "tanh", x, out: x, scalar: 0 };
    },
  });
  return cases;
}

function reduceCases(rng: Rng): OpCase<"reduce">[] {
  const specs: [number[], number[]][] = [
    ...Array.from({ length: 4 }, (): [number[], number[]] => {
      const shape = randomShape(rng, 4, 12);
      return [shape, shape.map((_, i) => i).filter(() => rng.next() < 0.5)];
    }),
    [[3, 7], [1]], [[3, 7], [0]], [[2, 3, 5], [0, 2]], [[17, 33], [0, 1]], [[4, 1, 6], [1]], [[129, 65], [1]],
    [[3, 4], []], [[7], [0]], [[2, 17, 3, 5], [1, 3]],
  ];
  const cases: OpCase<"reduce">[] = [];
  for (const op of ["sum", "mean", "max", "min"] as const) {
    for (const [shape, axes] of specs) {
      const outN = prod(shape.map((d, i) => (axes.includes(i) ? 1 : d)));
      cases.push({
        name: `${op} (${shape.join(",")}) over [${axes.join(",")}]`,
        build: (g) => ({ op, shape, axes, x: g.uniform("x", prod(shape), -3, 3), out: g.out("out", outN) }),
      });
    }
  }
  return cases;
}

function broadcastCases(rng: Rng): OpCase<"broadcast">[] {
  const specs: [number[], number[]][] = [
    ...Array.from({ length: 3 }, (): [number[], number[]] => {
      const outShape = randomShape(rng, 4, 9);
      return [outShape.slice(rng.int(outShape.length + 1)).map((d) => (rng.next() < 0.5 ? 1 : d)), outShape];
    }),
    [[3, 1], [2, 3, 4]], [[1], [5]], [[7], [3, 7]], [[2, 1, 5], [2, 4, 5]], [[], [3, 3]], [[17, 1, 33], [2, 17, 65, 33]],
  ];
  return specs.map(([xShape, outShape]) => ({
    name: `(${xShape.join(",")}) → (${outShape.join(",")})`,
    build: (g) => ({ xShape, outShape, x: g.uniform("x", prod(xShape)), out: g.out("out", prod(outShape)) }),
  }));
}

function permuteCases(rng: Rng): OpCase<"permute">[] {
  const specs: [number[], number[]][] = [
    ...Array.from({ length: 3 }, (): [number[], number[]] => {
      const shape = randomShape(rng, 5, 9);
      return [shape, shuffled(rng, shape.map((_, i) => i))];
    }),
    [[2, 3], [1, 0]], [[2, 3, 4], [2, 0, 1]], [[3, 5, 7, 2], [0, 2, 1, 3]], [[17, 33], [1, 0]], [[1, 4, 1], [2, 1, 0]],
    [[5], [0]], [[2, 65, 3, 17], [0, 2, 1, 3]], [[3, 7, 5], [0, 1, 2]],
  ];
  return specs.map(([shape, perm]) => ({
    name: `(${shape.join(",")}) perm [${perm.join(",")}]`,
    build: (g) => ({ shape, perm, x: g.uniform("x", prod(shape)), out: g.out("out", prod(shape)) }),
  }));
}

/** (N, C, V): fixed plus two drawn. */
const embSizes = (rng: Rng): [number, number, number][] => [
  [1, 1, 1], [17, 33, 7], [130, 65, 1000], [3, 768, 5],
  ...Array.from({ length: 2 }, (): [number, number, number] => [sizeDraw(rng, 200), sizeDraw(rng, 300), sizeDraw(rng, 500)]),
];
function embeddingCases(rng: Rng): OpCase<"embedding">[] {
  return embSizes(rng).map(([n, c, v]) => ({
    name: `N=${n} C=${c} V=${v}`,
    build: (g) => ({ n, c, v, ids: g.randInts("ids", n, v), weight: g.uniform("weight", v * c), out: g.out("out", n * c) }),
  }));
}
function embeddingBackwardCases(rng: Rng): OpCase<"embeddingBackward">[] {
  return embSizes(rng).map(([n, c, v]) => ({
    name: `N=${n} C=${c} V=${v}, repeated ids, dWeight prefilled`,
    build: (g) => ({ n, c, v, ids: g.randInts("ids", n, v), dOut: g.uniform("dOut", n * c), dWeight: g.uniform("dWeight", v * c) }),
  }));
}

function adamwCases(): OpCase<"adamw">[] {
  const specs = [
    { n: 1, step: 1, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    { n: 17, step: 10, lr: 3e-4, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
    { n: 1000, step: 1000, lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.01 },
    { n: 4099, step: 3, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 },
  ];
  return specs.map((s) => ({
    name: `n=${s.n} step=${s.step} lr=${s.lr} β=(${s.beta1},${s.beta2}) wd=${s.weightDecay}`,
    build: (g) => ({
      ...s, param: g.uniform("param", s.n), grad: g.normal("grad", s.n, 0.1),
      m: g.normal("m", s.n, 0.01), v: g.uniform("v", s.n, 0, 1e-3),
    }),
  }));
}

function sumSquaresCases(): OpCase<"sumSquares">[] {
  // 2^18 values: an f32 running sum would be off by ~1e-5 relative, far beyond the 1e-6 allowed.
  return [1, 17, 4099, 1 << 18].map((n) => ({ name: `n=${n}`, build: (g) => ({ x: g.uniform("x", n, -3, 3) }) }));
}

/** Every 16-bit pattern, in a shuffled order. */
const allHalfBits = (g: Gen): number[] => shuffled(g.rng, Array.from({ length: 65536 }, (_, i) => i));
/** f32 bit patterns that probe half rounding: specials, f16 range edges, ties, subnormals, random bits. */
function f32Probes(g: Gen): number[] {
  const special = [
    0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001, 0x7fbfffff, // zeros, infs, NaNs
    0x477fe000, 0x477fefff, 0x477ff000, 0x477ff001, 0x47800000, 0x7f7fffff, 0xff7fffff, // 65504 … overflow
    0x38800000, 0x387fffff, 0x33800000, 0x33000000, 0x33000001, 0x33c00000, 0x32ffffff, 0x00000001, // f16 subnormal edges
    0x3f801000, 0x3f803000, 0x3f801001, 0x3f800fff, 0x3f808000, 0x3f818000, 0x3f808001, 0x3f807fff, // ties, f16 & bf16
    0x7f7f8000, 0x7f7f7fff, 0x3f7fffff, 0x00800000, 0x807fffff,
  ];
  const out = [...special];
  for (let i = 0; i < 4000; i++) out.push(g.rng.nextU32()); // any pattern, NaNs included
  for (let i = 0; i < 4000; i++) {
    // Values near the f16 range, at every exponent from subnormal to overflow.
    const e = -26 + g.rng.int(44);
    out.push(f32Bits((g.rng.next() < 0.5 ? -1 : 1) * (1 + g.rng.next()) * 2 ** e));
  }
  return out;
}

function halfToF32Cases(): OpCase<"halfToF32">[] {
  return (["f16", "bf16"] as const).flatMap((kind) => [
    { name: `${kind} all 65536 bit patterns`, build: (g: Gen) => ({ kind, src: g.u16("src", allHalfBits(g), kind), out: g.out("out", 65536) }) },
    { name: `${kind} n=3`, build: (g: Gen) => ({ kind, src: g.u16("src", [0x3c00, 0x8001, 0x7c00], kind), out: g.out("out", 3) }) },
  ]);
}
function f32ToHalfCases(): OpCase<"f32ToHalf">[] {
  return (["f16", "bf16"] as const).flatMap((kind) => [
    {
      name: `${kind} specials, ties, subnormals, random bits`,
      build: (g: Gen) => {
        const src = g.bits("src", f32Probes(g));
        return { kind, src, out: g.u16("out", new Array<number>(src.length).fill(0x1234), kind) };
      },
    },
    { name: `${kind} n=1`, build: (g: Gen) => ({ kind, src: g.values("src", [1 / 3]), out: g.u16("out", [0], kind) }) },
  ]);
}

/** The conformance cases of every op; `seed` draws the random shapes. The mapped type makes a new op a compile
 *  error until it has cases. */
export function conformanceCases(seed: number): CaseTable {
  const rng = new Rng(seed);
  return {
    gemm: gemmCases(rng),
    binary: binaryCases(rng),
    unary: unaryCases(),
    reduce: reduceCases(rng),
    broadcast: broadcastCases(rng),
    permute: permuteCases(rng),
    embedding: embeddingCases(rng),
    embeddingBackward: embeddingBackwardCases(rng),
    layerNorm: layerNormCases(rng),
    layerNormBackward: layerNormBackwardCases(rng),
    rmsNorm: rmsNormCases(rng),
    rmsNormBackward: rmsNormBackwardCases(rng),
    softmax: softmaxCases(rng),
    softmaxBackward: softmaxBackwardCases(rng),
    activation: activationCases(),
    activationBackward: activationBackwardCases(),
    swiglu: swigluCases(),
    swigluBackward: swigluBackwardCases(),
    rope: ropeCases(rng),
    ropeBackward: ropeBackwardCases(rng),
    attention: attentionCases(rng),
    attentionBackward: attentionBackwardCases(rng),
    crossEntropy: crossEntropyCases(rng),
    crossEntropyBackward: crossEntropyBackwardCases(rng),
    adamw: adamwCases(),
    sumSquares: sumSquaresCases(),
    halfToF32: halfToF32Cases(),
    f32ToHalf: f32ToHalfCases(),
    quantMatmul: quantMatmulCases(rng),
    quantMatmulT: quantMatmulTCases(rng),
  };
}

// ---- shape helpers --------------------------------------------------------------------------------------

const prod = numel;
function broadcastOf(a: readonly number[], b: readonly number[]): number[] {
  const r = broadcastShapes(a, b);
  if (r === null) throw new Error(`conformance case bug: (${a.join(",")}) and (${b.join(",")}) do not broadcast`);
  return r;
}
