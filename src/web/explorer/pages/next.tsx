// Next token: a prompt, the LM head's k likeliest next tokens as bars, the mass they cover and the entropy of the
// whole distribution; a candidate clicked (or chosen with the keyboard) is appended to the prompt.
// Not here: the numbers (the server's explorer-jobs.ts, from src/infer).
import { useMemo, useState } from "preact/hooks";
import { postJson, visible, type NextResult } from "../api.js";
import { Chart } from "../chart.js";
import { useT } from "../i18n.js";
import { useLive } from "../use-api.js";
import type { Info } from "../api.js";

export const pct = (p: number): string => `${(100 * p).toFixed(2)} %`;

export function NextTokenPage({ info, model }: { info: Info; model: string }) {
  const t = useT();
  const [prompt, setPrompt] = useState("Once upon a time");
  const [k, setK] = useState(20);
  const live = useLive(JSON.stringify([model, prompt, k]), (signal) => postJson<NextResult>("/api/explorer/next", { model, prompt, k }, signal));
  const r = live.data;
  const option = useMemo(() => {
    const top = r?.top ?? [];
    return {
      grid: { left: 110, right: 40, top: 10, bottom: 30 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
      yAxis: { type: "category", inverse: true, data: top.map((c) => visible(c.text)) },
      series: [{ type: "bar", data: top.map((c) => Number(c.prob.toFixed(6))), itemStyle: { color: "#3b6fb6" }, label: { show: true, position: "right", formatter: (p: { value: number }) => pct(p.value) } }],
    };
  }, [r]);
  return (
    <section aria-labelledby="next-title">
      <h2 id="next-title">{t("page.next")}</h2>
      <p class="intro">{t("next.intro")}</p>
      <div class="form">
        <label class="wide">
          {t("prompt")}
          <textarea rows={3} value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} data-testid="prompt" />
        </label>
        <label>
          {t("topK")}
          <input type="number" min={1} max={info.limits.topK} value={k} onInput={(e) => setK(Math.max(1, Math.min(info.limits.topK, Number(e.currentTarget.value) || 1)))} data-testid="k" />
        </label>
      </div>
      <Status busy={live.busy} error={live.error} />
      {r !== null && (
        <>
          <p class="tokens" data-testid="prompt-tokens">
            <span class="label">{t("next.promptTokens")} ({r.tokens.length}):</span>{" "}
            {r.tokens.map((p, i) => <span class="tok" key={i} title={`id ${p.id}`}>{visible(p.text)}</span>)}
          </p>
          <dl class="stats">
            <div><dt>{t("next.top1")}</dt><dd data-testid="top1">{pct(r.top[0]!.prob)}</dd></div>
            <div><dt>{t("next.mass")}</dt><dd data-testid="mass">{pct(r.mass)}</dd></div>
            <div><dt>{t("next.entropy")}</dt><dd data-testid="entropy">{r.entropy.toFixed(3)} nats ({(r.entropy / Math.LN2).toFixed(3)} bits)</dd></div>
          </dl>
          <div class="split">
            <Chart option={option} height={Math.max(200, 22 * r.top.length + 40)} label={t("next.chart")} testid="next-chart" />
            <div>
              <h3>{t("next.candidates")}</h3>
              <ol class="candidates" data-testid="candidates">
                {r.top.map((c) => (
                  <li key={c.id}>
                    <button type="button" onClick={() => setPrompt((p) => p + c.text)} data-token={c.text} data-prob={c.prob}>
                      <span class="tok">{visible(c.text)}</span> <span class="num">{pct(c.prob)}</span>
                    </button>
                  </li>
                ))}
              </ol>
            </div>
          </div>
        </>
      )}
    </section>
  );
}

export function Status({ busy, error }: { busy: boolean; error: string | null }) {
  const t = useT();
  return (
    <p class="status" aria-live="polite" data-testid="status">
      {error !== null ? <span class="error" role="alert">{t("error")}: {error}</span> : busy ? t("loading") : ""}
    </p>
  );
}
