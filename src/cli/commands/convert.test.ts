// `kotodama convert`: the printed summary on stories260K → Q8_0 (which tensors stayed F32 and why), --json, and
// flag/argument errors. Not here: the conversion's correctness (formats/convert.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedOrSkip } from "../../util/paths.js";
import { convert } from "./convert.js";

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string | Uint8Array) => (chunks.push(String(s)), true)) as typeof process.stdout.write;
  try {
    const code = await convert.run(argv);
    return { code, out: chunks.join("") };
  } finally {
    process.stdout.write = write;
  }
}

test("convert --type q8_0 says what it wrote and which tensors kept F32", async (t) => {
  const src = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (src === null) return;
  const dir = mkdtempSync(join(tmpdir(), "kd-convert-cli-"));
  try {
    const r = await capture([src, join(dir, "q8.gguf"), "--type", "q8_0"]);
    assert.equal(r.code, 0);
    assert.match(r.out, /\(gguf\) → .*q8\.gguf \(gguf\), 0\.49 MB/);
    assert.match(r.out, /tensors: 48 \(32 Q8_0, 16 F32\)/);
    assert.match(r.out, /kept F32: blk\.4\.ffn_down\.weight — rows of 172 are not whole Q8_0 blocks of 32/);
    const j = await capture([src, join(dir, "hf"), "--json"]);
    const rep = JSON.parse(j.out) as { outputFormat: string; tensors: { name: string; to: string }[] };
    assert.equal(rep.outputFormat, "hf-folder");
    assert.ok(rep.tensors.some((x) => x.name === "model.layers.0.self_attn.q_proj.weight" && x.to === "F32"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("convert refuses bad arguments and flags", async () => {
  await assert.rejects(convert.run(["only-one"]), /expected IN and OUT, got 1/);
  await assert.rejects(convert.run(["a", "b.gguf", "--type", "q6_k"]), /--type expects one of f32, f16, bf16, q8_0, q4_0, q4_k, got "q6_k"/);
  await assert.rejects(convert.run(["a", "b.gguf", "--quant", "q8_0"]), /--quant|Unknown option/);
});
