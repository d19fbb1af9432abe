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
