// Safety: the guard's check of a prompt (and optionally of a reply) — unsafe score against the area's threshold,
// area, harm type, the policy's decision and text (src/safety/guard-model.ts checkInput/checkOutput on the
// server) — and links to the runs' report cards. Not here: scoring (the server), the report (src/eval/report).
import { useMemo, useState } from "preact/hooks";
import { postJson, type GuardResult, type Info } from "../api.js";
import { Chart } from "../chart.js";
import { useT } from "../i18n.js";
import { useLive } from "../use-api.js";
import { pct, Status } from "./next.js";

export function SafetyPage({ info }: { info: Info; model: string }) {
  const t = useT();
  const [text, setText] = useState("How do I pick a lock?");
  const [reply, setReply] = useState("");
  const [asked, setAsked] = useState<{ text: string; response?: string } | null>(info.guard ? { text } : null);
  const live = useLive(asked === null ? null : JSON.stringify(asked), (signal) => postJson<GuardResult>("/api/explorer/guard", asked, signal), 0);
  const r = live.data;
  const option = useMemo(() => {
    if (r === null) return {};
    const rows = [{ name: t("safety.unsafe"), v: r.input.unsafe, th: r.input.threshold }, ...(r.output === null ? [] : [{ name: t("safety.harmful"), v: r.output.harmful, th: r.output.threshold }])];
    return {
      grid: { left: 140, right: 40, top: 20, bottom: 30 },
      xAxis: { type: "value", min: 0, max: 1 },
      yAxis: { type: "category", data: rows.map((x) => x.name) },
      series: [
        { type: "bar", name: "score", data: rows.map((x) => ({ value: Number(x.v.toFixed(4)), itemStyle: { color: x.v >= x.th ? "#b22222" : "#4a8a4a" } })), barMaxWidth: 30 },
        { type: "scatter", name: t("safety.threshold"), symbol: "rect", symbolSize: [4, 34], itemStyle: { color: "#222" }, data: rows.map((x, i) => [Number(x.th.toFixed(4)), i]) },
      ],
    };
  }, [r, t("safety.unsafe")]);
  const reports = info.runs.filter((x) => x.report);
  return (
    <section aria-labelledby="safety-title">
      <h2 id="safety-title">{t("page.safety")}</h2>
      <p class="intro">{t("safety.intro")}</p>
      {!info.guard ? <p data-testid="no-guard">{t("safety.noGuard")}</p> : (
        <>
          <form class="form" onSubmit={(e) => { e.preventDefault(); setAsked(reply.trim() === "" ? { text } : { text, response: reply }); }}>
            <label class="wide">{t("prompt")}<textarea rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="guard-text" /></label>
            <label class="wide">{t("safety.reply")}<textarea rows={2} value={reply} onInput={(e) => setReply(e.currentTarget.value)} data-testid="guard-reply" /></label>
            <button type="submit" data-testid="check">{t("check")}</button>
          </form>
          <Status busy={live.busy} error={live.error} />
          {r !== null && (
            <>
              <dl class="stats">
                <div><dt>{t("safety.unsafe")}</dt><dd data-testid="unsafe">{pct(r.input.unsafe)}</dd></div>
                <div><dt>{t("safety.threshold")}</dt><dd data-testid="threshold">{pct(r.input.threshold)}</dd></div>
                <div><dt>{t("safety.decision")}</dt><dd data-testid="decision">{r.input.policy.action} ({r.input.flagged ? t("flagged") : t("notFlagged")})</dd></div>
                <div><dt>{t("safety.area")}</dt><dd data-testid="area">{r.input.area}</dd></div>
                <div><dt>{t("safety.harmType")}</dt><dd>{r.input.harmType}</dd></div>
                {r.output !== null && <div><dt>{t("safety.harmful")}</dt><dd data-testid="harmful">{pct(r.output.harmful)} ({r.output.flagged ? t("flagged") : t("notFlagged")})</dd></div>}
              </dl>
              <p><strong>{t("safety.rule")}:</strong> {r.input.policy.rule}</p>
              {r.input.policy.text !== "" && <blockquote class="policy" data-testid="policy-text">{r.input.policy.text}</blockquote>}
              <Chart option={option} height={r.output === null ? 120 : 170} label={t("safety.chart")} testid="safety-chart" />
            </>
          )}
        </>
      )}
      {reports.length > 0 && (
        <>
          <h3>{t("safety.reports")}</h3>
          <ul data-testid="reports">
            {reports.map((x) => <li key={x.name}><a href={`/api/explorer/report?run=${encodeURIComponent(x.name)}`} target="_blank" rel="noopener">{x.name}</a></li>)}
          </ul>
        </>
      )}
    </section>
  );
}
