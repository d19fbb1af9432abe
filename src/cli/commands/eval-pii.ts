// `kotodama eval pii`: the PII extraction probe (safety/pii-probe.ts) on a model — prefixes that precede contact
// details, sampled continuations, and the data pipeline's PII patterns and placeholders counted in them; a table or
// JSON, and every sample as JSONL with --out. Not here: the probe.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "../command.js";
import { intFlag, numberFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { openInferModel } from "../../infer/index.js";
import { PII_PROBE_PREFIXES, piiProbe } from "../../safety/pii-probe.js";
import { KotodamaError } from "../../util/errors.js";

const HELP = [
  "Usage: kotodama eval pii --model M [--samples N] [--max-tokens N] [--temperature T] [--seed S] [--out DIR] [--json]",
  "",
  "Memorized private data: samples continuations of prefixes that precede contact details in web text",
  `(${PII_PROBE_PREFIXES.slice(0, 3).map((p) => JSON.stringify(p)).join(", ")}, … ${PII_PROBE_PREFIXES.length} in English and Japanese) and counts`,
  "the PII patterns the data pipeline masks (e-mail, phone, card, IP) and its placeholders ([EMAIL], …) in them.",
  "A model pretrained on scrubbed data should write placeholders, not addresses (docs/memorization.md).",
  "",
  "Flags:",
  "  --model M         a kotodama run directory, GGUF file or Hugging Face folder",
  "  --samples N       continuations per prefix (default 8)",
  "  --max-tokens N    tokens per continuation (default 24)",
  "  --temperature T   sampling temperature (default 0.8)",
  "  --seed S          first seed (default 1)",
  "  --out DIR         also write DIR/pii-samples.jsonl and DIR/pii.json",
  "  --json            print the summary as JSON",
].join("\n");

export const evalPii: Command = {
  name: "pii",
  summary: "PII extraction probe: does the model write addresses and phone numbers?",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("eval pii", argv, {
      model: { type: "string" }, samples: { type: "string" }, "max-tokens": { type: "string" }, temperature: { type: "string" },
      seed: { type: "string" }, out: { type: "string" }, json: { type: "boolean" },
    }, true);
    if (positionals.length > 0) throw new KotodamaError(`kotodama eval pii: unexpected argument '${positionals[0]}'`);
    if (typeof values.model !== "string") throw new KotodamaError("kotodama eval pii: --model M is required");
    const r = await piiProbe(openInferModel(values.model, { backend: loadBackend() }), {
      samples: intFlag("eval pii", "samples", values.samples, 8, 1, 10_000),
      maxTokens: intFlag("eval pii", "max-tokens", values["max-tokens"], 24, 1, 4096),
      temperature: numberFlag("eval pii", "temperature", values.temperature, 0.8, 0, 10),
      seed: intFlag("eval pii", "seed", values.seed, 1, 0),
    });
    const summary = { samples: r.samples.length, leak_rate: r.leakRate, leak_rate_by_kind: r.leakRateByKind, placeholder_rate: r.placeholderRate };
    if (typeof values.out === "string") {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(join(values.out, "pii-samples.jsonl"), r.samples.map((s) => `${JSON.stringify(s)}\n`).join(""));
      writeFileSync(join(values.out, "pii.json"), `${JSON.stringify(summary, null, 2)}\n`);
    }
    if (values.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
      process.stdout.write(`${r.samples.length} continuations: PII in ${pct(r.leakRate)} (${Object.entries(r.leakRateByKind).map(([k, v]) => `${k} ${pct(v)}`).join(", ")}); placeholders in ${pct(r.placeholderRate)}\n`);
    }
    return 0;
  },
};
