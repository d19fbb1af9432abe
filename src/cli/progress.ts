// The terminal progress bar of multi-step jobs (data prepare, rag index): one bar per step, on stderr.
// Not here: the jobs; they report { step, done, total, detail } and know nothing of the terminal.
import cliProgress from "cli-progress";

export interface StepProgress {
  readonly step: string;
  readonly done: number;
  readonly total: number;
  readonly detail: string;
}

/** A progress callback drawing one bar per step (none when quiet), and stop() to end the last bar. */
export function stepBar(quiet: boolean): { onProgress: (p: StepProgress) => void; stop: () => void } {
  const bar = quiet ? null : new cliProgress.SingleBar({ format: "{step} |{bar}| {percentage}% {detail}", stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  let current = "";
  const onProgress = (p: StepProgress): void => {
    if (bar === null) return;
    if (p.step !== current) {
      if (current !== "") bar.stop();
      current = p.step;
      bar.start(Math.max(1, p.total), 0, { step: p.step.padEnd(6), detail: p.detail });
    }
    bar.update(Math.min(p.done, Math.max(1, p.total)), { step: p.step.padEnd(6), detail: p.detail });
  };
  return { onProgress, stop: () => bar?.stop() };
}

export interface ByteStep {
  readonly file: string;
  readonly done: number;
  readonly total: number | null;
}

/** 1536 → "1.5 KiB". */
export function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A download bar per file (bytes, rate, ETA) on stderr, none when quiet. The rate counts this session's
 *  bytes only, so a resumed file does not report the resumed part as speed. */
export function byteBar(quiet: boolean): { onProgress: (p: ByteStep) => void; stop: () => void } {
  const bar = quiet ? null : new cliProgress.SingleBar({ format: "{file} |{bar}| {bytes} {rate} ETA {eta_formatted}", stream: process.stderr, hideCursor: true, etaBuffer: 50 }, cliProgress.Presets.shades_classic);
  let current = "";
  let t0 = 0;
  let first = 0;
  const onProgress = (p: ByteStep): void => {
    if (bar === null) return;
    const total = Math.max(1, p.total ?? p.done);
    if (p.file !== current) {
      if (current !== "") bar.stop();
      current = p.file;
      t0 = performance.now();
      first = p.done;
      bar.start(total, p.done, { file: p.file, bytes: "", rate: "" });
    }
    const s = (performance.now() - t0) / 1000;
    const rate = s > 0 ? (p.done - first) / s : 0;
    bar.setTotal(total);
    bar.update(p.done, { file: p.file, bytes: `${humanBytes(p.done)}/${p.total === null ? "?" : humanBytes(p.total)}`, rate: `${humanBytes(rate)}/s` });
  };
  return { onProgress, stop: () => bar?.stop() };
}
