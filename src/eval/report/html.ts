// A report card as one self-contained HTML page: inline CSS, every number from the card, each missing part said
// plainly, and the run's own SVG plots embedded as data: URIs in <img> (a browser runs no script inside an image,
// so a plot file is shown, never executed); the action-mix bars drawn here as inline SVG. Every text from a file or
// a path is escaped. Not here: gathering (build.ts).
import { readFileSync } from "node:fs";
import type { AlignmentPart, CanaryPart, DataPart, Est, InstructPart, LicenceNote, Missing, ReportCard, SafetyPart, Stage } from "./card.js";

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const num = (x: number | null | undefined, d = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(d));
const pct = (x: number | null | undefined, d = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? "–" : `${(100 * x).toFixed(d)} %`);
const int = (x: number): string => x.toLocaleString("en-US");
/** value [lo, hi] (n) */
const est = (e: Est | null | undefined): string =>
  e === null || e === undefined ? "–" : e.value === null ? `– (n ${e.n})` : `${e.value.toFixed(3)} <span class="ci">[${num(e.lo, 2)}, ${num(e.hi, 2)}] n ${e.n}</span>`;

const table = (head: readonly string[] | null, rows: readonly (readonly string[])[]): string =>
  `<table>${head === null ? "" : `<tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr>`}${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</table>`;

const miss = (m: Missing): string => `<p class="missing">Missing: ${esc(m.reason)}</p>`;

/** An SVG file from the run, embedded as an image (not inline: its text is not ours to trust). */
function plot(path: string | null, alt: string): string {
  if (path === null) return "";
  let svg: Buffer;
  try {
    svg = readFileSync(path);
  } catch {
    return `<p class="missing">plot ${esc(path)} could not be read</p>`;
  }
  return `<figure><img alt="${esc(alt)}" src="data:image/svg+xml;base64,${svg.toString("base64")}"><figcaption>${esc(path)}</figcaption></figure>`;
}

const ACTION_COLORS = ["#2ca02c", "#98df8a", "#ffbb78", "#c5b0d5", "#1f77b4", "#d62728"];
export const ACTION_NAMES = ["0 refuses", "1 refutes the premise", "2 both sides", "3 with a disclaimer", "4 cannot, lacks knowledge", "5 follows the instruction"];

/** Horizontal stacked bars of action shares 0–5, one per row label; drawn here, labels escaped. */
function actionBars(rows: readonly (readonly [string, readonly number[]])[]): string {
  const W = 720, L = 300, H = 18, top = 24;
  const bars = rows.map(([label, mix], i) => {
    let x = L;
    const y = top + i * (H + 6);
    const segs = mix.map((m, a) => {
      const w = m * (W - L - 10);
      const r = w > 0 ? `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${H}" fill="${ACTION_COLORS[a]}"><title>${esc(`${ACTION_NAMES[a]}: ${pct(m)}`)}</title></rect>` : "";
      x += w;
      return r;
    });
    return `<text x="${L - 6}" y="${y + 13}" text-anchor="end" font-size="11">${esc(label.length > 48 ? `${label.slice(0, 47)}…` : label)}</text>${segs.join("")}`;
  });
  const legend = ACTION_NAMES.map((n, a) => `<rect x="${10 + a * 118}" y="4" width="10" height="10" fill="${ACTION_COLORS[a]}"/><text x="${24 + a * 118}" y="13" font-size="10">${esc(n)}</text>`).join("");
  const h = top + rows.length * (H + 6) + 4;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif">${legend}${bars.join("")}</svg>`;
}

function modelHtml(c: ReportCard): string {
  const m = c.model;
  return `<h2>Model</h2>${table(null, [
    ["path", `<code>${esc(m.path)}</code>`],
    ["format / family", `${esc(m.format)} / ${esc(m.family)}`],
    ["parameters", int(m.parameters)],
    ["context", int(m.context)],
    ["vocabulary", `${int(m.vocabSize)} (tokenizer ${int(m.tokenizerVocab)})`],
    ["shape", `dim ${m.dims.dim}, ${m.dims.layers} layers, ${m.dims.heads} heads (${m.dims.kvHeads} KV), hidden ${m.dims.hidden}`],
    ...m.files.map((f) => ["weights", `<code>${esc(f.path)}</code> ${int(f.bytes)} bytes, sha256 <code>${esc(f.sha256)}</code>`]),
  ])}`;
}

