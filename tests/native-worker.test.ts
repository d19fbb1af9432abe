// The native addon in a worker thread: a worker that alone loads the addon, multiplies matrices on the native
// pool (which gives its threads GEMM scratch behind a thread-exit destructor) and exits must leave the process
// running and exiting cleanly. Before the addon was linked with -z nodelete (binding.gyp), the worker's exit
// unmapped the library before those destructors ran, and the process died with SIGSEGV. Run in a child process so
// that a crash fails this test instead of killing the runner. Not here: the kernels' numbers (engine tests).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../src/util/paths.js";
import { testBackends } from "../src/engine/testBackends.js";

test("a worker thread that alone loads the native addon can run GEMMs and exit; the process exits 0", (t) => {
  const native = testBackends().find((b) => b.name === "native")!;
  if (native.backend === null) return void t.skip(native.why);
  const dist = join(packageRoot(), "dist", "src");
  const worker = `
    const { loadBackend } = await import(${JSON.stringify(join(dist, "engine", "backend.js"))});
    const { Graph, matmul } = await import(${JSON.stringify(join(dist, "tensor", "index.js"))});
    const g = new Graph(loadBackend({ kind: "native", threads: 2 }));
    const n = 96, a = new Float32Array(n * n).map((_, i) => (i % 7) - 3), b = new Float32Array(n * n).map((_, i) => (i % 5) - 2);
    const c = matmul(g.tensor(a, [n, n]), g.tensor(b, [n, n]));
    const { parentPort } = await import("node:worker_threads");
    parentPort.postMessage(c.data[0]);
  `;
  const main = `
    import { Worker } from "node:worker_threads";
    const w = new Worker(${JSON.stringify(worker)}, { eval: true, type: "module" });
    w.on("message", (m) => console.log("c00", m));
    w.on("error", (e) => { console.error(e); process.exitCode = 1; });
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", main], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.signal, null, `the process died with ${r.signal}; stderr: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  // c[0][0] = Σ_k a[0][k]·b[k][0], with a[0][k] = (k mod 7) − 3 and b[k][0] = ((96k) mod 5) − 2.
  let want = 0;
  for (let k = 0; k < 96; k++) want += ((k % 7) - 3) * (((96 * k) % 5) - 2);
  assert.match(r.stdout, new RegExp(`^c00 ${want}$`, "m"));
});
