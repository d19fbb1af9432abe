// Conformance cases of quantMatmul and quantMatmulT: every block type on decode (N = 1), prompt (N > 1) and drawn
// shapes, with weight blocks of random quants under sane f16 scales; quantMatmul in both activation modes ("q8"
// explicit and by default, "f32"). Not here: the table (conformanceCases.ts), running them.

import type { Rng } from "../util/rng.js";
import { f32ToF16 } from "./dtype.js";
import { Gen, sizeDraw, type OpCase } from "./conformanceGen.js";
import type { QuantActivations, QuantType } from "./ops.js";
import { QUANT_MATMUL_BLOCKS, quantRowBytes } from "./quant-blocks.js";

/** Random blocks of `type` for nOut rows of k weights: every quant and packed-scale bit pattern can occur;
 *  f16 scales d (and Q4_K's dmin) are drawn in [0, 0.02) so that values stay finite and of order 1–100. */
export function randomQuantRows(rng: Rng, type: QuantType, nOut: number, k: number): Uint8Array {
  const { blockBytes } = QUANT_MATMUL_BLOCKS[type];
  const bytes = new Uint8Array(nOut * quantRowBytes(type, k));
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
  const dv = new DataView(bytes.buffer);
  const scale = (): number => f32ToF16(0.02 * rng.next());
  for (let o = 0; o < bytes.length; o += blockBytes) {
    if (type === "q6_k") {
      dv.setUint16(o + 208, scale(), true); // d last; the 16 int8 sub-block scales stay random
      continue;
    }
    dv.setUint16(o, scale(), true);
    if (type === "q4_k") dv.setUint16(o + 2, scale(), true);
  }
  return bytes;
}

/** undefined: the field left out (the default, "q8"). */
type Mode = QuantActivations | undefined;

function quantCase(mode: Mode, type: QuantType, n: number, k: number, nOut: number, what = ""): OpCase<"quantMatmul"> {
  return {
    name: `${type} ${mode ?? "default"} N=${n} K=${k} Nout=${nOut}${what}`,
    build: (g: Gen) => ({
      type, n, k, nOut,
      x: g.uniform("x", n * k, -2, 2),
      w: g.bytes("w", randomQuantRows(g.rng, type, nOut, k)),
      out: g.out("out", n * nOut),
      ...(mode === undefined ? {} : { activations: mode }),
    }),
  };
}

export function quantMatmulCases(rng: Rng): OpCase<"quantMatmul">[] {
  const cases: OpCase<"quantMatmul">[] = [];
  for (const mode of ["f32", "q8", undefined] as const) {
    for (const type of ["q8_0", "q4_0", "q4_k", "q6_k"] as const) {
      const bs = QUANT_MATMUL_BLOCKS[type].blockSize;
      cases.push(quantCase(mode, type, 1, 3 * bs, 37, " (decode)"));
      if (mode === undefined) continue; // the default only has to reach the q8 path
      cases.push(quantCase(mode, type, 1, bs, 1));
      cases.push(quantCase(mode, type, 1, 4096, 19, " (decode, long rows)"));
      cases.push(quantCase(mode, type, 3, 2 * bs, 65));
      cases.push(quantCase(mode, type, 33, 512, 40, " (prompt)"));
      for (let i = 0; i < 2; i++) cases.push(quantCase(mode, type, sizeDraw(rng, 20), bs * (1 + rng.int(8)), sizeDraw(rng, 70)));
    }
  }
  return cases;
}

function quantTCase(type: QuantType, n: number, k: number, nOut: number, what = ""): OpCase<"quantMatmulT"> {
  return {
    name: `${type} N=${n} K=${k} Nout=${nOut}${what}`,
    build: (g: Gen) => ({
      type, n, k, nOut,
      dy: g.uniform("dy", n * nOut, -2, 2),
      w: g.bytes("w", randomQuantRows(g.rng, type, nOut, k)),
      out: g.out("out", n * k),
    }),
  };
}

export function quantMatmulTCases(rng: Rng): OpCase<"quantMatmulT">[] {
  const cases: OpCase<"quantMatmulT">[] = [];
  for (const type of ["q8_0", "q4_0", "q4_k", "q6_k"] as const) {
    const bs = QUANT_MATMUL_BLOCKS[type].blockSize;
    cases.push(quantTCase(type, 1, bs, 1));
    cases.push(quantTCase(type, 1, 3 * bs, 37, " (decode)"));
    cases.push(quantTCase(type, 1, 4096, 19, " (decode, long rows)"));
    cases.push(quantTCase(type, 5, 2 * bs, 65));
    cases.push(quantTCase(type, 33, 512, 40, " (prompt)"));
    cases.push(quantTCase(type, 70, 2 * bs, 300, " (prompt, many rows of W)"));
    for (let i = 0; i < 2; i++) cases.push(quantTCase(type, sizeDraw(rng, 20), bs * (1 + rng.int(8)), sizeDraw(rng, 70)));
  }
  return cases;
}
