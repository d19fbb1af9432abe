// Attention: for a short prompt, the attention map of a chosen layer and head as a heatmap (row: the query token,
// column: the key it attends to; causal, so the upper triangle is empty), and the logit lens — each layer's
// residual stream read through the final norm and LM head — as a table of top predictions per position.
// Not here: the maps (the forward's tracer, src/infer/forward.ts; the server's explorer-jobs.ts).
import { useMemo, useState } from "preact/hooks";
import { postJson, visible, type AttentionResult, type Info } from "../api.js";
import { Chart } from "../chart.js";
import { useT } from "../i18n.js";
import { useLive } from "../use-api.js";
import { pct, Status } from "./next.js";

export function AttentionPage({ model }: { info: Info; model: string }) {
  const t = useT();
  const [prompt, setPrompt] = useState("Once upon a time, there was a little cat.");
  const [asked, setAsked] = useState(prompt);
  const [layer, setLayer] = useState(0);
  const [head, setHead] = useState(0);
  const live = useLive(JSON.stringify([model, asked]), (signal) => postJson<AttentionResult>("/api/explorer/attention", { model, prompt: asked }, signal), 0);
  const r = live.data;
  const l = r === null ? 0 : Math.min(layer, r.layers - 1), h = r === null ? 0 : Math.min(head, r.heads - 1);
  const option = useMemo(() => {
    if (r === null) return {};
    const T = r.tokens.length, labels = r.tokens.map((p, i) => `${i}:${visible(p.text)}`);
    const map = r.probs[l]![h]!;
    const data: [number, number, number][] = [];
    for (let q = 0; q < T; q++) for (let k = 0; k <= q; k++) data.push([k, q, map[q * T + k]!]);
    return {
      grid: { left: 110, right: 30, top: 10, bottom: 110 },
      tooltip: { formatter: (p: { value: [number, number, number] }) => `${labels[p.value[1]]} → ${labels[p.value[0]]}: ${p.value[2].toFixed(3)}` },
      xAxis: { type: "category", data: labels, axisLabel: { rotate: 60, interval: 0 } },
      yAxis: { type: "category", data: labels, inverse: true, axisLabel: { interval: 0 } },
      visualMap: { min: 0, max: 1, calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#f7fbff", "#6baed6", "#08306b"] } },
      series: [{ type: "heatmap", data }],
    };
  }, [r, l, h]);
  return (
    <section aria-labelledby="att-title">
      <h2 id="att-title">{t("page.attention")}</h2>
      <p class="intro">{t("att.intro")}</p>
      <form class="form" onSubmit={(e) => { e.preventDefault(); setAsked(prompt); }}>
        <label class="wide">
          {t("prompt")}
          <input type="text" value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} data-testid="prompt" />
        </label>
        <button type="submit" data-testid="show">{t("show")}</button>
      </form>
      <Status busy={live.busy} error={live.error} />
      {r !== null && (
        <>
          <div class="form">
            <label>
              {t("layer")}{" "}
              <select value={l} onChange={(e) => setLayer(Number(e.currentTarget.value))} data-testid="layer">
                {Array.from({ length: r.layers }, (_, i) => <option key={i} value={i}>{i}</option>)}
              </select>
            </label>
            <label>
              {t("head")}{" "}
              <select value={h} onChange={(e) => setHead(Number(e.currentTarget.value))} data-testid="head">
                {Array.from({ length: r.heads }, (_, i) => <option key={i} value={i}>{i}</option>)}
              </select>
            </label>
          </div>
          <div class="heads" role="group" aria-label={`${t("layer")} ${l}: ${t("head")}`}>
            {Array.from({ length: r.heads }, (_, i) => (
              <button type="button" key={i} aria-pressed={i === h} onClick={() => setHead(i)} data-testid={`head-${i}`}>{t("head")} {i}</button>
            ))}
          </div>
          <Chart option={option} height={Math.max(320, 22 * r.tokens.length + 140)} label={`${t("att.chart")}: ${t("layer")} ${l}, ${t("head")} ${h}`} testid="attention-chart" />
          <h3>{t("att.lens")}</h3>
          <div class="scroll">
            <table class="lens" data-testid="lens">
              <thead>
                <tr><th scope="col">{t("layer")} \ {t("att.position")}</th>{r.tokens.map((p, i) => <th scope="col" key={i}>{i}: {visible(p.text)}</th>)}</tr>
              </thead>
              <tbody>
                {r.lens.map((row, li) => (
                  <tr key={li}>
                    <th scope="row">{li}</th>
                    {row.map((c, ti) => (
                      <td key={ti} style={{ background: `rgba(66, 146, 198, ${(0.7 * c.prob).toFixed(3)})` }} title={pct(c.prob)} data-prob={c.prob}>{visible(c.text)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
