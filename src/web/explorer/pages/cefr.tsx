// CEFR: the level (A1…C2) of each sentence of a text by the server's CEFR classifier (`kotodama serve --cefr DIR`,
// POST /v1/cefr — the JSON of `kotodama cefr --json`), the text's level distribution as bars, its level and its
// hardest sentences; a sentence's row shows its probabilities per level. Not here: the classifier (the server,
// src/eval/cefr), any simplification.
import { useMemo, useState } from "preact/hooks";
import { postJson, type CefrAnswer, type Info } from "../api.js";
import { Chart } from "../chart.js";
import { useT } from "../i18n.js";
import { useLive } from "../use-api.js";
import { Status } from "./next.js";

const LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"] as const;
/** Easy to hard, green to red. */
const COLOURS = ["#2e7d32", "#689f38", "#c0a000", "#ef6c00", "#d84315", "#b71c1c"];
const EXAMPLE = "I like cats. Can you speak Thai? The committee's deliberations were inconclusive, notwithstanding extensive consultation.";

export function CefrPage(_: { info: Info; model: string }) {
  const t = useT();
  const [text, setText] = useState(EXAMPLE);
  const [asked, setAsked] = useState<string | null>(EXAMPLE);
  const live = useLive(asked, (signal) => postJson<CefrAnswer>("/v1/cefr", { input: asked }, signal), 0);
  const r = live.data?.data[0] ?? null;
  const option = useMemo(() => (r === null ? {} : {
    grid: { left: 40, right: 30, top: 10, bottom: 30 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "category", data: [...LEVELS] },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: LEVELS.map((l, i) => ({ value: r.distribution[l], itemStyle: { color: COLOURS[i] } })), barMaxWidth: 40 }],
  }), [r]);
  return (
    <section aria-labelledby="cefr-title">
      <h2 id="cefr-title">{t("page.cefr")}</h2>
      <p class="intro">{t("cefr.intro")}</p>
      <form class="form" onSubmit={(e) => { e.preventDefault(); setAsked(text.trim() === "" ? null : text); }}>
        <label class="wide">{t("cefr.text")}<textarea rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="cefr-text" /></label>
        <button type="submit" data-testid="assess">{t("cefr.assess")}</button>
      </form>
      <Status busy={live.busy} error={live.error} />
      {r !== null && (
        <>
          <dl class="stats">
            <div><dt>{t("cefr.level")}</dt><dd data-testid="cefr-level">{r.level}</dd></div>
            <div><dt>{t("cefr.sentences")}</dt><dd>{r.sentences.length}</dd></div>
          </dl>
          <div class="split">
            <Chart option={option} height={200} label={t("cefr.chart")} testid="cefr-chart" />
            <div>
              <h3>{t("cefr.hardest")}</h3>
              <ol data-testid="cefr-hardest">{r.hardest.map((s, i) => <li key={i}><strong>{s.level}</strong> {s.sentence}</li>)}</ol>
            </div>
          </div>
          <table class="ranked" data-testid="cefr-table">
            <thead><tr><th>{t("cefr.level")}</th><th title={t("cefr.expectedHelp")}>{t("cefr.expected")}</th><th>{t("cefr.sentence")}</th>{LEVELS.map((l) => <th key={l} class="num" title={t("cefr.probHelp")}>P({l}) %</th>)}</tr></thead>
            <tbody>
              {r.sentences.map((s, i) => (
                <tr key={i}>
                  <td style={{ color: COLOURS[(LEVELS as readonly string[]).indexOf(s.level)] }}><strong>{s.level}</strong></td>
                  <td class="num">{s.expected.toFixed(2)}</td>
                  <td>{s.sentence}</td>
                  {s.probs.map((p, k) => <td key={k} class="num">{(100 * p).toFixed(1)}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
