// quantMatmul: known answers on hand-built Q8_0 / Q4_0 / Q4_K / Q6_K blocks (ref and, when the addon loads, native),
// native = ref on rows at odd byte offsets, and the validator's messages. Not here: the random conformance
// cases (conformanceCasesQuant.ts) or real-file tensors (formats/quant/quant-matmul.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ShapeError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { loadBackend, nativeStatus } from "./backend.js";
import { createRefBackend } from "./backends/ref/index.js";
import { randomQuantRows } from "./conformanceCasesQuant.js";
import type { Backend, QuantMatmulArgs } from "./ops.js";
import { withValidation } from "./validate.js";

const ref = withValidation(createRefBackend());
const backends = (): Backend[] => (nativeStatus().available ? [ref, loadBackend({ kind: "native", threads: 2 })] : [ref]);

const F16_ONE = 0x3c00;
const F16_HALF = 0x3800;

/** One Q8_0 block: d = 0.5, q_j = j − 16 → w_j = (j − 16)/2. */
function q8Block(): Uint8Array {
  const b = new Uint8Array(34);
  new DataView(b.buffer).setUint16(0, F16_HALF, true);
  for (let j = 0; j < 32; j++) b[2 + j] = (j - 16) & 0xff;
  return b;
}
/** One Q4_0 block: d = 1, element j < 16 has nibble j, element 16 + j nibble 15 − j → w = q − 8. */
function q4Block(): Uint8Array {
  const b = new Uint8Array(18);
  new DataView(b.buffer).setUint16(0, F16_ONE, true);
  for (let j = 0; j < 16; j++) b[2 + j] = j | ((15 - j) << 4);
  return b;
}
/** One Q4_K super-block: d = 1, dmin = 0.5, sub-block s scale s + 1 and min s (s < 4: the plain 6-bit fields;
 *  s ≥ 4 packed into the last 4 bytes), every nibble 3 → w = (s + 1)·3 − 0.5·s in sub-block s. */
function q4kBlock(): Uint8Array {
  const b = new Uint8Array(144);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, F16_ONE, true);
  dv.setUint16(2, F16_HALF, true);
  for (let s = 0; s < 4; s++) {
    b[4 + s] = s + 1; // scale s (6 bits, top 2 bits = high bits of scale s+4, zero here)
    b[8 + s] = s; // min s
    b[12 + s] = (s + 5) | ((s + 4) << 4); // scale s+4 low 4 bits | min s+4 low 4 bits
  }
  b.fill(0x33, 16);
  return b;
}

/** One Q6_K super-block: d = 1, scale s = s + 1 (s < 16), every ql byte 0x21 and qh byte 0xe4, so weight p has
 *  q − 32 = [−31, −15, 2, 18][quarter] (quarter = (p mod 128) / 32) under scale 8·half + (p mod 32)/16 + 2·quarter. */
function q6kBlock(): Uint8Array {
  const b = new Uint8Array(210);
  b.fill(0x21, 0, 128);
  b.fill(0xe4, 128, 192);
  for (let s = 0; s < 16; s++) b[192 + s] = s + 1;
  new DataView(b.buffer).setUint16(208, F16_ONE, true);
  return b;
}
const q6kWeight = (p: number): number => {
  const [half, r] = [p >> 7, p & 127];
  const quarter = r >> 5;
  return (8 * half + ((r & 31) >> 4) + 2 * quarter + 1) * [-31, -15, 2, 18][quarter]!;
};

