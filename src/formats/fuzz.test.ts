// Hostile files: thousands of mutated GGUF, safetensors and llama2.c files (truncation, bit flips, extreme
// counts/lengths/dims/offsets, wrong type ids, absurd nesting, header JSON surgery) must each parse or fail
// with a FormatError: never another exception, a hang, or an allocation the file size cannot justify.
// Iterations per format: KOTODAMA_FUZZ_ITERS (default 2500); seed: KOTODAMA_FUZZ_SEED (default 1).
// Not here: the well-formed cases (each format's own tests).
import { test } from "node:test";
import assert from "node:assert/strict";
import { FormatError, KotodamaError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { sharedOrSkip } from "../util/paths.js";
import { GgmlType } from "./gguf/ggml-types.js";
import { readGguf, tensorBytes } from "./gguf/read.js";
import type { GgufValue } from "./gguf/value.js";
import { encodeGguf } from "./gguf/write.js";
import { readLlama2c, llama2cTensorData } from "./llama2c/read.js";
import { dequantize, quantize } from "./quant/index.js";
import { readSafetensors, safetensorsBytes } from "./safetensors/read.js";
import { encodeSafetensors } from "./safetensors/write.js";
import { bytesSource, type ByteSource } from "./source.js";

const ITERS = Number(process.env.KOTODAMA_FUZZ_ITERS ?? 2500);
const SEED = Number(process.env.KOTODAMA_FUZZ_SEED ?? 1);
/** One parse of a file of a few KB must never take this long (a hang or a huge loop would). */
const SLOW_MS = 1000;

const EXTREMES_64 = [0n, 1n, 0xffn, 0xffffffffn, 0x80000000n, 0x7fffffffffffffffn, 0xffffffffffffffffn, 1n << 40n, 1n << 53n, (1n << 53n) + 1n];
const EXTREMES_32 = [0, 1, 2, 3, 8, 9, 12, 13, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 29, 30, 31, 39, 40];

function ggufSeeds(t: { skip(message: string): void }): Uint8Array[] {
  const x = new Float32Array(64).map((_, i) => Math.cos(i) * (i + 1));
  const meta = (extra: [string, GgufValue][]): Map<string, GgufValue> =>
    new Map<string, GgufValue>([
      ["general.architecture", { type: "string", value: "llama" }],
      ["llama.block_count", { type: "uint32", value: 1 }],
      ["tokenizer.ggml.tokens", { type: "array", itemType: "string", value: ["<unk>", "<s>", "a", "bc", "✓"] }],
      ["tokenizer.ggml.scores", { type: "array", itemType: "float32", value: new Float32Array([0, -1, -2, -3, -4]) }],
      ...extra,
    ]);
  const tensors = [
    { name: "a", dims: [32, 2], type: GgmlType.F32, data: quantize(GgmlType.F32, x) },
    { name: "b", dims: [64], type: GgmlType.Q8_0, data: quantize(GgmlType.Q8_0, x) },
    { name: "c", dims: [32, 2], type: GgmlType.Q4_0, data: quantize(GgmlType.Q4_0, x) },
    { name: "d", dims: [64], type: GgmlType.F16, data: quantize(GgmlType.F16, x) },
  ];
  const k = new Uint8Array(144 + 176 + 210).map((_, i) => (i * 37) & 0xff);
  return [
    encodeGguf({ metadata: meta([]), tensors }),
    encodeGguf({
      metadata: meta([
        ["nested", { type: "array", itemType: "array", value: [{ type: "array", itemType: "array", value: [{ type: "array", itemType: "int64", value: new BigInt64Array([1n, -2n]) }] }] }],
        ["flags", { type: "array", itemType: "bool", value: [true, false] }],
        ["u64", { type: "uint64", value: 5n }],
        ["f64", { type: "float64", value: 1.5 }],
        ["general.alignment", { type: "uint32", value: 64 }],
      ]),
      tensors: [
        { name: "k4", dims: [256], type: GgmlType.Q4_K, data: k.subarray(0, 144) },
        { name: "k5", dims: [256], type: GgmlType.Q5_K, data: k.subarray(144, 320) },
        { name: "k6", dims: [256], type: GgmlType.Q6_K, data: k.subarray(320) },
        { name: "bf", dims: [8, 4, 2], type: GgmlType.BF16, data: quantize(GgmlType.BF16, x) },
      ],
    }),
    encodeGguf({ metadata: new Map(), tensors: [] }),
    ...realHeaderSeed(t),
  ];
}

/** stories260K.gguf's real metadata (512-token vocabulary arrays) with one small tensor; without ../shared the
 *  test is marked skipped (its synthetic seeds still run), or fails under KOTODAMA_REQUIRE_SHARED=1. */
function realHeaderSeed(t: { skip(message: string): void }): Uint8Array[] {
  const p = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (p === null) return [];
  const f = readGguf(p);
  return [encodeGguf({ metadata: f.metadata, tensors: [{ name: "x", dims: [32], type: GgmlType.Q8_0, data: new Uint8Array(34) }] })];
}

function safetensorsSeeds(): Uint8Array[] {
  const f = (n: number): Uint8Array => new Uint8Array(new Float32Array(n).map((_, i) => i).buffer);
  return [
    encodeSafetensors([
      { name: "w", dtype: "F32", shape: [2, 3], data: f(6) },
      { name: "h", dtype: "F16", shape: [4], data: new Uint8Array(8) },
      { name: "s", dtype: "BF16", shape: [], data: new Uint8Array(2) },
    ], new Map([["format", "pt"]])),
    encodeSafetensors([{ name: "x", dtype: "I64", shape: [1, 1, 2], data: new Uint8Array(16) }]),
  ];
}

function llama2cSeed(): Uint8Array {
  const C = 4, F = 6, L = 1, V = 5, S = 4, D = 2;
  const n = V * C + 2 * L * C + 4 * L * C * C + 3 * L * C * F + C + S * D + V * C;
  const b = new Uint8Array(28 + 4 * n);
  new Int32Array(b.buffer, 0, 7).set([C, F, L, 2, 2, -V, S]);
  new Float32Array(b.buffer, 28).forEach((_, i, a) => (a[i] = i / 7));
  return b;
}

/** Offsets where a length/count/dim (small u64) or a type id (small u32) probably sits. */
function interesting(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 8 <= b.length; i++) {
    const v = dv.getBigUint64(i, true);
    if (v > 0n && v < 100_000n) out.push(i);
    else if (dv.getUint32(i, true) <= 12) out.push(i);
  }
  return out;
}

