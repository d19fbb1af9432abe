// The training dashboard: a run's metrics.jsonl as charts — train and validation loss, learning rate, tokens/s
// against the step — polled every 2 s from the line read last, so a running train/sft/DPO job's new steps appear
// as it writes them; a link to the run's report card, and the data-pipeline report and canary exposure panels, when
// the run has them. Not here: finding runs and reading the files (the server's explorer-runs.ts), the panels
// (run-files.tsx).
import { useEffect, useMemo, useState } from "preact/hooks";
import { getJson, type Info, type MetricsSlice } from "../api.js";
import { Chart } from "../chart.js";
import { useT } from "../i18n.js";
import { Status } from "./next.js";
import { CanaryPanel, DataReportPanel } from "./run-files.js";

type Row = Record<string, unknown>;
const POLL_MS = 2000;
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

function lineOption(rows: readonly Row[], keys: readonly string[], log = false) {
  return {
    grid: { left: 70, right: 20, top: 30, bottom: 40 },
    legend: { data: [...keys] },
    tooltip: { trigger: "axis" },
    xAxis: { type: "value", name: "step", min: "dataMin", minInterval: 1 },
    yAxis: { type: log ? "log" : "value", scale: true },
    series: keys.map((k) => ({
      name: k, type: "line", showSymbol: k === "val_loss", connectNulls: true,
      data: rows.filter((r) => num(r[k]) !== null && num(r.step) !== null).map((r) => [r.step as number, r[k] as number]),
    })),
  };
}

export function TrainingPage({ info }: { info: Info; model: string }) {
  const t = useT();
  const [run, setRun] = useState(info.runs[0]?.name ?? "");
  const [rows, setRows] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (run === "") return;
    setRows([]);
    let from = 0, stopped = false, timer = 0;
    const poll = (): void => {
      getJson<MetricsSlice>(`/api/explorer/metrics?run=${encodeURIComponent(run)}&from=${from}`)
        .then((s) => {
          if (stopped) return;
          setError(null);
          if (s.reset) setRows(s.records);
          else if (s.records.length > 0) setRows((old) => [...old, ...s.records]);
          from = s.next;
        })
        .catch((e: Error) => !stopped && setError(e.message))
        .finally(() => {
          if (!stopped) timer = window.setTimeout(poll, POLL_MS);
        });
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [run]);
  const keys = useMemo(() => {
    const all = new Set<string>();
    for (const r of rows) for (const [k, v] of Object.entries(r)) if (num(v) !== null) all.add(k);
    return all;
  }, [rows]);
  const lossKeys = [...keys].filter((k) => /loss$/.test(k));
  const loss = useMemo(() => lineOption(rows, lossKeys), [rows, keys]);
  const lr = useMemo(() => lineOption(rows, keys.has("lr") ? ["lr"] : []), [rows, keys]);
  const tps = useMemo(() => lineOption(rows, keys.has("tokens_per_s") ? ["tokens_per_s"] : []), [rows, keys]);
  const last = rows.length > 0 ? rows[rows.length - 1]! : null;
  const current = info.runs.find((r) => r.name === run);
  if (info.runs.length === 0) return <section><h2>{t("page.training")}</h2><p data-testid="no-runs">{t("train.noRuns")}</p></section>;
  return (
    <section aria-labelledby="train-title">
      <h2 id="train-title">{t("page.training")}</h2>
      <p class="intro">{t("train.intro")} <span class="live">({t("train.live")})</span></p>
      <div class="form">
        <label>
          {t("run")}{" "}
          <select value={run} onChange={(e) => setRun(e.currentTarget.value)} data-testid="run">
            {info.runs.map((r) => <option key={r.name} value={r.name}>{r.name}</option>)}
          </select>
        </label>
        {current?.report === true && <a href={`/api/explorer/report?run=${encodeURIComponent(run)}`} target="_blank" rel="noopener" data-testid="report">{t("train.report")}</a>}
      </div>
      <Status busy={false} error={error} />
      <dl class="stats">
        <div><dt>{t("train.steps")}</dt><dd data-testid="steps">{rows.length}</dd></div>
        <div><dt>{t("train.lastLoss")}</dt><dd data-testid="last-loss">{num(last?.train_loss) === null ? "–" : (last!.train_loss as number).toFixed(4)}</dd></div>
      </dl>
      <h3>{t("train.loss")}</h3>
      <Chart option={loss} height={280} label={t("train.loss")} testid="loss-chart" />
      <div class="split">
        <div><h3>{t("train.lr")}</h3><Chart option={lr} height={220} label={t("train.lr")} testid="lr-chart" /></div>
        <div><h3>{t("train.tps")}</h3><Chart option={tps} height={220} label={t("train.tps")} testid="tps-chart" /></div>
      </div>
      {current?.data === true && <DataReportPanel key={`data:${run}`} run={run} />}
      {current?.canaries === true && <CanaryPanel key={`canaries:${run}`} run={run} />}
    </section>
  );
}
