// Simplify: a sentence rewritten toward a CEFR level by the served chat model (POST /api/explorer/simplify; the
// library is src/eval/cefr/simplify.ts) — deletion-only edits of the source (the default) or the model's free
// answer, with serve --cefr also the level penalty on words above the target and the classifier's rerank of the
// beams. Shown: the word diff (deleted words struck through, written ones underlined), the classifier's level of
// the source and of the output with their probabilities per level, and the words above the target by the
// classifier's lexicon. Not here: the decoding and the levels (the server), the CEFR page's per-sentence table.
import { useMemo, useState } from "preact/hooks";
import { postJson, type Info, type SimplifyAnswer } from "../api.js";
import { Chart } from "../chart.js";
import { useT } from "../i18n.js";
import { useLive } from "../use-api.js";
import { Status } from "./next.js";

const LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"] as const;
const EXAMPLE = "The committee postponed its final decision because the proposal required substantial revision.";

interface Ask { text: string; level: string; method: "delete" | "free"; constrained: boolean; rerank: boolean; model: string }

export function SimplifyPage({ info, model }: { info: Info; model: string }) {
  const t = useT();
  const cefr = info.cefr === true;
  const [text, setText] = useState(EXAMPLE);
  const [level, setLevel] = useState("A2");
  const [method, setMethod] = useState<"delete" | "free">("delete");
  const [constrained, setConstrained] = useState(cefr);
  const [rerank, setRerank] = useState(false);
  const [asked, setAsked] = useState<Ask | null>(null);
  const live = useLive(asked === null ? null : JSON.stringify(asked), (signal) => postJson<SimplifyAnswer>("/api/explorer/simplify", asked, signal), 0);
  const r = live.data;
  const option = useMemo(() => (r === null || r.sourceLevel === null || r.outputLevel === null ? null : {
    grid: { left: 44, right: 20, top: 30, bottom: 30 },
    legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v: number) => `${v.toFixed(1)} %` },
    xAxis: { type: "category", data: [...LEVELS] },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value} %" } },
    series: [
      { name: t("simp.source"), type: "bar", data: r.sourceLevel.probs.map((p) => 100 * p), itemStyle: { color: "#8a96a3" }, barMaxWidth: 28 },
      { name: t("simp.output"), type: "bar", data: r.outputLevel.probs.map((p) => 100 * p), itemStyle: { color: "#2e7d32" }, barMaxWidth: 28 },
    ],
  }), [r, t]);
  const submit = (e: Event): void => {
    e.preventDefault();
    setAsked(text.trim() === "" ? null : { text, level, method, constrained: cefr && constrained, rerank: cefr && rerank, model });
  };
  return (
    <section aria-labelledby="simp-title">
      <h2 id="simp-title">{t("page.simplify")}</h2>
      <p class="intro">{t("simp.intro")}</p>
      <form class="form" onSubmit={submit}>
        <label class="wide">{t("simp.text")}<textarea rows={3} maxLength={1000} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="simp-text" /></label>
        <label>{t("simp.level")}
          <select value={level} onChange={(e) => setLevel(e.currentTarget.value)} data-testid="simp-level">{LEVELS.map((l) => <option key={l} value={l}>{l}</option>)}</select>
        </label>
        <fieldset>
          <legend>{t("simp.method")}</legend>
          <label><input type="radio" name="simp-method" checked={method === "delete"} onChange={() => setMethod("delete")} data-testid="simp-delete" /> {t("simp.delete")}</label>
          <label><input type="radio" name="simp-method" checked={method === "free"} onChange={() => setMethod("free")} data-testid="simp-free" /> {t("simp.free")}</label>
        </fieldset>
        <label title={cefr ? "" : t("simp.needsCefr")}><input type="checkbox" checked={cefr && constrained} disabled={!cefr} onChange={(e) => setConstrained(e.currentTarget.checked)} data-testid="simp-constrained" /> {t("simp.constrained")}</label>
        <label title={cefr ? "" : t("simp.needsCefr")}><input type="checkbox" checked={cefr && rerank} disabled={!cefr} onChange={(e) => setRerank(e.currentTarget.checked)} data-testid="simp-rerank" /> {t("simp.rerank")}</label>
        <button type="submit" data-testid="simplify">{t("simp.run")}</button>
      </form>
      {!cefr && <p class="intro">{t("simp.needsCefr")}</p>}
      <Status busy={live.busy} error={live.error} />
      {r !== null && (
        <>
          <p class="answer diff" data-testid="simp-diff" aria-label={t("simp.diff")}>
            {r.diff.flatMap((p, i) => [...(i === 0 ? [] : [" "]), p.op === "keep" ? <span key={i}>{p.text}</span> : p.op === "del" ? <del key={i}>{p.text}</del> : <ins key={i}>{p.text}</ins>])}
          </p>
          <h3>{t("simp.output")}</h3>
          <p class="answer" data-testid="simp-output">{r.output}</p>
          <dl class="stats">
            <div><dt>{t("simp.target")}</dt><dd>{r.target}</dd></div>
            <div><dt>{t("simp.sourceLevel")}</dt><dd data-testid="simp-source-level">{r.sourceLevel?.level ?? "–"}</dd></div>
            <div><dt>{t("simp.outputLevel")}</dt><dd data-testid="simp-output-level">{r.outputLevel === null ? "–" : `${r.outputLevel.level} ${r.atOrBelow === true ? "✓" : "✗"}`}</dd></div>
            <div><dt>{t("simp.kept")}</dt><dd>{r.diff.filter((p) => p.op === "keep").length} / {r.diff.filter((p) => p.op !== "ins").length}</dd></div>
            <div><dt>{t("simp.beams")}</dt><dd>{r.beams}</dd></div>
          </dl>
          {cefr && (
            <p data-testid="simp-above">{t("simp.above")}: {r.aboveSource.length === 0 ? "–" : r.aboveSource.join(", ")} → {r.aboveOutput.length === 0 ? "–" : r.aboveOutput.join(", ")}</p>
          )}
          {option !== null && <Chart option={option} height={220} label={t("simp.chart")} testid="simp-chart" />}
          <p class="intro">{t("simp.settings")}: {Object.entries(r.settings).map(([k, v]) => `${k} ${String(v)}`).join(", ")}</p>
        </>
      )}
    </section>
  );
}
