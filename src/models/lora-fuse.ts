// LoRA adapters on a family's fused matrices (Phi-3's q|k|v in qkv_proj, gate|up in gate_up_proj): the training
// decoder holds the separate projections and adapts each (rank r, scale α/r), while llama.cpp and PEFT see one
// fused matrix per layer. Not here: the files (lora-gguf.ts, lora-peft.ts), attaching or merging (lora.ts).
//
// The P parts' adapters become one adapter of rank P·r on the fused matrix, exactly:
//   A_f = [A_1; …; A_P]                      (P·r, in)
//   B_f = blockdiag(B_1, …, B_P)             (Σ out_j, P·r)   B_j in rows of part j, columns [(j−1)·r, j·r)
// so that B_f·A_f stacks B_j·A_j. Every part gets a block, zero where a part is not a target (its update is then
// zero), so that P, and with it the fused rank, is the same in every layer. The fused update must keep the scale
// α/r: PEFT states it per module (rank_pattern P·r, alpha_pattern P·α); llama.cpp reads one α per file and the rank
// from lora_b, so there B_f is multiplied by P instead (the scale α/(P·r) then gives α/r).
// Reading back splits B_f's diagonal blocks again, and refuses an adapter whose B_f is not block-diagonal (one
// trained on the fused matrix elsewhere: it has no exact per-projection form at rank r).
import { KotodamaError } from "../util/errors.js";
import type { ModelConfig } from "./config.js";
import { fusedMatrices, type Family } from "./families/index.js";
import type { LoraWeights } from "./lora.js";

/** One adapter as files store it: on a stored matrix (fused or not), A (rank, in), B (out, rank). */
export interface StoredAdapter {
  /** kotodama name of the stored matrix (Phi-3: model.layers.0.self_attn.qkv_proj.weight). */
  readonly name: string;
  readonly rank: number;
  readonly inF: number;
  readonly outF: number;
  readonly a: Float32Array;
  readonly b: Float32Array;
  /** Number of rank-r adapters stacked in it (1 when the matrix is not fused): its scale is (P·α)/(P·r). */
  readonly stacked: number;
}

/** lw's adapters on the matrices family f's files store, in lw's order (a fused matrix where its first part was). bRows turns
 *  a part's B into the file's row order (lora-peft.ts loraBRows) before fusing. */
export function storedAdapters(f: Family, c: ModelConfig, lw: LoraWeights, bRows: (name: string, b: Float32Array, rank: number) => Float32Array = (_n, b) => b): StoredAdapter[] {
  const fused = fusedMatrices(c, f);
  const partOf = new Map<string, string>();
  for (const [name, parts] of fused) for (const p of parts) partOf.set(p.name, name);
  const byName = new Map(lw.adapters.map((n) => [n.name, n.adapter]));
  const r = lw.config.rank;
  const out: StoredAdapter[] = [];
  const done = new Set<string>();
  for (const { name, adapter } of lw.adapters) {
    const f = partOf.get(name);
    const [, inF] = adapter.a.shape as [number, number];
    if (f === undefined) {
      out.push({ name, rank: adapter.rank, inF, outF: adapter.b.shape[0]!, a: adapter.a.data, b: bRows(name, adapter.b.data, adapter.rank), stacked: 1 });
      continue;
    }
    if (done.has(f)) continue;
    done.add(f);
    const parts = fused.get(f)!;
    const P = parts.length, rf = P * r;
    const outF = parts.reduce((s, p) => s + p.rows, 0);
    const a = new Float32Array(rf * inF), b = new Float32Array(outF * rf);
    parts.forEach((p, j) => {
      const ad = byName.get(p.name);
      if (ad === undefined) return; // not a target: a zero block
      a.set(ad.a.data, j * r * inF);
      const bj = bRows(p.name, ad.b.data, r); // (rows, r)
      for (let i = 0; i < p.rows; i++) b.set(bj.subarray(i * r, (i + 1) * r), (p.row + i) * rf + j * r);
    });
    out.push({ name: f, rank: rf, inF, outF, a, b, stacked: P });
  }
  return out;
}

/** The per-projection adapters (A (r, in), B (rows, r) by part name) of a fused matrix's stored adapter of rank
 *  P·r; `where` names the file in the error for one that is not block-diagonal. Non-fused names pass through. */
export function splitStoredAdapter(f: Family, c: ModelConfig, name: string, a: Float32Array, b: Float32Array, rank: number, where: string): Map<string, { a: Float32Array; b: Float32Array }> {
  const parts = fusedMatrices(c, f).get(name);
  if (parts === undefined) return new Map([[name, { a, b }]]);
  const P = parts.length;
  if (rank % P !== 0) throw new KotodamaError(`${where}: the adapter of fused '${name}' has rank ${rank}, not a multiple of its ${P} parts`);
  const r = rank / P, inF = a.length / rank;
  const out = new Map<string, { a: Float32Array; b: Float32Array }>();
  parts.forEach((p, j) => {
    const bj = new Float32Array(p.rows * r);
    for (let i = 0; i < p.rows; i++) {
      const row = b.subarray((p.row + i) * rank, (p.row + i + 1) * rank);
      for (let k = 0; k < rank; k++) {
        if (k >= j * r && k < (j + 1) * r) bj[i * r + k - j * r] = row[k]!;
        else if (row[k] !== 0) {
          throw new KotodamaError(`${where}: the adapter of fused '${name}' is not block-diagonal (B row ${p.row + i}, column ${k}): it was not trained per projection and cannot be split; merge it into the base instead`);
        }
      }
    }
    out.set(p.name, { a: a.slice(j * r * inF, (j + 1) * r * inF), b: bj });
  });
  return out;
}
