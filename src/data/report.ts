// The pipeline report: per stage documents and characters in/out, throughput and examples of what it removed or
// changed (PII already masked); language mix; document-length histograms as SVG; reader issues. Written as
// report.json + report.html (+ one SVG per source) and summarised on one terminal screen.
// Not here: collecting the numbers (stats.ts, pipeline.ts).
import { join } from "node:path";
import { atomicWrite } from "./files.js";
import type { Manifest } from "./manifest.js";
import { HIST_BINS, type RunStats, type StageStats } from "./stats.js";

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const mbps = (s: StageStats): number => (s.seconds > 0 ? s.bytesIn / 1e6 / s.seconds : 0);
const pct = (a: number, b: number): string => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)}%`);

/** An SVG bar chart of two log2 length histograms (input documents, documents in the shards). */
export function histogramSvg(title: string, before: readonly number[], after: readonly number[]): string {
  const W = 640;
  const H = 220;
  const pad = 40;
  let lo = HIST_BINS;
  let hi = 0;
  for (let i = 0; i < HIST_BINS; i++) if ((before[i] ?? 0) + (after[i] ?? 0) > 0) [lo, hi] = [Math.min(lo, i), Math.max(hi, i)];
  if (lo > hi) [lo, hi] = [0, 0];
  const bins = hi - lo + 1;
  const max = Math.max(1, ...before, ...after);
  const bw = (W - 2 * pad) / bins;
  const bars: string[] = [];
  for (let i = 0; i < bins; i++) {
    const x = pad + i * bw;
    const hb = ((before[lo + i] ?? 0) / max) * (H - 2 * pad);
    const ha = ((after[lo + i] ?? 0) / max) * (H - 2 * pad);
    bars.push(`<rect x="${(x + 1).toFixed(1)}" y="${(H - pad - hb).toFixed(1)}" width="${(bw / 2 - 1).toFixed(1)}" height="${hb.toFixed(1)}" fill="#9ab"><title>${before[lo + i] ?? 0} docs in</title></rect>`);
    bars.push(`<rect x="${(x + bw / 2).toFixed(1)}" y="${(H - pad - ha).toFixed(1)}" width="${(bw / 2 - 1).toFixed(1)}" height="${ha.toFixed(1)}" fill="#e74"><title>${after[lo + i] ?? 0} docs out</title></rect>`);
    bars.push(`<text x="${(x + bw / 2).toFixed(1)}" y="${H - pad + 14}" font-size="10" text-anchor="middle">${2 ** (lo + i)}</text>`);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<text x="${pad}" y="18" font-size="13">${esc(title)} — document length (chars, log2 bins); grey: read, red: in shards; max ${max}</text>`,
    `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/>`,
    ...bars,
    `</svg>`,
  ].join("\n");
}

export interface ReportInput {
  readonly stats: RunStats;
  readonly manifest: Manifest;
  readonly seconds: number;
  readonly reused: { readonly cleanFiles: number; readonly totalFiles: number; readonly dedup: boolean; readonly shards: boolean };
}

