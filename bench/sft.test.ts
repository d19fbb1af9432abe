// `bench sft --correctness` on the tiny preset: kotodama's first SFT steps (packed rows, response-only loss, AdamW,
// clipping) equal PyTorch's (bench/torch_sft_ref.py) from the same weights, for full fine-tuning and for LoRA (the
// fused lowRankLinear path included); skipped, saying why, without /usr/bin/python3 and its torch (failing
// under KOTODAMA_REQUIRE_TORCH=1, as in CI).
// Not here: timing (a benchmark, not a test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { SFT_LOSS_TOLERANCE, sftCorrectness } from "./sft_correctness.js";
import { syntheticRows } from "./sft-workload.js";
import { IGNORE_INDEX } from "../src/train/index.js";
import { torchPythonOrSkip } from "../src/util/torch-python.js";


test("synthetic rows: prompt targets ignored, response targets are the next input", () => {
  const rows = syntheticRows(50, 64, 20, 3);
  for (const r of rows) {
    assert.ok(r.inputs.length >= 8 && r.inputs.length <= 32, `length ${r.inputs.length}`);
    const first = r.targets.findIndex((y) => y !== IGNORE_INDEX);
    assert.ok(first > 0 && r.targets.slice(first).every((y) => y !== IGNORE_INDEX), "one prompt, then the response");
    for (let t = first; t + 1 < r.inputs.length; t++) assert.equal(r.targets[t], r.inputs[t + 1]);
  }
});

for (const mode of ["full", "lora"] as const) {
  test(`the first SFT steps' losses equal PyTorch's (${mode})`, (t) => {
    const py = torchPythonOrSkip(t);
    if (py === null) return;
    const r = sftCorrectness("tiny", mode, { steps: 4, rank: 4, threads: 1, python: py });
    assert.equal(r.ours.length, 4);
    // The loss moves by far more than the tolerance, so that equal trajectories say something.
    const moved = Math.max(...r.ours.map((l) => Math.abs(l - r.ours[0]!) / r.ours[0]!));
    assert.ok(moved > 10 * SFT_LOSS_TOLERANCE, `loss ${r.ours.join(", ")}`);
    assert.ok(r.maxRelDiff <= SFT_LOSS_TOLERANCE, `kotodama ${r.ours.join(", ")} vs PyTorch ${r.torch.join(", ")}`);
  });
}
