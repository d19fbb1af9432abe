// The grouped bar chart: bar heights proportional to the values from a zero baseline, whiskers at the interval's
// ends, a missing (NaN) value drawn as no bar, labels escaped.
import assert from "node:assert/strict";
import { test } from "node:test";
import { barChartSvg } from "./plot.js";

test("bars: heights proportional to values, whiskers at lo and hi, NaN drawn as no bar", () => {
  const svg = barChartSvg(
    { groups: ["a<b", "c"], series: [{ name: "x", color: "#111", bars: [{ value: 0.5, lo: 0.25, hi: 0.75 }, { value: 1 }] }, { name: "y", color: "#222", bars: [{ value: NaN }, { value: 0.25 }] }] },
    { title: "t", width: 400, height: 300 },
  );
  const bars = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="(#\d+)"><title>([^<]*)</g)].map((m) => ({ y: Number(m[1]), h: Number(m[2]), fill: m[3], title: m[4] }));
  assert.equal(bars.length, 3, "the NaN bar is not drawn");
  const [half, one, quarter] = [bars[0]!, bars[1]!, bars[2]!];
  assert.ok(Math.abs(one.h / half.h - 2) < 0.01 && Math.abs(half.h / quarter.h - 2) < 0.01, JSON.stringify(bars));
  assert.ok(Math.abs(half.y + half.h - (one.y + one.h)) < 0.05, "one baseline");
  const whisker = /<line x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)" y2="([\d.]+)" stroke="#222"\/>/.exec(svg)!;
  const base = half.y + half.h;
  const perUnit = half.h / 0.5;
  assert.ok(Math.abs(Number(whisker[1]) - (base - 0.25 * perUnit)) < 0.1 && Math.abs(Number(whisker[2]) - (base - 0.75 * perUnit)) < 0.1, whisker[0]);
  assert.ok(svg.includes("a&lt;b") && !svg.includes("a<b"));
});
