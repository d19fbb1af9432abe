// The sampling playground: temperature, top-k, top-p, min-p and a seed reshape the model's next-token
// distribution live (bars: the model's p beside the sampler's), and a continuation is drawn with them
// (src/infer/sampler.ts and generate.ts on the server). Not here: the math (the server's explorer-jobs.ts).
import { useMemo, useState } from "preact/hooks";
import { postJson, visible, type Info, type SampleResult } from "../api.js";
import { Chart } from "../chart.js";
import { useT, type Key } from "../i18n.js";
import { useLive } from "../use-api.js";
import { pct, Status } from "./next.js";

interface Settings { temperature: number; topK: number; topP: number; minP: number; seed: number; maxTokens: number }

function Slider({ k, value, min, max, step, onChange, id }: { k: Key; value: number; min: number; max: number; step: number; onChange: (v: number) => void; id: string }) {
  const t = useT();
  const set = (raw: string): void => {
    const v = Number(raw);
    if (Number.isFinite(v)) onChange(Math.max(min, Math.min(max, v)));
  };
  return (
    <div class="slider">
      <label for={`${id}-n`}>{t(k)}</label>
      <input type="range" min={min} max={max} step={step} value={value} onInput={(e) => set(e.currentTarget.value)} aria-label={t(k)} tabIndex={-1} />
      <input id={`${id}-n`} type="number" min={min} max={max} step={step} value={value} onInput={(e) => set(e.currentTarget.value)} data-testid={id} />
    </div>
  );
}

export function SamplingPage({ info, model }: { info: Info; model: string }) {
  const t = useT();
  const [prompt, setPrompt] = useState("Once upon a time");
  const [s, setS] = useState<Settings>({ temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, seed: 1, maxTokens: 40 });
  const set = (k: keyof Settings) => (v: number): void => setS((o) => ({ ...o, [k]: v }));
  const live = useLive(JSON.stringify([model, prompt, s]), (signal) => postJson<SampleResult>("/api/explorer/sample", { model, prompt, ...s, show: 30 }, signal), 300);
  const r = live.data;
  const option = useMemo(() => {
    const c = r?.candidates ?? [];
    return {
      grid: { left: 50, right: 20, top: 30, bottom: 70 },
      legend: { data: [t("samp.model"), t("samp.sampled")] },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: c.map((x) => visible(x.text)), axisLabel: { rotate: 50, interval: 0 } },
      yAxis: { type: "value", max: 1 },
      series: [
        { name: t("samp.model"), type: "bar", data: c.map((x) => Number(x.prob.toFixed(6))), itemStyle: { color: "#9aa7b8" } },
        { name: t("samp.sampled"), type: "bar", data: c.map((x) => Number(x.sampled.toFixed(6))), itemStyle: { color: "#d2691e" } },
      ],
    };
  }, [r, t("samp.model")]);
  return (
    <section aria-labelledby="samp-title">
      <h2 id="samp-title">{t("page.sampling")}</h2>
      <p class="intro">{t("samp.intro")}</p>
      <div class="form">
        <label class="wide">
          {t("prompt")}
          <textarea rows={2} value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} data-testid="prompt" />
        </label>
      </div>
      <div class="sliders">
        <Slider k="temperature" id="temperature" value={s.temperature} min={0} max={2} step={0.05} onChange={set("temperature")} />
        <Slider k="topKSampler" id="topK" value={s.topK} min={0} max={100} step={1} onChange={set("topK")} />
        <Slider k="topP" id="topP" value={s.topP} min={0} max={1} step={0.01} onChange={set("topP")} />
        <Slider k="minP" id="minP" value={s.minP} min={0} max={1} step={0.01} onChange={set("minP")} />
        <Slider k="seed" id="seed" value={s.seed} min={0} max={1_000_000} step={1} onChange={set("seed")} />
        <Slider k="maxTokens" id="maxTokens" value={s.maxTokens} min={1} max={info.limits.sampleTokens} step={1} onChange={set("maxTokens")} />
      </div>
      <Status busy={live.busy} error={live.error} />
      {r !== null && (
        <>
          <dl class="stats">
            <div><dt>{t("samp.kept")}</dt><dd data-testid="kept">{r.kept}</dd></div>
            <div><dt>{t("samp.keptMass")}</dt><dd data-testid="kept-mass">{pct(r.keptMass)}</dd></div>
          </dl>
          <Chart option={option} height={300} label={t("samp.chart")} testid="sample-chart" />
          <h3>{t("samp.continuation")}</h3>
          <p class="continuation"><span class="given">{prompt}</span><span class="generated" data-testid="continuation">{r.continuation}</span></p>
        </>
      )}
    </section>
  );
}
