// Writes a built instruction data set to a folder: train.jsonl, heldout/<task>.jsonl, splits.json, manifest.json
// (counts per task and source, licences with non-commercial marked, file hashes), config.json and report.html,
// each through a temp file and a rename. Not here: building (build.ts). No timestamps: same seed, same bytes.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { atomicWrite, sha256 } from "../files.js";
import type { InstructData } from "./build.js";
import type { InstructExample } from "./example.js";
import { LICENCES } from "./tasks.js";

export interface InstructManifest {
  readonly version: 1;
  readonly seed: number;
  readonly totals: { readonly train: number; readonly heldOut: number };
  /** task → source → count. */
  readonly train: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly heldOut: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly licences: Readonly<Record<string, { readonly nonCommercial: boolean; readonly sources: readonly string[]; readonly train: number; readonly heldOut: number }>>;
  readonly decontaminated: Readonly<Record<string, number>>;
  readonly skipped: { readonly count: number; readonly first: readonly { readonly source: string; readonly where: string; readonly reason: string }[] };
  readonly files: readonly { readonly path: string; readonly examples: number; readonly sha256: string }[];
}

const jsonl = (xs: readonly InstructExample[]): string => xs.map((x) => `${JSON.stringify(x)}\n`).join("");

function count(xs: readonly InstructExample[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const x of xs) {
    const t = (out[x.task] ??= {});
    t[x.source] = (t[x.source] ?? 0) + 1;
  }
  return out;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function reportHtml(m: InstructManifest): string {
  const rows = (o: InstructManifest["train"]): string =>
    Object.entries(o)
      .flatMap(([task, bySrc]) => Object.entries(bySrc).map(([src, n]) => `<tr><td>${esc(task)}</td><td>${esc(src)}</td><td>${n}</td></tr>`))
      .join("");
  const lic = Object.entries(m.licences)
    .map(([l, v]) => `<tr><td>${esc(l)}</td><td>${v.nonCommercial ? "⚠ non-commercial" : "permissive"}</td><td>${esc(v.sources.join(", "))}</td><td>${v.train}</td><td>${v.heldOut}</td></tr>`)
    .join("");
  return `<!doctype html><meta charset="utf-8"><title>kotodama instruction data</title>
<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style>
<h1>kotodama instruction data</h1><p>seed ${m.seed}: ${m.totals.train} training examples, ${m.totals.heldOut} held out. Held-out ids: splits.json.</p>
<h2>Training</h2><table><tr><th>task</th><th>source</th><th>examples</th></tr>${rows(m.train)}</table>
<h2>Held out</h2><table><tr><th>task</th><th>source</th><th>examples</th></tr>${rows(m.heldOut)}</table>
<h2>Licences</h2><table><tr><th>licence</th><th>use</th><th>sources</th><th>train</th><th>held out</th></tr>${lic}</table>
<h2>Dropped</h2><p>${esc(JSON.stringify(m.decontaminated))} training examples whose prompt equals a held-out prompt; ${m.skipped.count} malformed source records skipped.</p>
`;
}

/** Writes the folder; returns the manifest. */
export function writeInstructData(outDir: string, d: InstructData): InstructManifest {
  const out = resolve(outDir);
  mkdirSync(join(out, "heldout"), { recursive: true });
  const files: { path: string; examples: number; sha256: string }[] = [];
  const put = (path: string, xs: readonly InstructExample[]): void => {
    const text = jsonl(xs);
    atomicWrite(join(out, path), text);
    files.push({ path, examples: xs.length, sha256: sha256(text) });
  };
  put("train.jsonl", d.train);
  for (const [task, xs] of d.heldOut) put(`heldout/${task}.jsonl`, xs);
  const heldAll = [...d.heldOut.values()].flat();
  const licences: Record<string, { nonCommercial: boolean; sources: string[]; train: number; heldOut: number }> = {};
  for (const [xs, key] of [
    [d.train, "train"],
    [heldAll, "heldOut"],
  ] as const) {
    for (const x of xs) {
      const l = (licences[x.licence] ??= { nonCommercial: LICENCES[x.licence]?.nonCommercial ?? true, sources: [], train: 0, heldOut: 0 });
      if (!l.sources.includes(x.source)) l.sources.push(x.source);
      l[key]++;
    }
  }
  const manifest: InstructManifest = {
    version: 1,
    seed: d.config.seed,
    totals: { train: d.train.length, heldOut: heldAll.length },
    train: count(d.train),
    heldOut: count(heldAll),
    licences,
    decontaminated: { ...d.decontaminated },
    skipped: { count: d.skipped.length, first: d.skipped.slice(0, 200) },
    files,
  };
  atomicWrite(join(out, "splits.json"), `${JSON.stringify(d.splits, null, 1)}\n`);
  atomicWrite(join(out, "config.json"), `${JSON.stringify(d.config, null, 2)}\n`);
  atomicWrite(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  atomicWrite(join(out, "report.html"), reportHtml(manifest));
  return manifest;
}
