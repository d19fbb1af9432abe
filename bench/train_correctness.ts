// `kotodama bench train --correctness`: trains kotodama and the PyTorch reference (bench/torch_ref.py) on the same
// token stream with the same hyper-parameters, schedule and batch order (tiny: 500 steps on a 65-symbol character
// stream of TinyStories; small: 200 steps on a 4096-token BPE stream), compares the final validation losses
// (goal: within 3%) and draws both curves in one SVG. Not here: library code.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../src/engine/backend.js";
import { trainBpe } from "../src/tokenizer/index.js";
import { lossCurveSvg, readMetrics, resolveRunConfig, runConfigJson, train, type RunConfig, type Series, type TokenData } from "../src/train/index.js";
import { KotodamaError } from "../src/util/errors.js";
import { packageRoot, sharedPath } from "../src/util/paths.js";

export interface CorrectnessResult {
  readonly preset: string;
  readonly steps: number;
  readonly kotodamaValLoss: number;
  readonly torchValLoss: number;
  readonly relDiff: number;
  readonly series: Series[];
}

/** tiny: the 64 most frequent characters of the train text → 0..63, everything else → 64 (vocab 65). */
function charStreams(trainText: string, valText: string): { train: Uint16Array; val: Uint16Array } {
  const counts = new Map<string, number>();
  for (const ch of trainText) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 64).map(([c]) => c);
  const id = new Map(top.map((c, i) => [c, i]));
  const enc = (s: string): Uint16Array => Uint16Array.from([...s], (c) => id.get(c) ?? 64);
  return { train: enc(trainText), val: enc(valText) };
}

function bpeStreams(trainText: string, valText: string, V: number): { train: Uint16Array; val: Uint16Array } {
  const tok = trainBpe({ texts: [trainText], vocabSize: V, minFrequency: 1, addBos: false });
  if (tok.vocabSize !== V) throw new KotodamaError(`bench train --correctness: BPE reached only ${tok.vocabSize} tokens`);
  return { train: Uint16Array.from(tok.encode(trainText, { addBos: false })), val: Uint16Array.from(tok.encode(valText, { addBos: false })) };
}

export function correctness(preset: "tiny" | "small", threads: number, log: (s: string) => void): CorrectnessResult {
  const trainPath = sharedPath("data", "tinystories", "tinystories_sample.txt");
  const valPath = sharedPath("data", "tinystories", "tinystories_val.txt");
  if (trainPath === null || valPath === null) throw new KotodamaError("bench train --correctness needs ../shared/data/tinystories");
  const trainText = readFileSync(trainPath, "utf8");
  const valText = readFileSync(valPath, "utf8").slice(0, 300_000);
  const steps = preset === "tiny" ? 500 : 200;
  const base = resolveRunConfig(preset);
  const run: RunConfig = { ...base, train: { ...base.train, maxSteps: steps, evalInterval: preset === "tiny" ? 50 : 25, evalBatches: preset === "tiny" ? 20 : 10, checkpointInterval: 0 } };
  const s = preset === "tiny" ? charStreams(trainText, valText) : bpeStreams(trainText, valText, run.model.vocabSize);
  log(`${preset}: ${s.train.length} train / ${s.val.length} val tokens, ${steps} steps`);
  const data: TokenData = { train: s.train, val: s.val, vocabSize: run.model.vocabSize, description: "tinystories", tokenizerPath: null };
  const dir = mkdtempSync(join(tmpdir(), `kd-correct-${preset}-`));
  try {
    const ours = train({ run, data, backend: loadBackend({ threads }), outDir: dir, onProgress: (p) => p.valLoss !== undefined && log(`  kotodama step ${p.step} val ${p.valLoss.toFixed(4)}`) });
    const ourMetrics = readMetrics(join(dir, "metrics.jsonl"));
    writeFileSync(join(dir, "cfg.json"), runConfigJson(run));
    writeFileSync(join(dir, "train.u16"), s.train);
    writeFileSync(join(dir, "val.u16"), s.val);
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
    const r = spawnSync("/usr/bin/python3", [join(packageRoot(), "bench", "torch_ref.py"), "--config", join(dir, "cfg.json"), "--train", join(dir, "train.u16"), "--val", join(dir, "val.u16"), "--threads", String(threads)], { env, encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new KotodamaError(`torch_ref.py failed: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const torchRecs = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { step: number; train_loss: number; val_loss?: number });
    const tv = torchRecs.filter((x) => x.val_loss !== undefined).slice(-1)[0]?.val_loss ?? NaN;
    const ov = ours.lastValLoss ?? NaN;
    const smooth = (pts: [number, number][], k = 10): [number, number][] => pts.map(([x], i) => [x, pts.slice(Math.max(0, i - k + 1), i + 1).reduce((a, p) => a + p[1], 0) / Math.min(k, i + 1)]);
    const series: Series[] = [
      { name: "kotodama train (avg 10)", color: "#1f77b4", points: smooth(ourMetrics.map((m) => [m.step, m.train_loss])) },
      { name: "kotodama val", color: "#1f77b4", markers: true, points: ourMetrics.filter((m) => m.val_loss !== undefined).map((m) => [m.step, m.val_loss as number]) },
      { name: "PyTorch train (avg 10)", color: "#ff7f0e", points: smooth(torchRecs.map((m) => [m.step, m.train_loss])) },
      { name: "PyTorch val", color: "#ff7f0e", markers: true, points: torchRecs.filter((m) => m.val_loss !== undefined).map((m) => [m.step, m.val_loss as number]) },
    ];
    return { preset, steps, kotodamaValLoss: ov, torchValLoss: tv, relDiff: Math.abs(ov - tv) / tv, series };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both presets' curves side by side in one SVG. */
export function correctnessSvg(results: readonly CorrectnessResult[]): string {
  const parts = results.map((r) =>
    lossCurveSvg(r.series, { title: `${r.preset}: val ${r.kotodamaValLoss.toFixed(3)} (kotodama) vs ${r.torchValLoss.toFixed(3)} (PyTorch), ${(r.relDiff * 100).toFixed(1)}% apart`, width: 560, height: 380 }),
  );
  const inner = parts.map((svg, i) => svg.replace(/^<svg [^>]*>/, `<g transform="translate(${i * 570} 0)">`).replace(/<\/svg>\s*$/, "</g>"));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${570 * parts.length}" height="380" font-family="sans-serif" font-size="12">\n${inner.join("\n")}\n</svg>\n`;
}