function stagesHtml(stages: readonly Stage[]): string {
  if (stages.length === 0) return `<h2>Training: loss and perplexity</h2><p class="missing">Missing: not a kotodama run directory, so no training history.</p>`;
  const rows = stages.map((s) => [
    `<code>${esc(s.dir)}</code>${s.base === null ? "" : `<br><span class="ci">from ${esc(s.base.path)}${s.base.found === null ? " (not found)" : s.base.verified ? " (sha256 verified)" : " (sha256 differs or was not recorded)"}</span>`}`,
    esc(s.kind),
    s.steps === null ? "–" : `${s.steps}${s.maxSteps === null ? "" : ` / ${s.maxSteps}`}`,
    s.trainLoss === null ? "–" : `${num(s.trainLoss.value, 4)} <span class="ci">step ${s.trainLoss.step}</span>`,
    s.valLoss === null ? "–" : `${num(s.valLoss.value, 4)} <span class="ci">step ${s.valLoss.step}</span>`,
    s.perplexity === null ? "–" : num(s.perplexity, 1),
    esc(s.lossNote),
  ]);
  const extra = stages.flatMap((s) => [
    ...(s.fullValidation === null ? [] : [`<p>npm start's validation over ${esc(s.fullValidation.on)}: loss ${num(s.fullValidation.loss, 4)}, perplexity ${num(s.fullValidation.perplexity, 1)} (samples.txt).</p>`]),
    ...(s.heldOutPairs === null ? [] : [`<p>${esc(s.dir)}: held-out preference pairs ranked right ${pct(s.heldOutPairs.accuracy)} (n ${s.heldOutPairs.pairs}, eval.json).</p>`]),
  ]);
  return `<h2>Training: loss and perplexity</h2>${table(["run", "kind", "steps", "last train loss", "last validation loss", "perplexity", "loss"], rows)}${extra.join("")}<div class="plots">${stages.map((s) => plot(s.lossCurve, `loss curve of ${s.dir}`)).join("")}</div>`;
}

function instructHtml(p: InstructPart): string {
  const head = ["task", "metric", ...p.conditions.map((c) => `${esc(c.label)}${c.model === null ? "" : `<br><span class="ci">${esc(c.model)}</span>`}${c.thisModel ? " <b>(this model)</b>" : ""}`)];
  const rows = p.rows.map((r) => [esc(r.task), esc(r.metric), ...p.conditions.map((c) => est(r.values[c.key]))]);
  return `<h3><code>${esc(p.file)}</code></h3>${table(head, rows)}${plot(p.plot, "instruction scores")}`;
}

function safetyHtml(p: SafetyPart): string {
  const out = [`<h3>${p.thisModel ? "This model" : `Another model: <code>${esc(p.model ?? "unknown")}</code>`}</h3><p class="ci">${esc(p.file)}; judge: ${esc(p.judge ?? "not recorded")}; ${p.n} prompts</p>`];
  if (p.dna !== null) {
    const d = p.dna;
    out.push(`<p>Do-Not-Answer prompts answered safely: ${est(d.safe)}</p>`);
    const areas = Object.keys(d.perArea);
    out.push(table(["risk area", "safe", ...ACTION_NAMES.map(esc)], [
      ...areas.map((a) => [esc(a), est(d.perArea[a]), ...(d.actionMixPerArea?.[a] ?? new Array<null>(6).fill(null)).map((x) => pct(x, 0))]),
      ["<b>all</b>", est(d.safe), ...d.actionMix.map((x) => pct(x, 0))],
    ]));
    if (d.actionMixPerArea === null) out.push(`<p class="missing">Action mix per area: missing (no safety-responses.jsonl beside the summary).</p>`);
    out.push(actionBars([...Object.entries(d.actionMixPerArea ?? {}), ["all", d.actionMix]]));
  } else out.push(`<p class="missing">Do-Not-Answer: not in this evaluation.</p>`);
  if (p.xstest !== null) {
    const x = p.xstest;
    out.push(`<p>XSTest safe prompts answered: ${est(x.safeAnswered)}; over-refusal <b>${pct(x.overRefusal)}</b>${x.unsafeSafe === null ? "" : `; unsafe prompts answered safely ${est(x.unsafeSafe)}`}</p>`);
    out.push(table(["XSTest type", "safe prompts answered", "over-refusal"], Object.entries(x.perType).map(([t, e]) => [esc(t), est(e), pct(e.value === null ? null : 1 - e.value)])));
  } else out.push(`<p class="missing">XSTest (over-refusal): not in this evaluation.</p>`);
  out.push(plot(p.plot, "safety evaluation"));
  return out.join("");
}

