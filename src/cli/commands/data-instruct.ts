// `kotodama data instruct`: parse flags (and an optional JSON override) → InstructConfig, build the instruction
// data from ../shared/data, write it, show progress and a summary. Not here: any data logic (src/data/instruct/).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import cliProgress from "cli-progress";
import { parseFlags, intFlag } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { parseInstructConfig } from "../../data/instruct/config.js";
import { buildInstructData, type InstructProgress } from "../../data/instruct/build.js";
import { writeInstructData } from "../../data/instruct/writer.js";

export const INSTRUCT_HELP = [
  "Usage: kotodama data instruct --out DIR [--config FILE] [--seed N] [--data-dir DIR] [--quiet]",
  "",
  "Builds instruction-tuning data in chat form from ../shared/data (docs/data.md, 'Instruction data'):",
  "Self-Instruct, CEFR-SP, ASSET, TinyStories- and Aozora-derived tasks, Do-Not-Answer, HH-RLHF.",
  "Writes DIR/train.jsonl, DIR/heldout/<task>.jsonl, DIR/splits.json (every held-out id), DIR/manifest.json",
  "(counts, licences; non-commercial marked), DIR/config.json (the resolved config) and DIR/report.html.",
  "Same seed, same bytes. Several sources are non-commercial: never commit or ship the output.",
  "",
  "  --out DIR        output folder (required)",
  "  --config FILE    JSON override of the defaults (src/data/instruct/config.ts); unknown keys are errors",
  "  --seed N         seed of every random choice (overrides the config's)",
  "  --data-dir DIR   the data sets (default ../shared/data)",
  "  --quiet          no progress bar or summary",
].join("\n");

const FLAGS = {
  out: { type: "string" },
  config: { type: "string" },
  seed: { type: "string" },
  "data-dir": { type: "string" },
  quiet: { type: "boolean" },
} as const;

export async function dataInstruct(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("data instruct", argv, FLAGS, false);
  if (typeof values.out !== "string") throw new KotodamaError("kotodama data instruct: --out DIR is required");
  let json: Record<string, unknown> = {};
  let file = "flags";
  if (typeof values.config === "string") {
    file = resolve(values.config);
    try {
      json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new KotodamaError(`kotodama data instruct: cannot read --config ${values.config}: ${(e as Error).message}`);
    }
  }
  if (values.seed !== undefined) json = { ...json, seed: intFlag("data instruct", "seed", values.seed, 0, 0, Number.MAX_SAFE_INTEGER) };
  if (typeof values["data-dir"] === "string") json = { ...json, dataDir: resolve(values["data-dir"]) };
  const cfg = parseInstructConfig(json, file);
  const quiet = values.quiet === true;
  const started = performance.now();
  const bar = quiet ? null : new cliProgress.SingleBar({ format: "instruct |{bar}| {value}/{total} {source}", stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  const onProgress = (p: InstructProgress): void => {
    if (bar === null) return;
    if (p.done === 0) bar.start(p.total, 0, { source: p.source });
    bar.update(p.done, { source: p.source });
  };
  const built = buildInstructData(cfg, onProgress);
  bar?.stop();
  const m = writeInstructData(values.out, built);
  if (!quiet) {
    const lines = [`${m.totals.train} training examples, ${m.totals.heldOut} held out (seed ${m.seed}) in ${((performance.now() - started) / 1000).toFixed(1)} s`];
    for (const [task, bySrc] of Object.entries(m.train)) lines.push(`  train   ${task.padEnd(15)} ${Object.entries(bySrc).map(([s, n]) => `${s} ${n}`).join(", ")}`);
    for (const [task, bySrc] of Object.entries(m.heldOut)) lines.push(`  heldout ${task.padEnd(15)} ${Object.entries(bySrc).map(([s, n]) => `${s} ${n}`).join(", ")}`);
    lines.push(`  dropped: ${JSON.stringify(m.decontaminated)} (prompt equals a held-out prompt); ${m.skipped.count} malformed records skipped`);
    lines.push(`report: ${resolve(values.out, "report.html")}`);
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  return 0;
}
