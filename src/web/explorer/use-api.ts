// A hook for a page's one live request: run it when its input changes (after a short pause while typing), abort
// the one still in flight, and keep the last answer, the error and a busy flag.
// Not here: the requests themselves (api.ts).
import { useEffect, useRef, useState } from "preact/hooks";

export interface Live<T> {
  readonly data: T | null;
  readonly error: string | null;
  readonly busy: boolean;
}

/** Calls `run(signal)` `delayMs` after `key` last changed (null: nothing to ask). */
export function useLive<T>(key: string | null, run: (signal: AbortSignal) => Promise<T>, delayMs = 250): Live<T> {
  const [state, setState] = useState<Live<T>>({ data: null, error: null, busy: false });
  const runRef = useRef(run);
  runRef.current = run;
  useEffect(() => {
    if (key === null) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      setState((s) => ({ ...s, busy: true }));
      runRef.current(abort.signal)
        .then((data) => setState({ data, error: null, busy: false }))
        .catch((e: Error) => {
          if (!abort.signal.aborted) setState((s) => ({ ...s, error: e.message, busy: false }));
        });
    }, delayMs);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [key]);
  return state;
}
