// safetensors tests: a file laid out by hand from the format description, write → read round trips, lazy
// reads from disk, and each header rule (bounds, overlap, holes, dtype sizes, __metadata__ strings).
// Not here: random mutations (fuzz.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError } from "../../util/errors.js";
import { readSafetensors, safetensorsBytes } from "./read.js";
import { encodeSafetensors, writeSafetensorsFile } from "./write.js";

/** A file from a header object and data bytes, as the format description says (no padding). */
function handMade(header: unknown, data: number[]): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return new Uint8Array(Buffer.concat([len, json, Buffer.from(data)]));
}

test("reads a hand-built file: dtypes, shapes, offsets, __metadata__", () => {
  const f32 = Buffer.alloc(8);
  f32.writeFloatLE(1.5, 0);
  f32.writeFloatLE(-2, 4);
  const bytes = handMade(
    { __metadata__: { format: "pt" }, b: { dtype: "BF16", shape: [1], data_offsets: [8, 10] }, a: { dtype: "F32", shape: [2, 1], data_offsets: [0, 8] } },
    [...f32, 0x80, 0x3f],
  );
  const st = readSafetensors(bytes, { name: "h.safetensors" });
  assert.equal(st.metadata.get("format"), "pt");
  assert.deepEqual(st.tensors.map((t) => [t.name, t.dtype, t.shape]), [["b", "BF16", [1]], ["a", "F32", [2, 1]]]);
  const a = safetensorsBytes(st, st.tensors[1]!);
  assert.deepEqual(Array.from(new Float32Array(a.slice().buffer)), [1.5, -2]);
  assert.deepEqual(Array.from(safetensorsBytes(st, st.tensors[0]!)), [0x80, 0x3f]);
});

test("write → read round trip, header padded to 8 with spaces, streamed = in memory, lazy file reads", () => {
  const w = new Float32Array([1, 2, 3, 4, 5, 6]);
  const h = new Uint16Array([0x3c00, 0xc000]);
  const tensors = [
    { name: "model.w", dtype: "F32", shape: [2, 3], data: new Uint8Array(w.buffer) },
    { name: "model.h", dtype: "F16", shape: [2], data: () => new Uint8Array(h.buffer) },
    { name: "scalar", dtype: "F32", shape: [], data: new Uint8Array(new Float32Array([7]).buffer) },
    { name: "empty", dtype: "BF16", shape: [0, 4], data: new Uint8Array(0) },
  ];
  const bytes = encodeSafetensors(tensors, new Map([["format", "pt"]]));
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  assert.match(Buffer.from(bytes.subarray(8, 8 + n)).toString("utf8"), /^\{"__metadata__":\{"format":"pt"\},"model\.w":\{"dtype":"F32","shape":\[2,3\],"data_offsets":\[0,24\]\}.*\} *$/);
  const dir = mkdtempSync(join(tmpdir(), "kd-st-"));
  try {
    const p = join(dir, "m.safetensors");
    writeSafetensorsFile(p, tensors, new Map([["format", "pt"]]));
    assert.deepEqual(new Uint8Array(readFileSync(p)), bytes);
    const st = readSafetensors(p);
    assert.equal(st.tensors.length, 4);
    assert.deepEqual(new Float32Array(safetensorsBytes(st, st.tensors[0]!).buffer), w);
    assert.deepEqual(new Uint16Array(safetensorsBytes(st, st.tensors[1]!).buffer), h);
    assert.deepEqual(st.tensors[2]!.shape, []);
    assert.equal(st.tensors[3]!.end - st.tensors[3]!.begin, 0);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("header rules give FormatErrors naming the rule", () => {
  const t = (o: object): object => ({ dtype: "F32", shape: [1], data_offsets: [0, 4], ...o });
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(5), /truncated/],
    [(() => { const b = new Uint8Array(16); b[0] = 100; return b; })(), /header length 100 exceeds/],
    [handMade([1, 2], []), /must start with "\{"|JSON object/],
    [new Uint8Array([...handMade({}, [])].map((x, i) => (i === 9 ? 0x22 : x))), /JSON/],
    [handMade({ a: t({ dtype: "F33" }) }, [0, 0, 0, 0]), /unknown dtype "F33"/],
    [handMade({ a: t({ shape: [-1] }) }, [0, 0, 0, 0]), /non-negative integers/],
    [handMade({ a: t({ shape: [2] }) }, [0, 0, 0, 0, 0, 0, 0, 0]), /needs 8 bytes, data_offsets span 4/],
    [handMade({ a: t({ data_offsets: [0, 8], shape: [2] }) }, [0, 0, 0, 0]), /beyond the 4-byte data section/],
    [handMade({ a: t({ data_offsets: [4, 0] }) }, [0, 0, 0, 0]), /reversed/],
    [handMade({ a: t({}), b: t({ data_offsets: [2, 6] }) }, [0, 0, 0, 0, 0, 0]), /overlaps/],
    [handMade({ a: t({ data_offsets: [2, 6] }) }, [0, 0, 0, 0, 0, 0]), /hole/],
    [handMade({ a: t({}) }, [0, 0, 0, 0, 9]), /data section is 5 bytes but the tensors cover 4/],
    [handMade({ __metadata__: { x: 1 } }, []), /__metadata__\.x must be a string/],
    [handMade({ a: t({ extra: 1 }) }, [0, 0, 0, 0]), /unknown field "extra"/],
    [handMade({ a: t({ shape: [1e6, 1e6, 1e6] }) }, [0, 0, 0, 0]), /cannot fit/],
  ];
  for (const [b, re] of cases) {
    assert.throws(() => readSafetensors(b, { name: "x.safetensors" }), (e: unknown) => e instanceof FormatError && re.test(e.message), re.source);
  }
});
