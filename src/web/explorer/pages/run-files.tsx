// The training dashboard's panels for a run's other outputs, shown when the run has them: the data-pipeline report
// (documents kept and removed at each stage, stacked bars, the reasons, and a link to the full report.html) and the
// canary exposure (each inserted canary's and control's final exposure in bits, and the mean exposure at every
// evaluation). Not here: the metrics charts (training.tsx), reading the files (the server's explorer-run-files.ts).
import { useEffect, useMemo, useState } from "preact/hooks";
import { getJson, type Canaries, type DataReport } from "../api.js";
import { Chart } from "../chart.js";
import { useT } from "../i18n.js";
import { Status } from "./next.js";

/** GET `path` whenever it changes; the answer or the error. */
function useGet<T>(path: string): { data: T | null; error: string | null } {
  const [s, setS] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    let stale = false;
    setS({ data: null, error: null });
    getJson<T>(path).then((data) => !stale && setS({ data, error: null }), (e: Error) => !stale && setS({ data: null, error: e.message }));
    return () => {
      stale = true;
    };
  }, [path]);
  return s;
}

export function DataReportPanel({ run }: { run: string }) {
  const t = useT();
  const q = `?run=${encodeURIComponent(run)}`;
  const { data: r, error } = useGet<DataReport>(`/api/explorer/data-report${q}`);
  const option = useMemo(() => {
    const stages = r?.stages ?? [];
    return {
      grid: { left: 90, right: 30, top: 10, bottom: 60 },
      legend: { data: [t("train.kept"), t("train.removed")], bottom: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", name: "docs" },
      yAxis: { type: "category", inverse: true, data: stages.map((s) => s.name) },
      series: [
        { name: t("train.kept"), type: "bar", stack: "docs", data: stages.map((s) => s.kept), itemStyle: { color: "#4a8a4a" } },
        { name: t("train.removed"), type: "bar", stack: "docs", data: stages.map((s) => s.removed), itemStyle: { color: "#b22222" } },
      ],
    };
  }, [r, t("train.kept")]);
  return (
    <section aria-labelledby="data-title">
      <h3 id="data-title">{t("train.data")}</h3>
      <Status busy={false} error={error} />
      {r !== null && (
        <>
          {r.html && <p><a href={`/api/explorer/data-report.html${q}`} target="_blank" rel="noopener" data-testid="data-html">{t("train.dataHtml")}</a></p>}
          <Chart option={option} height={80 + 34 * r.stages.length} label={t("train.dataChart")} testid="data-chart" />
          <table class="ranked" data-testid="data-stages">
            <thead><tr><th scope="col">{t("train.stage")}</th><th scope="col">{t("train.kept")}</th><th scope="col">{t("train.removed")}</th><th scope="col">{t("train.reasons")}</th></tr></thead>
            <tbody>
              {r.stages.map((s) => (
                <tr key={s.name}>
                  <th scope="row">{s.name}</th><td class="num">{s.kept} / {s.docsIn}</td><td class="num" data-testid={`removed-${s.name}`}>{s.removed}</td>
                  <td>{Object.entries(s.reasons).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

export function CanaryPanel({ run }: { run: string }) {
  const t = useT();
  const { data: c, error } = useGet<Canaries>(`/api/explorer/canaries?run=${encodeURIComponent(run)}`);
  const bars = useMemo(() => {
    const rows = c?.canaries ?? [];
    return {
      grid: { left: 90, right: 30, top: 10, bottom: 60 },
      legend: { data: [t("train.fit"), t("train.rank")], bottom: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", name: "bits", min: 0 },
      yAxis: { type: "category", inverse: true, data: rows.map((x) => `${x.id}${x.control ? "" : ` ×${x.repeats}`}`) },
      series: [
        { name: t("train.fit"), type: "bar", itemStyle: { color: "#d62728" }, data: rows.map((x) => ({ value: Number(x.fit.toFixed(3)), itemStyle: { color: x.control ? "#1f77b4" : "#d62728" } })) },
        { name: t("train.rank"), type: "bar", itemStyle: { color: "#ff9896" }, data: rows.map((x) => ({ value: Number(x.rank.toFixed(3)), itemStyle: { color: x.control ? "#aec7e8" : "#ff9896" } })) },
      ],
    };
  }, [c, t("train.fit")]);
  const curve = useMemo(() => ({
    grid: { left: 70, right: 20, top: 10, bottom: 60 },
    legend: { data: [t("train.canary"), t("train.control")], bottom: 0 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "value", name: "step", min: "dataMin" },
    yAxis: { type: "value", name: "bits" },
    series: [
      { name: t("train.canary"), type: "line", data: (c?.curve ?? []).filter((p) => p.canary !== null).map((p) => [p.step, p.canary]), itemStyle: { color: "#d62728" } },
      { name: t("train.control"), type: "line", data: (c?.curve ?? []).filter((p) => p.control !== null).map((p) => [p.step, p.control]), itemStyle: { color: "#1f77b4" } },
    ],
  }), [c, t("train.canary")]);
  return (
    <section aria-labelledby="canary-title">
      <h3 id="canary-title">{t("train.canaries")}</h3>
      <p class="intro">{t("train.canaryNote")}</p>
      <Status busy={false} error={error} />
      {c !== null && (
        <div class="split">
          <div><Chart option={bars} height={90 + 40 * c.canaries.length} label={t("train.canaryChart")} testid="canary-chart" /></div>
          {c.curve.length > 0 && <div><Chart option={curve} height={240} label={t("train.canaryCurve")} testid="canary-curve" /></div>}
        </div>
      )}
    </section>
  );
}