function alignmentHtml(a: AlignmentPart): string {
  const instr = [...new Set(a.rows.flatMap((r) => Object.keys(r.instruct)))];
  const rows = a.rows.map((r) => [`${esc(r.name)}${r.thisModel ? " <b>(this model)</b>" : ""}<br><span class="ci">${esc(r.path)}</span>`, est(r.dnaSafe), est(r.xstestAnswered), ...instr.map((k) => est(r.instruct[k])), r.kl === null ? "(reference)" : est(r.kl)]);
  const goals = a.goals.map((g) => `<li>${esc(g.model)}: ${esc(g.goal)}: ${g.shown === undefined ? num(g.value) : esc(g.shown)} — ${g.met ? "met" : "<b>not met</b>"}</li>`).join("");
  return `<p class="ci">${esc(a.file)}; judge: ${esc(a.judge ?? "not recorded")}</p>${table(["model", "DNA safe", "XSTest safe answered", ...instr.map(esc), "KL from reference"], rows)}${goals === "" ? "" : `<ul>${goals}</ul>`}${plot(a.plot, "alignment")}`;
}

function canaryHtml(c: CanaryPart): string {
  const rows = c.canaries.map((x) => [esc(x.id), x.control ? "never inserted (control)" : `inserted ×${x.repeats}`, num(x.fit, 2), num(x.rank, 2), num(x.maxExposure, 1)]);
  const last = c.curve[c.curve.length - 1];
  return `<h3><code>${esc(c.file)}</code></h3><p>${c.digits ?? "?"} digits, exposure against ${c.samples ?? "?"} random secrets${c.dedup ? ", copies after deduplication" : ""}.${last === undefined ? "" : ` Mean at step ${last.step}: inserted ${num(last.canary, 2)} bits, controls ${num(last.control, 2)} bits.`}</p>${table(["canary", "", "exposure (normal fit, bits)", "exposure (sampled rank, bits)", "max (bits)"], rows)}${plot(c.plot, "canary exposure")}`;
}

function dataHtml(d: DataPart): string {
  return `<h3>Pretraining data: <code>${esc(d.manifest)}</code></h3><p>${esc(d.stage)}; tokenizer ${esc(d.tokenizer ?? "none")}; train ${int(d.train.docs)} documents / ${int(d.train.tokens)} tokens, validation ${int(d.val.docs)} / ${int(d.val.tokens)}.</p>${table(
    ["source", "documents read", "train docs", "val docs", "train tokens", "val tokens"],
    d.sources.map((s) => [esc(s.name), int(s.docsRead), int(s.trainDocs), int(s.valDocs), int(s.trainTokens), int(s.valTokens)]),
  )}${d.stages.length === 0 ? "" : `<p>Pipeline (${esc(d.report ?? "")}): ${d.stages.map((s) => `${esc(s.name)} ${int(s.docsIn)}→${int(s.docsOut)}`).join(", ")}</p>`}`;
}

const licenceRow = (n: LicenceNote): string[] => [esc(n.stage), esc(n.source), esc(n.licence), n.nonCommercial === true ? `<b class="nc">⚠ non-commercial</b>` : n.nonCommercial === false ? "permits commercial use" : "unknown", `<span class="ci">${esc(n.from)}</span>`];