/** One random mutation of a copy of `seed`. */
function mutate(rng: Rng, seed: Uint8Array, spots: number[]): Uint8Array {
  let b = seed.slice();
  const rounds = 1 + rng.int(3);
  for (let r = 0; r < rounds; r++) {
    const dv = new DataView(b.buffer);
    const kind = rng.int(7);
    if (kind === 0 && b.length > 0) b = b.slice(0, rng.int(b.length)); // truncate
    else if (kind === 1) for (let k = 0; k < 1 + rng.int(8); k++) { const i = rng.int(b.length); b[i] = b[i]! ^ (1 << rng.int(8)); } // bit flips
    else if (kind === 2 && spots.length > 0) { // extreme u64 at a likely length/count/dim/offset
      const i = spots[rng.int(spots.length)]!;
      if (i + 8 <= b.length) dv.setBigUint64(i, EXTREMES_64[rng.int(EXTREMES_64.length)]!, true);
    } else if (kind === 3 && spots.length > 0) { // extreme or neighbouring u32 (type ids, n_dims, versions)
      const i = spots[rng.int(spots.length)]!;
      if (i + 4 <= b.length) dv.setUint32(i, EXTREMES_32[rng.int(EXTREMES_32.length)]!, true);
    } else if (kind === 4 && b.length > 8) { // random u64 anywhere
      const i = rng.int(b.length - 8);
      dv.setBigUint64(i, (BigInt(rng.nextU32()) << 32n) | BigInt(rng.nextU32()), true);
    } else if (kind === 5) { // insert or delete a few bytes
      const i = rng.int(b.length + 1);
      const n = 1 + rng.int(8);
      b = rng.int(2) === 0 ? new Uint8Array([...b.subarray(0, i), ...new Uint8Array(n).map(() => rng.int(256)), ...b.subarray(i)]) : new Uint8Array([...b.subarray(0, i), ...b.subarray(i + n)]);
    } else if (b.length > 0) b[rng.int(b.length)] = rng.int(256); // random byte
  }
  return b;
}

