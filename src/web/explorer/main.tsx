// The explorer: a page per slide of the talk (next token, naturalness, sampling, attention, training, instruction
// tuning, simplification; retrieval, safety and CEFR when the server has an index, a guard or a CEFR classifier; a link to the
// labelling page when serve has --label-out), chosen by
// the URL's #fragment, over the models of this `kotodama serve`; a language switch (English/日本語, remembered);
// the API key field when the server asks for one. Each page talks to /api/explorer (api.ts).
// Not here: the pages themselves (pages/), the words (i18n.ts), charts (chart.tsx).
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiFailure, apiKey, getJson, type Info } from "./api.js";
import { LangContext, WORDS, type Key, type Lang } from "./i18n.js";
import { AttentionPage } from "./pages/attention.js";
import { CefrPage } from "./pages/cefr.js";
import { NaturalnessPage } from "./pages/naturalness.js";
import { NextTokenPage } from "./pages/next.js";
import { RetrievalPage } from "./pages/retrieval.js";
import { SafetyPage } from "./pages/safety.js";
import { SamplingPage } from "./pages/sampling.js";
import { SimplifyPage } from "./pages/simplify.js";
import { TrainingPage } from "./pages/training.js";
import { TuningPage } from "./pages/tuning.js";
import "./style.css";

type PageProps = { info: Info; model: string };
const PAGES: Record<string, (p: PageProps) => preact.JSX.Element> = {
  next: NextTokenPage, naturalness: NaturalnessPage, sampling: SamplingPage, attention: AttentionPage, training: TrainingPage,
  tuning: TuningPage, simplify: SimplifyPage, retrieval: RetrievalPage, safety: SafetyPage, cefr: CefrPage,
};

const pageOfHash = (): string => location.hash.replace(/^#\/?/, "") || "next";
const savedLang = (): Lang => (localStorage.getItem("kotodama.lang") === "ja" ? "ja" : "en");

function App() {
  const [lang, setLang] = useState<Lang>(savedLang);
  const [page, setPage] = useState(pageOfHash);
  const [info, setInfo] = useState<Info | null>(null);
  const [model, setModel] = useState("");
  const [problem, setProblem] = useState<{ auth: boolean; message: string } | null>(null);
  const [key, setKey] = useState(apiKey.get());
  const t = (k: Key): string => WORDS[lang][k];

  const load = (): void => {
    getJson<Info>("/api/explorer/info")
      .then((i) => {
        setInfo(i);
        setProblem(null);
        setModel((m) => (i.models.includes(m) ? m : i.models[0]!));
      })
      .catch((e: Error) => setProblem({ auth: e instanceof ApiFailure && e.status === 401, message: e.message }));
  };
  useEffect(load, []);
  useEffect(() => {
    const on = (): void => setPage(pageOfHash());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t("title");
    localStorage.setItem("kotodama.lang", lang);
  }, [lang]);

  const pages = info?.pages.filter((p) => p in PAGES) ?? [];
  const Page = PAGES[pages.includes(page) ? page : (pages[0] ?? "")];
  return (
    <LangContext.Provider value={lang}>
      <header>
        <h1>{t("title")}</h1>
        <nav aria-label={t("nav")}>
          <ul>
            {pages.map((p) => (
              <li key={p}>
                <a href={`#/${p}`} aria-current={p === page ? "page" : undefined} data-testid={`nav-${p}`}>{t(`page.${p}` as Key)}</a>
              </li>
            ))}
            {info?.label === true && (
              // kotodama label's own page, served by this server (serve --label-out): reused, not rebuilt here.
              <li><a href="/label/" title={t("label.opens")} data-testid="nav-label">{t("page.label")} ↗</a></li>
            )}
          </ul>
        </nav>
        <div class="controls">
          {info !== null && info.models.length > 1 && (
            <label>
              {t("model")}{" "}
              <select value={model} onChange={(e) => setModel(e.currentTarget.value)} data-testid="model">
                {info.models.map((m) => <option key={m} value={m}>{m}</option>)}
              </select>
            </label>
          )}
          <div role="group" aria-label={t("language")} class="lang">
            <button type="button" aria-pressed={lang === "en"} onClick={() => setLang("en")} data-testid="lang-en">English</button>
            <button type="button" aria-pressed={lang === "ja"} onClick={() => setLang("ja")} data-testid="lang-ja">日本語</button>
          </div>
        </div>
      </header>
      <main>
        {problem !== null && (
          <div class="problem" role="alert">
            <p>{problem.auth ? t("apiKeyNeeded") : `${t("error")}: ${problem.message}`}</p>
            {problem.auth && (
              <form onSubmit={(e) => { e.preventDefault(); apiKey.set(key); load(); }}>
                <label>{t("apiKey")} <input type="password" value={key} onInput={(e) => setKey(e.currentTarget.value)} autocomplete="off" /></label>{" "}
                <button type="submit">{t("save")}</button>
              </form>
            )}
          </div>
        )}
        {info !== null && model !== "" && Page !== undefined && <Page key={`${page}:${model}`} info={info} model={model} />}
      </main>
    </LangContext.Provider>
  );
}

render(<App />, document.getElementById("app")!);
