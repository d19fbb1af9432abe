// Retrieval: a question, the passages the --rag index retrieves with their BM25 scores (bars), and the grounded
// answer (src/rag/answer.ts askGrounded, on the server's worker) whose citations [n] are buttons that take focus to
// the cited passage. Not here: retrieval or answering (the server).
import { useMemo, useState } from "preact/hooks";
import { postJson, type Info, type RagResult } from "../api.js";
import { Chart } from "../chart.js";
import { useT } from "../i18n.js";
import { useLive } from "../use-api.js";
import { Status } from "./next.js";

/** The answer with its citation markers (code-point spans) replaced by one button per cited source. */
function Answer({ r, go }: { r: RagResult; go: (n: number) => void }) {
  const t = useT();
  const cps = Array.from(r.answer);
  const marks = new Map<number, { end: number; ns: number[] }>();
  for (const c of r.citations) {
    const m = marks.get(c.marker.start) ?? { end: c.marker.end, ns: [] };
    if (!m.ns.includes(c.n)) m.ns.push(c.n);
    marks.set(c.marker.start, m);
  }
  const parts: preact.JSX.Element[] = [];
  let text = "";
  for (let i = 0; i < cps.length; ) {
    const m = marks.get(i);
    if (m === undefined) {
      text += cps[i++];
      continue;
    }
    parts.push(<span key={`t${i}`}>{text}</span>);
    text = "";
    for (const n of m.ns) parts.push(<button type="button" class="cite" key={`c${i}-${n}`} onClick={() => go(n)} aria-label={`${t("rag.cite")} ${n}`} data-testid={`cite-${n}`}>[{n}]</button>);
    i = m.end;
  }
  parts.push(<span key="end">{text}</span>);
  return <p class="answer" data-testid="answer">{parts}</p>;
}

export function RetrievalPage({ model }: { info: Info; model: string }) {
  const t = useT();
  const [question, setQuestion] = useState("");
  const [k, setK] = useState(5);
  const [mode, setMode] = useState<"generate" | "extract">("generate");
  const [asked, setAsked] = useState<{ question: string; k: number; mode: string } | null>(null);
  const live = useLive(asked === null ? null : JSON.stringify([model, asked]), (signal) => postJson<RagResult>("/api/explorer/rag", { model, ...asked }, signal), 0);
  const r = live.data;
  const option = useMemo(() => ({
    grid: { left: 60, right: 20, top: 20, bottom: 30 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: (r?.retrieved ?? []).map((p) => `#${p.n}`) },
    yAxis: { type: "value", name: "BM25" },
    series: [{ type: "bar", barMaxWidth: 40, data: (r?.retrieved ?? []).map((p) => Number(p.score.toFixed(4))), itemStyle: { color: "#7a5195" } }],
  }), [r]);
  const go = (n: number): void => {
    const el = document.getElementById(`source-${n}`);
    el?.scrollIntoView({ block: "center" });
    el?.focus();
  };
  return (
    <section aria-labelledby="rag-title">
      <h2 id="rag-title">{t("page.retrieval")}</h2>
      <p class="intro">{t("rag.intro")}</p>
      <form class="form" onSubmit={(e) => { e.preventDefault(); if (question.trim() !== "") setAsked({ question, k, mode }); }}>
        <label class="wide">{t("question")}<input type="text" value={question} onInput={(e) => setQuestion(e.currentTarget.value)} data-testid="question" /></label>
        <label>{t("passages")}<input type="number" min={1} max={20} value={k} onInput={(e) => setK(Math.max(1, Math.min(20, Number(e.currentTarget.value) || 1)))} /></label>
        <label>{t("mode")}
          <select value={mode} onChange={(e) => setMode(e.currentTarget.value as "generate" | "extract")} data-testid="mode">
            <option value="generate">{t("mode.generate")}</option>
            <option value="extract">{t("mode.extract")}</option>
          </select>
        </label>
        <button type="submit" data-testid="ask">{t("ask")}</button>
      </form>
      <Status busy={live.busy} error={live.error} />
      {r !== null && (
        <>
          <h3>{t("answer")}</h3>
          <Answer r={r} go={go} />
          <p class="note">{t("relevance")}: <span data-testid="relevance">{r.relevance.toFixed(3)}</span>{r.belowThreshold ? ` — ${t("rag.abstained")}` : ""}</p>
          {r.sources.length > 0 && (
            <>
              <h3>{t("rag.sources")}</h3>
              <ol class="sources" data-testid="sources">
                {r.sources.map((p) => (
                  <li key={p.n} id={`source-${p.n}`} tabIndex={-1} data-testid={`source-${p.n}`}>
                    <span class="src">[{p.n}] {p.docId} [{p.start}, {p.end}) · BM25 {p.score.toFixed(3)}</span>
                    <blockquote>{p.text}</blockquote>
                  </li>
                ))}
              </ol>
            </>
          )}
          {r.retrieved.length > 0 && <Chart option={option} height={200} label={t("rag.chart")} testid="rag-chart" />}
        </>
      )}
    </section>
  );
}