/** safetensors header surgery: parse the JSON, damage one thing, re-serialize with a correct length. */
function mutateHeader(rng: Rng, seed: Uint8Array): Uint8Array {
  const n = Number(new DataView(seed.buffer).getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(seed.subarray(8, 8 + n)).toString("utf8")) as Record<string, Record<string, unknown>>;
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  const t = header[names[rng.int(names.length)]!]!;
  const junk: unknown[] = [-1, 1e300, 2 ** 53, 1.5, "3", null, [], {}, [1e15, 1e15, 1e15], [0, 2 ** 60], "F64", "Q8_0", true];
  const pick = (): unknown => junk[rng.int(junk.length)];
  const ops = [
    () => (t.dtype = pick()),
    () => (t.shape = pick()),
    () => (t.data_offsets = pick()),
    () => (t.data_offsets = [0, rng.int(100)]),
    () => ((t.shape as unknown[])[0] = pick()),
    () => delete t[["dtype", "shape", "data_offsets"][rng.int(3)]!],
    () => (header.__metadata__ = { x: pick() } as Record<string, unknown>),
    () => (header[names[0]!] = pick() as Record<string, unknown>),
  ];
  ops[rng.int(ops.length)]!();
  let text = JSON.stringify(header);
  if (rng.int(6) === 0) text = "[".repeat(50_000) + "]".repeat(50_000); // absurd nesting
  if (rng.int(8) === 0) text = text.replace("{", '{"w": 1, '); // duplicate-ish / wrong entry
  const json = Buffer.from(text, "utf8");
  const out = new Uint8Array(8 + json.length + (seed.length - 8 - n));
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(seed.subarray(8 + n), 8 + json.length);
  return out;
}

/** A source that records the largest single read, to check reads never exceed the file. */
function watched(b: Uint8Array): { src: ByteSource; maxRead: () => number } {
  const inner = bytesSource(b, "fuzz");
  let max = 0;
  return {
    src: { name: inner.name, size: inner.size, read: (o, l) => ((max = Math.max(max, l)), inner.read(o, l)) },
    maxRead: () => max,
  };
}

interface Stats { ok: number; formatErrors: number; slowest: number }