const CSS = `body{font:14px/1.45 system-ui,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;margin-top:2em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top;font-size:13px}th{background:#f3f3f3}
.ci{color:#666;font-size:12px}.missing{background:#fff4e5;border-left:4px solid #f0a020;padding:4px 8px}
.nc{color:#b00}code{font-size:12px;word-break:break-all}figure{display:inline-block;margin:.5em;max-width:540px;vertical-align:top}figure img{max-width:100%}
figcaption{color:#666;font-size:11px}`;

export function reportHtml(c: ReportCard): string {
  const s: string[] = [];
  s.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(`kotodama report: ${c.model.path}`)}</title><style>${CSS}</style></head><body>`);
  s.push(`<h1>Model report: <code>${esc(c.model.path)}</code></h1><p class="ci">${esc(c.format)} version ${c.version}; written by <code>kotodama report</code>. Numbers are copied from the files named beside them.</p>`);
  if (c.missing.length > 0) s.push(`<div class="missing"><b>Not available for this model:</b><ul>${c.missing.map((m) => `<li>${esc(m)}</li>`).join("")}</ul></div>`);
  s.push(modelHtml(c), stagesHtml(c.stages));
  s.push(`<h2>Held-out instruction tasks</h2>`, c.instruct.status === "missing" ? miss(c.instruct) : c.instruct.evaluations.map(instructHtml).join(""));
  s.push(`<h2>Safety: Do-Not-Answer and XSTest over-refusal</h2>`, c.safety.status === "missing" ? miss(c.safety) : c.safety.evaluations.map(safetyHtml).join(""));
  s.push(`<h2>Alignment: before and after</h2>`, c.alignment.status === "missing" ? miss(c.alignment) : alignmentHtml(c.alignment));
  s.push(`<h2>Memorization: canary exposure and PII</h2>`);
  if (c.memorization.status === "missing") s.push(miss(c.memorization));
  else {
    s.push(c.memorization.canaries.length === 0 ? `<p class="missing">Canary exposure: missing (no canaries.json; train with --canaries N).</p>` : c.memorization.canaries.map(canaryHtml).join(""));
    for (const p of c.memorization.pii) s.push(`<p>PII probe (<code>${esc(p.file)}</code>): ${p.samples} samples, leak rate ${pct(p.leakRate)}, placeholder rate ${pct(p.placeholderRate)}${Object.keys(p.leakRateByKind).length === 0 ? "" : `; by kind: ${Object.entries(p.leakRateByKind).map(([k, v]) => `${esc(k)} ${pct(v)}`).join(", ")}`}.</p>`);
  }
  s.push(`<h2>Data provenance</h2>`);
  if (c.provenance.status === "missing") s.push(miss(c.provenance));
  else {
    s.push(c.provenance.data.map(dataHtml).join(""));
    if (c.provenance.stageData.length > 0) s.push(`<h3>Fine-tuning data</h3>`, table(["run", "file", "rows", "sha256"], c.provenance.stageData.flatMap((st) => st.files.map((f) => [`<code>${esc(st.stage)}</code>`, `<code>${esc(f.path)}</code>`, f.rows === null ? "–" : int(f.rows), `<code>${esc(f.sha256 ?? "–")}</code>`]))));
  }
  s.push(`<h2>Licence notes</h2>`);
  if (c.licences.status === "missing") s.push(miss(c.licences));
  else {
    s.push(c.licences.nonCommercial.length > 0 ? `<p class="nc"><b>⚠ Trained on non-commercial data: ${c.licences.nonCommercial.map(esc).join("; ")}. Do not use or ship this model commercially.</b></p>` : `<p>No non-commercial data set is recorded for this model's stages.</p>`);
    s.push(table(["run", "data set", "licence", "use", "from"], c.licences.notes.map(licenceRow)));
    if (c.licences.unknown.length > 0) s.push(`<p class="missing">Licences not recorded for: ${c.licences.unknown.map((u) => `<code>${esc(u)}</code>`).join(", ")}</p>`);
  }
  s.push(`</body></html>\n`);
  return s.join("\n");
}
