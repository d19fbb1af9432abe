// The labelling page: the prompt, answer a on the left and answer b on the right, progress (k of n), tags, and
// the keyboard (← → ↓/t s 1–9 u ?). Each key posts to the server, which writes the label before it answers.
// Not here: any state that matters — the server holds it (a reload shows the same pair); no routing, no store.
import { render } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import "./style.css";

type Choice = "left" | "right" | "tie" | "skip";
type Message = { role: string; content: string };
type Pair = { id: string | number; a: string; b: string } & ({ prompt: string } | { messages: Message[] });

/** GET /api/label/state (src/server/label.ts, LabelStateJson). */
interface LabelState {
  total: number;
  done: number;
  counts: { preferred: number; tie: number; skip: number };
  tags: string[];
  current: { index: number; pair: Pair | null } | null;
  error: string | null;
}

/** Served by `kotodama serve --label-out` (opened from the explorer), the API may want the key the explorer keeps
 *  for the tab (sessionStorage "kotodama.apiKey"), and its errors come in OpenAI's shape {error: {message}}. */
async function api(path: string, body?: unknown): Promise<{ ok: boolean; status: number; json: LabelState & { error?: string } }> {
  const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
  const key = sessionStorage.getItem("kotodama.apiKey") ?? "";
  if (key !== "") headers.authorization = `Bearer ${key}`;
  const res = await fetch(`/api/label/${path}`, body === undefined ? { headers } : { method: "POST", headers, body: JSON.stringify(body) });
  const json = (await res.json()) as Omit<LabelState, "error"> & { error?: string | null | { message?: string } };
  const e = json.error;
  const error = typeof e === "object" && e !== null ? (e.message ?? `error ${res.status}`) : e;
  return { ok: res.ok, status: res.status, json: { ...json, error } as LabelState & { error?: string } };
}

const KEYS: readonly [string, string][] = [
  ["← or h", "the left answer is better"],
  ["→ or l", "the right answer is better"],
  ["↓ or t", "tie: both alike"],
  ["s", "skip this pair (recorded, not used for training)"],
  ["1–9", "toggle a tag saying why"],
  ["u or Backspace", "undo the last label"],
  ["?", "show or hide this help"],
];

function Prompt({ pair }: { pair: Pair }) {
  if ("prompt" in pair) return <pre class="text" data-testid="prompt">{pair.prompt}</pre>;
  return (
    <div data-testid="prompt">
      {pair.messages.map((m, i) => (
        <div class={`msg ${m.role}`} key={i}>
          <span class="role">{m.role}</span>
          <pre class="text">{m.content}</pre>
        </div>
      ))}
    </div>
  );
}