function run(label: string, cases: () => Uint8Array, parse: (b: Uint8Array) => number): Stats {
  const stats: Stats = { ok: 0, formatErrors: 0, slowest: 0 };
  for (let it = 0; it < ITERS; it++) {
    const b = cases();
    const t0 = performance.now();
    try {
      const held = parse(b);
      // What a successful parse holds must be justified by the file: a small constant factor of its size.
      assert.ok(held <= 16 * b.length + 4096, `${label} #${it}: holds ${held} units for a ${b.length}-byte file`);
      stats.ok++;
    } catch (e) {
      if (!(e instanceof FormatError)) {
        assert.fail(`${label} #${it} (seed ${SEED}): ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
      }
      stats.formatErrors++;
    }
    stats.slowest = Math.max(stats.slowest, performance.now() - t0);
  }
  assert.ok(stats.slowest < SLOW_MS, `${label}: one parse took ${stats.slowest.toFixed(0)} ms`);
  return stats;
}

/** Elements held by a metadata value (strings count their length). */
function weight(v: GgufValue): number {
  if (v.type === "string") return 1 + v.value.length;
  if (v.type !== "array") return 1;
  if (v.itemType === "array") return 1 + v.value.reduce((a, x) => a + weight(x), 0);
  if (v.itemType === "string") return 1 + v.value.reduce((a, x) => a + 1 + x.length, 0);
  return 1 + v.value.length;
}

test(`GGUF: ${ITERS} mutated files → parse or FormatError`, (t) => {
  const rng = new Rng(SEED);
  const seeds = ggufSeeds(t);
  const spots = seeds.map(interesting);
  const stats = run("gguf", () => {
    const k = rng.int(seeds.length);
    return mutate(rng, seeds[k]!, spots[k]!);
  }, (b) => {
    const w = watched(b);
    const f = readGguf(w.src);
    let held = 0;
    for (const [k, v] of f.metadata) held += k.length + weight(v);
    // Everything a parsed file promises must be readable and convertible without surprises.
    for (const t of f.tensors) {
      const raw = tensorBytes(f, t);
      held += t.dims.length;
      try {
        dequantize(t.type, raw, t.nElements);
      } catch (e) {
        if (!(e instanceof KotodamaError)) throw e; // unsupported types are a KotodamaError by design
      }
    }
    assert.ok(w.maxRead() <= b.length);
    // A parsed file re-encodes and parses back to the same metadata (writer and reader agree).
    try {
      const again = readGguf(encodeGguf({ metadata: f.metadata, tensors: f.tensors.map((t) => ({ name: t.name, dims: t.dims, type: t.type, data: tensorBytes(f, t) })) }));
      assert.deepEqual(again.metadata, f.metadata);
    } catch (e) {
      if (!(e instanceof KotodamaError)) throw e;
    }
    return held;
  });
  t.diagnostic(JSON.stringify(stats));
  assert.ok(stats.formatErrors > ITERS / 4 && stats.ok > 0, JSON.stringify(stats)); // both paths exercised
});

test(`safetensors: ${ITERS} mutated files → parse or FormatError`, (t) => {
  const rng = new Rng(SEED + 1);
  const seeds = safetensorsSeeds();
  const spots = seeds.map((s) => [0, ...interesting(s).filter((i) => i > 8)]);
  const stats = run("safetensors", () => {
    const k = rng.int(seeds.length);
    return rng.int(2) === 0 ? mutate(rng, seeds[k]!, spots[k]!) : mutateHeader(rng, seeds[k]!);
  }, (b) => {
    const f = readSafetensors(b);
    let held = f.metadata.size;
    for (const t of f.tensors) held += t.shape.length + safetensorsBytes(f, t).length / 8;
    return held;
  });
  t.diagnostic(JSON.stringify(stats));
  assert.ok(stats.formatErrors > ITERS / 4 && stats.ok > 0, JSON.stringify(stats));
});

test(`llama2.c: ${ITERS} mutated checkpoints → parse or FormatError`, (t) => {
  const rng = new Rng(SEED + 2);
  const seed = llama2cSeed();
  const spots = Array.from({ length: 7 }, (_, i) => i * 4);
  const stats = run("llama2c", () => mutate(rng, seed, spots), (b) => {
    const f = readLlama2c(b);
    let held = 0;
    for (const t of f.tensors) held += llama2cTensorData(f, t).length;
    return held;
  });
  t.diagnostic(JSON.stringify(stats));
  assert.ok(stats.formatErrors > 0 && stats.ok > 0, JSON.stringify(stats));
});

test("declared sizes far beyond the file fail fast, before any allocation", () => {
  // A 64-byte file declaring a 2^40-element string array, a 2^50-byte string, and a tensor of 2^60 elements.
  const mk = (body: (dv: DataView) => void): Uint8Array => {
    const b = new Uint8Array(64);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, 0x46554747, true);
    dv.setUint32(4, 3, true);
    body(dv);
    return b;
  };
  const arr = mk((dv) => {
    dv.setBigUint64(16, 1n, true); // one kv
    dv.setBigUint64(24, 1n, true); // key length 1
    dv.setUint8(32, 0x6b); // "k"
    dv.setUint32(33, 9, true); // array
    dv.setUint32(37, 8, true); // of strings
    dv.setBigUint64(41, 1n << 40n, true);
  });
  const str = mk((dv) => {
    dv.setBigUint64(16, 1n, true);
    dv.setBigUint64(24, 1n << 50n, true);
  });
  const dims = mk((dv) => {
    dv.setBigUint64(8, 1n, true); // one tensor
    dv.setBigUint64(24, 1n, true); // name length 1
    dv.setUint8(32, 0x74);
    dv.setUint32(33, 2, true); // 2 dims
    dv.setBigUint64(37, 1n << 30n, true);
    dv.setBigUint64(45, 1n << 30n, true);
  });
  const before = process.memoryUsage().arrayBuffers;
  for (const [b, re] of [[arr, /item count is \d+, more than the file can hold/], [str, /key #0 length/], [dims, /cannot fit in the file/]] as const) {
    const t0 = performance.now();
    assert.throws(() => readGguf(b), (e: unknown) => e instanceof FormatError && re.test(e.message));
    assert.ok(performance.now() - t0 < 50);
  }
  assert.ok(process.memoryUsage().arrayBuffers - before < 16 << 20);
});
