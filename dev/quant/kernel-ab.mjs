// quantMatmul's time per (type, rows N, shape) with the addon named by KOTODAMA_ADDON_PATH (default the built one),
// for A/B runs of two builds of the kernels: build each, copy build/Release/kotodama.node aside, then alternate
//   for i in 1 2 3; do for v in old new; do KOTODAMA_ADDON_PATH=/tmp/kd_$v.node node dev/quant/kernel-ab.mjs; done; done
// One JSON line per run: {"q4_k n128 2048x8192": ms, …}, the median of 9 calls each (41 at N = 1), 1 thread, random
// blocks with small finite scales. TYPES=q4_k,q6_k,q4_0,q8_0 picks the types (default the first three), NS=1,16,128
// the row counts (default those). Run after `npx tsc -p tsconfig.json`. Not here: the kernels' benchmark against anchors (`kotodama bench quant`).
import { loadAddon } from "../../dist/src/engine/backends/native/index.js";
import { f32ToF16 } from "../../dist/src/engine/dtype.js";
import { Rng } from "../../dist/src/util/rng.js";

const L = loadAddon();
if (!L.ok) throw new Error(L.reason);
const A = L.addon;
A.setThreads(1);
const rng = new Rng(1);
const BLOCK = { q8_0: [34, 32], q4_0: [18, 32], q4_k: [144, 256], q6_k: [210, 256] };
function weights(type, nOut, k) {
  const [bb, qk] = BLOCK[type];
  const bytes = new Uint8Array((nOut * k * bb) / qk);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rng.next() * 256);
  const dv = new DataView(bytes.buffer);
  for (let o = 0; o < bytes.length; o += bb) {
    if (type === "q6_k") dv.setUint16(o + 208, f32ToF16(0.01), true);
    else {
      dv.setUint16(o, f32ToF16(0.01), true);
      if (type === "q4_k") dv.setUint16(o + 2, f32ToF16(0.005), true);
    }
  }
  return bytes;
}
const out = {};
for (const [k, nOut] of [[768, 3072], [2048, 8192]]) {
  for (const type of (process.env.TYPES ?? "q4_k,q6_k,q4_0").split(",")) {
    for (const n of (process.env.NS ?? "1,16,128").split(",").map(Number)) {
      const w = weights(type, nOut, k), x = rng.fillUniform(new Float32Array(n * k), -2, 2), o = new Float32Array(n * nOut);
      const ts = [];
      for (let r = 0; r < (n === 1 ? 41 : 9); r++) {
        const t = performance.now();
        A.kernels.quantMatmul({ type, x, w, n, k, nOut, out: o });
        ts.push(performance.now() - t);
      }
      out[`${type} n${n} ${k}x${nOut}`] = ts.sort((a, b) => a - b)[ts.length >> 1];
    }
  }
}
console.log(JSON.stringify(out));
