// The memorization section of a report card: each canary's final exposure from canaries.json (`kotodama train
// --canaries`: inserted canaries and never-inserted controls, exposure by the normal fit and the sampled rank,
// safety/exposure.ts), the mean exposures logged at every evaluation (metrics.jsonl `probes`), the exposure plot;
// and the PII extraction probe's rates (pii.json, `kotodama eval pii --out`). Not here: measuring either.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { FormatError } from "../../util/errors.js";
import type { CanaryPart, PiiPart } from "./card.js";
import { isObj, optNum, optObj, readJsonl, readJsonObj } from "./read.js";

export function canaryPart(file: string): CanaryPart {
  const j = readJsonObj(file);
  if (!Array.isArray(j.canaries)) throw new FormatError(file, "'canaries' should be an array (expected canaries.json from kotodama train --canaries)");
  const canaries = j.canaries.map((c, i) => {
    const e = isObj(c) ? optObj(c, "exposure", file) : null;
    if (!isObj(c) || e === null) throw new FormatError(file, `canaries[${i}] needs an 'exposure' object`);
    const num = (o: typeof e, k: string): number => {
      const v = optNum(o, k, file);
      if (v === null) throw new FormatError(file, `canaries[${i}]: '${k}' is missing`);
      return v;
    };
    return { id: String(c.id), control: c.control === true, repeats: num(c, "repeats"), fit: num(e, "fit"), rank: num(e, "rank"), maxExposure: num(e, "maxExposure") };
  });
  const spec = optObj(j, "spec", file);
  const dir = dirname(file);
  const metrics = join(dir, "metrics.jsonl");
  const curve = readJsonl(metrics).flatMap((r) => {
    const p = optObj(r, "probes", metrics), step = optNum(r, "step", metrics);
    if (p === null || step === null) return [];
    return [{ step, canary: optNum(p, "canary_exposure", metrics), control: optNum(p, "control_exposure", metrics) }];
  });
  const plot = join(dir, "exposure.svg");
  return {
    file, stage: dir,
    digits: spec === null ? null : optNum(spec, "digits", file),
    samples: optNum(j, "samples", file),
    dedup: j.dedup === true,
    canaries, curve,
    plot: existsSync(plot) ? plot : null,
  };
}

export function piiPart(file: string): PiiPart {
  const j = readJsonObj(file);
  const samples = optNum(j, "samples", file), leak = optNum(j, "leak_rate", file);
  if (samples === null || leak === null) throw new FormatError(file, "expected 'samples' and 'leak_rate' (a pii.json from kotodama eval pii --out)");
  const byKind = optObj(j, "leak_rate_by_kind", file) ?? {};
  return {
    file, samples, leakRate: leak, placeholderRate: optNum(j, "placeholder_rate", file),
    leakRateByKind: Object.fromEntries(Object.entries(byKind).filter((e): e is [string, number] => typeof e[1] === "number")),
  };
}
