// `kotodama inspect`: text and --json output on a real GGUF, and flag/argument errors.
// Not here: the report's content rules (formats/tensor-file.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { KotodamaError } from "../../util/errors.js";
import { sharedOrSkip } from "../../util/paths.js";
import { inspect } from "./inspect.js";

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string | Uint8Array) => (chunks.push(String(s)), true)) as typeof process.stdout.write;
  try {
    const code = await inspect.run(argv);
    return { code, out: chunks.join("") };
  } finally {
    process.stdout.write = write;
  }
}

test("inspect prints a GGUF's facts as text and JSON", async (t) => {
  const p = sharedOrSkip(t, "reference", "quant", "stories260K-Q8_0.gguf");
  if (p === null) return;
  const text = await capture([p]);
  assert.equal(text.code, 0);
  assert.match(text.out, /format:\s+gguf \(version 3, alignment 32/);
  assert.match(text.out, /dtypes:\s+.*Q8_0 ×32/);
  assert.match(text.out, /general\.file_type = 7/);
  const json = await capture([p, "--json"]);
  const r = JSON.parse(json.out) as { fileSize: number; parameterCount: number; tensors: { name: string; dtype: string; shape: number[] }[] };
  assert.equal(r.fileSize, 489_248);
  assert.equal(r.parameterCount, 292_800);
  assert.deepEqual(r.tensors.find((x) => x.name === "blk.0.ffn_down.weight"), { name: "blk.0.ffn_down.weight", shape: [64, 172], dtype: "F32", nBytes: 44_032 });
});

test("inspect refuses missing or extra arguments and unknown flags", async () => {
  await assert.rejects(inspect.run([]), KotodamaError);
  await assert.rejects(inspect.run(["a", "b"]), /expected one FILE, got 2/);
  await assert.rejects(inspect.run(["a", "--jsn"]), /--jsn|Unknown option/);
});