/** Writes report.json, report.html and lengths-SOURCE.svg into dir; returns the written file names. */
export function writeReport(dir: string, r: ReportInput): string[] {
  const files = ["report.json", "report.html"];
  atomicWrite(join(dir, "report.json"), JSON.stringify({ ...r, throughputMBps: Object.fromEntries(r.stats.stages.map((s) => [s.name, +mbps(s).toFixed(2)])) }, null, 2));
  const svgs: string[] = [];
  for (const src of Object.keys(r.stats.lengthsIn)) {
    const svg = histogramSvg(src, r.stats.lengthsIn[src] ?? [], r.stats.lengthsOut[src] ?? []);
    const name = `lengths-${src.replace(/[^\w.-]/g, "_")}.svg`;
    atomicWrite(join(dir, name), svg);
    files.push(name);
    svgs.push(svg);
  }
  const stageRows = r.stats.stages
    .map((s) => `<tr><td>${esc(s.name)}</td><td>${s.docsIn}</td><td>${s.docsOut}</td><td>${pct(s.docsIn - s.docsOut, s.docsIn)}</td><td>${s.charsIn}</td><td>${s.charsOut}</td><td>${s.changed}</td><td>${mbps(s).toFixed(1)}</td><td>${esc(Object.entries(s.reasons).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", "))}</td></tr>`)
    .join("\n");
  const examples = r.stats.stages
    .filter((s) => s.examples.length > 0)
    .map((s) => `<h3>${esc(s.name)}</h3><ul>${s.examples.map((e) => `<li><code>${esc(e.id)}</code> — <em>${esc(e.note)}</em><pre>${esc(e.text)}</pre></li>`).join("")}</ul>`)
    .join("\n");
  const langRows = Object.entries(r.stats.languages)
    .map(([src, langs]) => `<tr><td>${esc(src)}</td><td>${esc(Object.entries(langs).sort((a, b) => b[1][0] - a[1][0]).map(([l, [d, c]]) => `${l}: ${d} docs / ${c} chars`).join("; "))}</td></tr>`)
    .join("\n");
  const m = r.manifest;
  const srcRows = m.sources.map((s) => `<tr><td>${esc(s.name)}</td><td>${s.weight}</td><td>${s.files}</td><td>${s.docsRead}</td><td>${s.trainDocs}</td><td>${s.valDocs}</td><td>${s.trainTokens}</td><td>${s.valTokens}</td></tr>`).join("\n");
  const issues = r.stats.issues.map((i) => `<li><code>${esc(i.file)}:${i.line}</code> ${esc(i.kind)} — ${esc(i.message)}</li>`).join("");
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>kotodama data report</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}pre{white-space:pre-wrap;background:#f6f6f6;padding:4px;font-size:12px}</style></head><body>
<h1>kotodama data report</h1>
<p>Run time ${r.seconds.toFixed(1)} s; cache reuse: ${r.reused.cleanFiles}/${r.reused.totalFiles} files cleaned earlier, dedup ${r.reused.dedup ? "reused" : "computed"}, shards ${r.reused.shards ? "reused" : "written"}. Config ${esc(m.configHash)}, key ${esc(m.key)}. Tokenizer: ${m.tokenizer === null ? "none (text output only)" : esc(`${m.tokenizer.kind}, ${m.tokenizer.vocabSize} tokens, sha256 ${m.tokenizer.sha256.slice(0, 16)}…`)}.</p>
<h2>Stages</h2><table><tr><th>stage</th><th>docs in</th><th>docs out</th><th>removed</th><th>chars in</th><th>chars out</th><th>changed</th><th>MB/s</th><th>reasons</th></tr>
${stageRows}</table>
<h2>Sources</h2><table><tr><th>source</th><th>weight</th><th>files</th><th>docs read</th><th>train docs</th><th>val docs</th><th>train tokens</th><th>val tokens</th></tr>${srcRows}</table>
<h2>Language mix (after normalisation)</h2><table>${langRows}</table>
<h2>Document lengths</h2>${svgs.join("\n")}
<h2>Examples (PII masked)</h2>${examples}
<h2>Reader issues</h2><p>${esc(JSON.stringify(r.stats.issueCounts))}</p><ul>${issues}</ul>
</body></html>`;
  atomicWrite(join(dir, "report.html"), html);
  return files;
}

/** A one-screen terminal summary. */
export function summarize(r: ReportInput): string {
  const lines: string[] = [];
  const pad = (s: string, n: number): string => (s.length >= n ? s : s + " ".repeat(n - s.length));
  const lpad = (s: string, n: number): string => (s.length >= n ? s : " ".repeat(n - s.length) + s);
  lines.push(`${pad("stage", 22)}${lpad("docs in", 10)}${lpad("out", 10)}${lpad("removed", 9)}${lpad("MB/s", 8)}  top reasons`);
  for (const s of r.stats.stages) {
    const top = Object.entries(s.reasons).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${v}`).join(", ");
    lines.push(`${pad(s.name, 22)}${lpad(String(s.docsIn), 10)}${lpad(String(s.docsOut), 10)}${lpad(pct(s.docsIn - s.docsOut, s.docsIn), 9)}${lpad(mbps(s).toFixed(1), 8)}  ${top}`);
  }
  const m = r.manifest;
  lines.push("");
  lines.push(`train: ${m.splits.train.docs} docs, ${m.splits.train.tokens} tokens in ${m.splits.train.shards.length} shard(s); val: ${m.splits.val.docs} docs, ${m.splits.val.tokens} tokens`);
  const issues = Object.entries(r.stats.issueCounts);
  if (issues.length > 0) lines.push(`reader issues: ${issues.map(([k, v]) => `${k} ${v}`).join(", ")} (listed in report.html)`);
  // A file skipped whole for its encoding is the one issue a user must act on: say which and how, here.
  for (const i of r.stats.issues.filter((x) => x.kind === "wrong-encoding").slice(0, 5)) lines.push(`skipped ${i.file}: ${i.message}`);
  lines.push(`time ${r.seconds.toFixed(1)} s; reused ${r.reused.cleanFiles}/${r.reused.totalFiles} cleaned files${r.reused.dedup ? ", dedup" : ""}${r.reused.shards ? ", shards" : ""}`);
  return lines.join("\n");
}
