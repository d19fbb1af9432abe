// `kotodama data prefs`: builds preference pairs (src/data/prefs) from ../shared/data and prints the counts.
// Not here: any data logic (src/data/prefs/build.ts) or the line format (src/data/prefs/format.ts).
import { resolve } from "node:path";
import { parseFlags } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { buildPrefs, prefsConfig, writePrefs } from "../../data/prefs/build.js";

export const PREFS_HELP = [
  "Usage: kotodama data prefs --out DIR [--data-dir DIR] [--quiet]",
  "",
  "Builds preference pairs {prompt | messages, chosen, rejected} from ../shared/data (docs/alignment.md):",
  "HH-RLHF harmless-base (chosen vs rejected last turn) and Do-Not-Answer (a harmless, appropriate response vs",
  "a harmful or instruction-following one on the same prompt). Held-out splits are the instruction data's",
  "(`data instruct`): the same HH-RLHF dialogues held out, and the safety evaluation's Do-Not-Answer prompts",
  "never used. Writes DIR/train.jsonl, DIR/heldout.jsonl, DIR/manifest.json (counts per source and split),",
  "DIR/config.json and DIR/LICENCES.md. Deterministic. Do-Not-Answer is non-commercial: never commit the output.",
  "",
  "  --out DIR        output folder (required)",
  "  --data-dir DIR   the data sets (default ../shared/data)",
  "  --quiet          no summary",
].join("\n");

export async function dataPrefs(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("data prefs", argv, { out: { type: "string" }, "data-dir": { type: "string" }, quiet: { type: "boolean" } }, false);
  if (typeof values.out !== "string") throw new KotodamaError("kotodama data prefs: --out DIR is required");
  const cfg = prefsConfig(typeof values["data-dir"] === "string" ? resolve(values["data-dir"]) : null);
  const t0 = performance.now();
  const m = writePrefs(values.out, buildPrefs(cfg));
  if (values.quiet !== true) {
    const lines = [`preference pairs in ${resolve(values.out)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`];
    for (const split of ["train", "heldout"] as const) lines.push(`  ${split.padEnd(8)} ${Object.entries(m.counts[split]).map(([s, n]) => `${s} ${n}`).join(", ") || "-"}`);
    const sk = Object.entries(m.skipped);
    if (sk.length > 0) lines.push(`  skipped: ${sk.map(([why, n]) => `${n} × ${why}`).join("; ")}`);
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  return 0;
}
