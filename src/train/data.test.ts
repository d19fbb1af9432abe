// Tests of the batch order: every epoch of W windows visits each window slot exactly once, consecutive windows
// are far apart, inputs/targets are shifted by one, and the order equals bench/torch_ref.py's batch() (run
// with /usr/bin/python3 when it has numpy and torch; skipped otherwise).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { packageRoot } from "../util/paths.js";
import { windowBatch, windowStride } from "./data.js";
import { torchPythonOrSkip } from "../util/torch-python.js";

const stream = (n: number): Uint16Array => Uint16Array.from({ length: n }, (_, i) => i % 65521);

test("one epoch visits every window once, far apart, with targets shifted by one", () => {
  for (const [n, T] of [[1001, 10], [4097, 16], [777, 7]]) {
    const tokens = stream(n);
    const W = Math.floor((n - 1) / T);
    const seen = new Set<number>();
    let minGap = Infinity;
    let prev = -1;
    for (let w = 0; w < W; w++) {
      const b = windowBatch(tokens, w, 1, T);
      const start = b.inputs[0];
      assert.equal(start % T, 0);
      for (let t = 0; t < T; t++) {
        assert.equal(b.inputs[t], start + t);
        assert.equal(b.targets[t], start + t + 1);
      }
      seen.add(start);
      if (prev >= 0) minGap = Math.min(minGap, Math.abs(start - prev));
      prev = start;
    }
    assert.equal(seen.size, W, `n=${n} T=${T}`);
    assert.ok(minGap >= 0.2 * W * T, `consecutive windows at least a fifth of the stream apart (min gap ${minGap} of ${W * T})`);
  }
  assert.equal(windowStride(10), 7); // ⌊6.18⌋ = 6 shares a factor with 10; 7 does not
});

test("the order equals bench/torch_ref.py's batch()", (t) => {
  const script = join(packageRoot(), "bench", "torch_ref.py");
  if (!existsSync(script)) return t.skip("bench/torch_ref.py absent (an installed package without bench/)");
  const py = torchPythonOrSkip(t);
  if (py === null) return;
  const code = [
    "import sys, json, numpy as np",
    `sys.path.insert(0, ${JSON.stringify(join(packageRoot(), "bench"))})`,
    "import torch_ref as R",
    "tok = (np.arange(5000) % 65521).astype(np.uint16)",
    "x, y = R.batch(tok, 123456789, 5, 32)",
    "print(json.dumps([x.flatten().tolist(), y.flatten().tolist()]))",
  ].join("\n");
  const r = spawnSync(py, ["-c", code], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const [x, y] = JSON.parse(r.stdout) as [number[], number[]];
  const b = windowBatch(stream(5000), 123456789, 5, 32);
  assert.deepEqual(Array.from(b.inputs), x);
  assert.deepEqual(Array.from(b.targets), y);
});