function App() {
  const [state, setState] = useState<LabelState | null>(null);
  const [tags, setTags] = useState<string[]>([]);
  const [note, setNote] = useState<string>("");
  const [help, setHelp] = useState(false);
  const busy = useRef(false);

  const load = useCallback(async () => {
    const r = await api("state");
    setState(r.json);
  }, []);

  useEffect(() => {
    void load().catch((e: Error) => setNote(`cannot reach the server: ${e.message}`));
  }, [load]);

  // While the server is still generating the current pair's answers, ask again.
  const pending = state?.current !== null && state?.current !== undefined && state.current.pair === null && state.error === null;
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => void load(), 500);
    return () => clearInterval(t);
  }, [pending, load]);

  const send = useCallback(async (path: "choice" | "undo", body: unknown, done: string) => {
    if (busy.current) return;
    busy.current = true;
    try {
      const r = await api(path, body);
      if (r.ok) {
        setState(r.json);
        setTags([]);
        setNote(done);
      } else {
        setNote(r.json.error ?? `error ${r.status}`);
        await load();
      }
    } catch (e) {
      setNote(`cannot reach the server: ${(e as Error).message}`);
    } finally {
      busy.current = false;
    }
  }, [load]);

  const toggle = useCallback((tag: string) => setTags((t) => (t.includes(tag) ? t.filter((x) => x !== tag) : [...t, tag])), []);

  // The choice uses what the page shows now: this closure is remade on every render, and the key listener
  // (registered once) calls the latest one — an effect re-registering it would run after the paint, and a key
  // pressed in between would label the previous pair with the previous tags.
  const choose = (choice: Choice) => {
    const pair = state?.current?.pair;
    if (pair === null || pair === undefined) return;
    void send("choice", { id: pair.id, choice, tags }, `pair ${pair.id}: ${choice}${tags.length > 0 ? ` (${tags.join(", ")})` : ""}`);
  };
  const onKey = useRef<(e: KeyboardEvent) => void>(() => {});
  onKey.current = (e: KeyboardEvent) => {
    if (e.repeat || e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    const choice: Choice | null = k === "ArrowLeft" || k === "h" ? "left" : k === "ArrowRight" || k === "l" ? "right" : k === "ArrowDown" || k === "t" ? "tie" : k === "s" ? "skip" : null;
    if (choice !== null) choose(choice);
    else if (k === "u" || k === "Backspace") void send("undo", {}, "undone: the last label is removed");
    else if (k === "?") setHelp((h) => !h);
    else if (/^[1-9]$/.test(k) && state !== null && state.tags[Number(k) - 1] !== undefined) toggle(state.tags[Number(k) - 1]!);
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey.current(e);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);

  if (state === null) return <p>{note || "loading…"}</p>;
  const pair = state.current?.pair ?? null;
  return (
    <main>
      <header>
        <h1>kotodama label</h1>
        <span class="progress" data-testid="progress">{state.done} of {state.total}</span>
        <progress max={state.total} value={state.done} />
        <span class="counts">{state.counts.preferred} preferred · {state.counts.tie} ties · {state.counts.skip} skips</span>
        <button type="button" onClick={() => setHelp((h) => !h)}>? keys</button>
      </header>
      {help && (
        <table class="help" data-testid="help">
          <tbody>{KEYS.map(([k, what]) => <tr key={k}><th>{k}</th><td>{what}</td></tr>)}</tbody>
        </table>
      )}
      {state.error !== null && <p class="error">{state.error}</p>}
      {state.current === null ? (
        <p class="done" data-testid="done">All {state.total} pairs are labelled. Press u to undo the last one.</p>
      ) : pair === null ? (
        <p data-testid="pending">Generating the answers of pair {state.current.index + 1}…</p>
      ) : (
        <>
          <section class="prompt"><h2>Prompt <small>id {String(pair.id)}</small></h2><Prompt pair={pair} /></section>
          <section class="answers">
            <div class="answer"><h2>← Left</h2><pre class="text" data-testid="left">{pair.a}</pre><button type="button" onClick={() => choose("left")}>Left is better</button></div>
            <div class="answer"><h2>Right →</h2><pre class="text" data-testid="right">{pair.b}</pre><button type="button" onClick={() => choose("right")}>Right is better</button></div>
          </section>
          <section class="actions">
            <button type="button" onClick={() => choose("tie")}>↓ Tie</button>
            <button type="button" onClick={() => choose("skip")}>s Skip</button>
            <button type="button" onClick={() => void send("undo", {}, "undone")}>u Undo</button>
          </section>
          {state.tags.length > 0 && (
            <section class="tags" data-testid="tags">
              {state.tags.map((t, i) => (
                <button type="button" key={t} class={tags.includes(t) ? "on" : ""} aria-pressed={tags.includes(t)} onClick={() => toggle(t)}>{i + 1} {t}</button>
              ))}
            </section>
          )}
        </>
      )}
      <p class="note" data-testid="note">{note}</p>
      <footer>← left · → right · ↓ tie · s skip · 1–9 tags · u undo · ? help</footer>
    </main>
  );
}

render(<App />, document.getElementById("app")!);
