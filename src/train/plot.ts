// Plots as self-contained SVG (no dependencies): loss curves (several named series of (step, loss) points on
// shared axes with ticks and a legend) and grouped bar charts with interval whiskers (evaluation results).
// Not here: reading metrics files (metrics.ts) or any training.

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
  /** Draw markers at the points (sparse series such as validation loss). */
  readonly markers?: boolean;
}

export interface PlotOptions {
  readonly title: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** "Nice" tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
function ticks(lo: number, hi: number, want = 6): number[] {
  const span = hi - lo || 1;
  const raw = span / want;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** The document's opening, white background, title and horizontal grid lines labelled at the y ticks. */
function openPlot(W: number, H: number, title: string, m: { l: number; r: number }, yTicks: readonly number[], sy: (y: number) => number): string[] {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  for (const v of yTicks) {
    const y = sy(v).toFixed(1);
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${m.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${v}</text>`);
  }
  return parts;
}

/** An SVG document with the series drawn as polylines. */
export function lossCurveSvg(series: readonly Series[], o: PlotOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 420;
  const m = { l: 60, r: 20, t: 36, b: 48 };
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const x0 = xs.length ? Math.min(...xs) : 0;
  const x1 = xs.length ? Math.max(...xs) : 1;
  const y0 = ys.length ? Math.min(...ys) : 0;
  const y1 = ys.length ? Math.max(...ys) : 1;
  const pad = (y1 - y0) * 0.05 || 0.5;
  const [ylo, yhi] = [y0 - pad, y1 + pad];
  const sx = (x: number): number => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const sy = (y: number): number => H - m.b - ((y - ylo) / (yhi - ylo)) * (H - m.t - m.b);
  const parts = openPlot(W, H, o.title, m, ticks(ylo, yhi), sy);
  for (const v of ticks(x0, x1)) {
    const x = sx(v).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/><text x="${x}" y="${H - m.b + 16}" text-anchor="middle">${v}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel ?? "step")}</text>`);
  parts.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel ?? "loss")}</text>`);
  series.forEach((s, i) => {
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (p.length > 0) {
      const d = p.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ");
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${d}"/>`);
      if (s.markers === true) for (const [x, y] of p) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    }
    const ly = m.t + 14 + i * 16;
    parts.push(`<line x1="${W - m.r - 150}" x2="${W - m.r - 130}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/><text x="${W - m.r - 124}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** One bar: its height and, optionally, an interval drawn as a whisker. NaN: no bar (not measured). */
export interface Bar {
  readonly value: number;
  readonly lo?: number;
  readonly hi?: number;
}

export interface BarChart {
  /** Group labels along the x axis (e.g. task metrics). */
  readonly groups: readonly string[];
  /** One series per bar colour (e.g. models); bars[g] is the bar of group g. */
  readonly series: readonly { readonly name: string; readonly color: string; readonly bars: readonly Bar[] }[];
}

/** An SVG document of grouped bars from 0 (or the lowest value) to the highest value or whisker. */
export function barChartSvg(c: BarChart, o: PlotOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 420;
  const m = { l: 60, r: 20, t: 36, b: 64 };
  const vals = c.series.flatMap((s) => s.bars.flatMap((b) => [b.value, b.lo ?? NaN, b.hi ?? NaN])).filter(Number.isFinite);
  const ylo = Math.min(0, ...vals);
  const yhi = Math.max(ylo + 1e-9, ...vals) * 1.05;
  const sy = (y: number): number => H - m.b - ((y - ylo) / (yhi - ylo)) * (H - m.t - m.b);
  const gw = (W - m.l - m.r) / Math.max(1, c.groups.length);
  const bw = (gw * 0.8) / Math.max(1, c.series.length);
  const parts = openPlot(W, H, o.title, m, ticks(ylo, yhi), sy);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#444"/>`);
  parts.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel ?? "value")}</text>`);
  c.groups.forEach((g, gi) => {
    parts.push(`<text x="${(m.l + gw * (gi + 0.5)).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${esc(g)}</text>`);
    c.series.forEach((s, si) => {
      const b = s.bars[gi];
      if (b === undefined || !Number.isFinite(b.value)) return;
      const x = m.l + gw * gi + gw * 0.1 + bw * si;
      const [top, base] = [sy(Math.max(b.value, 0)), sy(Math.min(b.value, 0))];
      parts.push(`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(bw * 0.9).toFixed(1)}" height="${Math.max(0.5, base - top).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.name}, ${g}: ${b.value.toFixed(3)}`)}</title></rect>`);
      if (b.lo !== undefined && b.hi !== undefined && Number.isFinite(b.lo) && Number.isFinite(b.hi)) {
        const cx = (x + bw * 0.45).toFixed(1);
        parts.push(`<line x1="${cx}" x2="${cx}" y1="${sy(b.lo).toFixed(1)}" y2="${sy(b.hi).toFixed(1)}" stroke="#222"/>`);
      }
    });
  });
  c.series.forEach((s, i) => {
    const lx = m.l + 10 + i * 150;
    parts.push(`<rect x="${lx}" y="${H - 22}" width="12" height="12" fill="${s.color}"/><text x="${lx + 18}" y="${H - 16}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
