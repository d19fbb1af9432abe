// Naturalness: sentences, one per line, each token coloured by its log-probability given the tokens before it,
// and the sentences ranked by mean log-probability per token (src/infer/score.ts rankTexts), with a bar chart.
// Not here: the scores (the server's explorer-jobs.ts).
import { useMemo, useState } from "preact/hooks";
import { postJson, visible, type Info, type ScoreResult } from "../api.js";
import { Chart } from "../chart.js";
import { useT } from "../i18n.js";
import { useLive } from "../use-api.js";
import { Status } from "./next.js";

const DEFAULT = ["The little girl went to the park to play with her friends.", "The park went to the little girl to play with her friends.", "Girl the park little to went play the with friends her to."].join("\n");

/** A colour for log p: green (≥ −1) through yellow to red (≤ −10). */
export function logprobColour(lp: number | null): string {
  if (lp === null) return "transparent";
  const x = Math.max(0, Math.min(1, (-lp - 1) / 9)); // 0 natural … 1 surprising
  return `hsl(${Math.round(120 * (1 - x))}, 70%, 80%)`;
}

export function NaturalnessPage({ info, model }: { info: Info; model: string }) {
  const t = useT();
  const [text, setText] = useState(DEFAULT);
  const [asked, setAsked] = useState<string[] | null>(() => DEFAULT.split("\n"));
  const live = useLive(asked === null ? null : JSON.stringify([model, asked]), (signal) => postJson<ScoreResult>("/api/explorer/score", { model, texts: asked }, signal), 0);
  const r = live.data;
  const option = useMemo(() => {
    const ranked = r?.ranked ?? [];
    return {
      grid: { left: 60, right: 30, top: 30, bottom: 40 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: ranked.map((s, i) => `#${i + 1} ${s.text.length > 24 ? `${s.text.slice(0, 23)}…` : s.text}`), axisLabel: { interval: 0 } },
      yAxis: { type: "value", name: "mean log p" },
      series: [{ type: "bar", barMaxWidth: 60, data: ranked.map((s) => Number(s.mean.toFixed(4))), itemStyle: { color: "#6a8f3b" } }],
    };
  }, [r]);
  const submit = (e: Event): void => {
    e.preventDefault();
    const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "").slice(0, info.limits.texts);
    if (lines.length > 0) setAsked(lines);
  };
  return (
    <section aria-labelledby="nat-title">
      <h2 id="nat-title">{t("page.naturalness")}</h2>
      <p class="intro">{t("nat.intro")}</p>
      <form class="form" onSubmit={submit}>
        <label class="wide">
          {t("nat.texts")}
          <textarea rows={5} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="texts" />
        </label>
        <button type="submit" data-testid="score">{t("nat.score")}</button>
      </form>
      <Status busy={live.busy} error={live.error} />
      {r !== null && (
        <>
          <p class="legend"><span class="swatch" style={{ background: logprobColour(-0.5) }} /> <span class="swatch" style={{ background: logprobColour(-5) }} /> <span class="swatch" style={{ background: logprobColour(-10) }} /> {t("nat.legend")}</p>
          <table class="ranked" data-testid="ranked">
            <thead><tr><th scope="col">{t("nat.rank")}</th><th scope="col">{t("nat.mean")}</th><th scope="col">{t("nat.ppl")}</th><th scope="col">{t("nat.text")}</th></tr></thead>
            <tbody>
              {r.ranked.map((s, i) => (
                <tr key={s.index}>
                  <td>{i + 1}</td>
                  <td class="num" data-testid="mean">{s.mean.toFixed(3)}</td>
                  <td class="num">{s.perplexity.toFixed(1)}</td>
                  <td class="scored">
                    {s.tokens.map((p, j) => (
                      <span key={j} class="tok" style={{ background: logprobColour(p.logprob) }} title={p.logprob === null ? `id ${p.id}` : `log p = ${p.logprob.toFixed(3)} (p = ${Math.exp(p.logprob).toPrecision(3)})`} data-logprob={p.logprob ?? ""}>{visible(p.text)}</span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Chart option={option} height={240} label={t("nat.chart")} testid="nat-chart" />
        </>
      )}
    </section>
  );
}