test("quantMatmul: known answers for Q8_0, Q4_0, Q4_K and Q6_K blocks on every backend, both activation modes", () => {
  // Integer activations whose largest magnitude is 127 quantize exactly in both Q8_0 (d = 1, q = x) and Q8_K
  // (max = 127 first: iscale = −1, d = −1, q = −x), so "q8" must give the same exact answers as "f32".
  const x32 = new Float32Array(32).map((_, j) => ((j % 3) - 1) * 127); // −127, 0, 127, …
  let want8 = 0;
  let want4 = 0;
  for (let j = 0; j < 32; j++) {
    want8 += x32[j] * ((j - 16) / 2);
    want4 += x32[j] * ((j < 16 ? j : 31 - j) - 8);
  }
  const x256 = new Float32Array(256).map((_, j) => (j === 7 ? 127 : 1 + (j % 5)));
  let wantK = 0;
  for (let j = 0; j < 256; j++) {
    const s = Math.floor(j / 32);
    wantK += x256[j] * ((s + 1) * 3 - 0.5 * s);
  }
  let want6 = 0;
  for (let j = 0; j < 256; j++) want6 += x256[j] * q6kWeight(j);
  for (const be of backends()) {
    for (const activations of ["f32", "q8"] as const) {
      const out = new Float32Array(1);
      const what = `${be.name} ${activations}`;
      be.quantMatmul({ type: "q8_0", x: x32, w: q8Block(), n: 1, k: 32, nOut: 1, out, activations });
      assert.equal(out[0], want8, `${what} q8_0`);
      be.quantMatmul({ type: "q4_0", x: x32, w: q4Block(), n: 1, k: 32, nOut: 1, out, activations });
      assert.equal(out[0], want4, `${what} q4_0`);
      be.quantMatmul({ type: "q4_k", x: x256, w: q4kBlock(), n: 1, k: 256, nOut: 1, out, activations });
      assert.equal(out[0], wantK, `${what} q4_k`);
      be.quantMatmul({ type: "q6_k", x: x256, w: q6kBlock(), n: 1, k: 256, nOut: 1, out, activations });
      assert.equal(out[0], want6, `${what} q6_k`);
    }
  }
});

test("quantMatmul: weights at an odd byte offset inside a larger buffer (file bytes), native = ref, both modes", (t) => {
  if (!nativeStatus().available) return t.skip("native addon unavailable");
  const native = loadBackend({ kind: "native", threads: 2 });
  const rng = new Rng(7);
  for (const [type, activations] of (["q8_0", "q4_0", "q4_k", "q6_k"] as const).flatMap((ty) => (["f32", "q8"] as const).map((m) => [ty, m] as const))) {
    const [n, k, nOut] = [5, 512, 300];
    const rows = randomQuantRows(rng, type, nOut, k);
    const file = new Uint8Array(rows.length + 3);
    file.set(rows, 3);
    const x = rng.fillUniform(new Float32Array(n * k), -1, 1);
    const a: QuantMatmulArgs = { type, x, w: file.subarray(3), n, k, nOut, out: new Float32Array(n * nOut), activations };
    const b: QuantMatmulArgs = { ...a, out: new Float32Array(n * nOut) };
    ref.quantMatmul(a);
    native.quantMatmul(b);
    let scale = 0;
    for (const v of a.out) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < a.out.length; i++) assert.ok(Math.abs(a.out[i] - b.out[i]) <= 2e-5 * scale, `${type} ${activations} [${i}] ${a.out[i]} vs ${b.out[i]}`);
    // One activation row alone (the decode path) gives exactly the same numbers as inside a batch.
    const one = new Float32Array(nOut);
    native.quantMatmul({ ...a, x: x.subarray(2 * k, 3 * k), n: 1, out: one });
    assert.deepEqual(one, b.out.subarray(2 * nOut, 3 * nOut), `${type} ${activations}: row 2 alone = row 2 in the batch`);
  }
});

test("quantMatmul: validation names the op, the argument and what was expected", () => {
  const good: QuantMatmulArgs = { type: "q4_k", x: new Float32Array(512), w: new Uint8Array(288), n: 2, k: 256, nOut: 1, out: new Float32Array(2) };
  ref.quantMatmul(good);
  const bad = (over: Partial<QuantMatmulArgs>, msg: string): void =>
    assert.throws(() => ref.quantMatmul({ ...good, ...over }), (e: unknown) => e instanceof ShapeError && e.message.includes(msg));
  bad({ k: 128, x: new Float32Array(256) }, "quantMatmul: k=128 is not a multiple of the q4_k block size 256");
  bad({ w: new Uint8Array(143) }, "quantMatmul: w has 143 elements, expected at least 144 for nOut=1 rows of K=256 q4_k weights (144 bytes each)");
  bad({ nOut: 3 }, "w has 288 elements, expected at least 432");
  bad({ type: "q5_k" as "q4_k" }, 'type must be one of "q8_0", "q4_0", "q4_k", "q6_k"');
  bad({ activations: "q4" as "q8" }, 'activations must be one of "f32", "q8", got "q4"');
  bad({ w: new Uint16Array(144) as unknown as Uint8Array }, "w must be a Uint8Array, got Uint16Array");
  bad({ out: new Float32Array(1) }, "out has 1 elements, expected at least 2 for (N, Nout) = (2, 1)");
  const buf = new Float32Array(514);
  bad({ x: buf.subarray(0, 512), out: buf.subarray(511, 513) }, "out overlaps x");
});
