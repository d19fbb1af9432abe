// `kotodama label`: serves the preference-labelling page on this machine and appends each choice to --out.
// Pairs come from --pairs, or are sampled from --model for each --prompts line.
// Not here: the session (train/preference/), the routes (server/label.ts), the page (src/web/label/).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "../command.js";
import { intFlag, numberFlag, parseFlags } from "../command.js";
import { loadBackend } from "../../engine/backend.js";
import { openInferModel } from "../../infer/index.js";
import { isLoopback, listen, DEFAULT_HOST } from "../../server/http.js";
import { labelApp } from "../../server/label.js";
import { LabelSession, pairsSource, readPairs, readPrompts, SampledPairs, type PairSource, type SampleConfig } from "../../train/preference/index.js";
import { writeAtomic } from "../../train/checkpoint.js";
import { KotodamaError } from "../../util/errors.js";

const DEFAULT_TAGS = "helpful,correct,concise,safe,fluent";

const HELP = [
  "Usage: kotodama label --pairs FILE --out FILE [flags]",
  "       kotodama label --model MODEL --prompts FILE --out FILE [flags]",
  "",
  "Serves a page (http://127.0.0.1:PORT/label/) that shows a prompt and two answers side by side; pick one with",
  "the keyboard: ← left, → right, ↓ or t tie, s skip, 1–9 toggle a tag, u undo, ? help. Each choice is written",
  "to --out at once ({id, prompt | messages, chosen, rejected, source: \"label\", tags?, tie?, skip?} a line; the",
  "file is rewritten through a temp file and a rename, so a crash never leaves a partial line). Restarting with",
  "the same --out continues at the first pair without a label. The resolved settings go to FILE.config.json",
  "(sampled pairs resume only with the same sampling settings). See docs/labelling.md.",
  "",
  "Flags:",
  "  --pairs FILE          JSON Lines of {id?, prompt | messages, a, b} (id defaults to the line number)",
  "  --model PATH          sample the two answers from this model instead (GGUF, llama2.c, HF folder, run dir)",
  "  --prompts FILE        with --model: JSON Lines of {id?, prompt}",
  "  --tokenizer FILE      with --model: tokenizer to use instead of the model's own",
  "  --temperatures A,B    with --model: temperatures of answer a and answer b (default 0.7,1.0)",
  "  --seed N              with --model: answers of prompt i use seeds N+2i and N+2i+1 (default 0)",
  "  --max-tokens N        with --model: tokens per answer at most (default 128)",
  "  --out FILE            the labels (required); created if absent, resumed if present",
  `  --tags LIST           comma-separated reasons the person may tag (default ${DEFAULT_TAGS}; "" for none)`,
  `  --host ADDR           address to listen on (default ${DEFAULT_HOST}: this machine only)`,
  "  --port N              port (default 0: a free port)",
].join("\n");

function temperatures(v: unknown): [number, number] {
  if (v === undefined) return [0.7, 1.0];
  const parts = String(v).split(",");
  if (parts.length !== 2) throw new KotodamaError(`kotodama label: --temperatures expects two numbers A,B, got ${JSON.stringify(v)}`);
  return [numberFlag("label", "temperatures", parts[0], 0, 0, 100), numberFlag("label", "temperatures", parts[1], 0, 0, 100)];
}

/** Resumed labels name answers drawn with the saved settings; other settings would draw other answers. */
function sameSampling(saved: string, sample: SampleConfig): void {
  if (!existsSync(saved)) return;
  let old: unknown;
  try {
    old = (JSON.parse(readFileSync(saved, "utf8")) as { sample?: unknown }).sample;
  } catch (e) {
    throw new KotodamaError(`kotodama label: ${saved} is not valid JSON (${(e as Error).message})`);
  }
  if (old !== undefined && JSON.stringify(old) !== JSON.stringify(sample)) {
    throw new KotodamaError(`kotodama label: ${saved} records sampling settings ${JSON.stringify(old)}, not ${JSON.stringify(sample)}; resume with the same --temperatures, --seed and --max-tokens, or use another --out`);
  }
}

/** The flags a labelling session is made from (kotodama label's; serve --label-* passes the same). */
export interface LabelFlags {
  readonly out: string;
  readonly pairs?: string | boolean | undefined;
  readonly model?: string | boolean | undefined;
  readonly prompts?: string | boolean | undefined;
  readonly tokenizer?: string | boolean | undefined;
  readonly temperatures?: string | boolean | undefined;
  readonly seed?: string | boolean | undefined;
  readonly "max-tokens"?: string | boolean | undefined;
  readonly tags?: string | boolean | undefined;
}

/** The session of `--pairs FILE` or `--model M --prompts FILE`, resumed from `--out`, with the resolved settings
 *  written beside the labels (FILE.config.json). `cmd` names the command in errors ("label", "serve"). */
export function openLabelSession(cmd: string, v: LabelFlags): LabelSession {
  let source: PairSource;
  let inputs: Record<string, string>;
  let sample: SampleConfig | null = null;
  if (typeof v.pairs === "string") {
    if (v.model !== undefined || v.prompts !== undefined) throw new KotodamaError(`kotodama ${cmd}: give --pairs FILE, or --model with --prompts, not both`);
    source = pairsSource(readPairs(v.pairs));
    inputs = { pairs: resolve(v.pairs) };
  } else {
    if (typeof v.model !== "string" || typeof v.prompts !== "string") throw new KotodamaError(`kotodama ${cmd}: give --pairs FILE, or --model PATH with --prompts FILE`);
    const items = readPrompts(v.prompts);
    sample = { temperatures: temperatures(v.temperatures), seed: intFlag(cmd, "seed", v.seed, 0, 0), maxTokens: intFlag(cmd, "max-tokens", v["max-tokens"], 128, 1) };
    sameSampling(`${v.out}.config.json`, sample);
    const model = openInferModel(v.model, { backend: loadBackend(), ...(typeof v.tokenizer === "string" ? { tokenizer: v.tokenizer } : {}) });
    for (const n of model.notes) process.stderr.write(`note: ${n}\n`);
    source = new SampledPairs(model, items, sample);
    inputs = { model: resolve(v.model), prompts: resolve(v.prompts), ...(typeof v.tokenizer === "string" ? { tokenizer: resolve(v.tokenizer) } : {}) };
  }
  const tags = (typeof v.tags === "string" ? v.tags : DEFAULT_TAGS).split(",").map((t) => t.trim()).filter((t) => t !== "");
  if (tags.length > 9) throw new KotodamaError(`kotodama ${cmd}: --tags takes at most 9 tags (keys 1–9), got ${tags.length}`);
  const session = new LabelSession(source, v.out, tags);
  // The resolved settings beside the labels (as a run's config.json): where the pairs came from, how they were drawn.
  const resolved = { command: cmd, ...inputs, ...(sample === null ? {} : { sample }), tags };
  writeAtomic(`${v.out}.config.json`, (tmp) => writeFileSync(tmp, `${JSON.stringify(resolved, null, 2)}\n`));
  return session;
}

export const labelCommand: Command = {
  name: "label",
  summary: "label preference pairs in a local web page",
  help: HELP,
  async run(argv) {
    const { values: v } = parseFlags("label", argv, {
      pairs: { type: "string" }, model: { type: "string" }, prompts: { type: "string" }, tokenizer: { type: "string" },
      temperatures: { type: "string" }, seed: { type: "string" }, "max-tokens": { type: "string" },
      out: { type: "string" }, tags: { type: "string" }, host: { type: "string" }, port: { type: "string" },
    }, false);
    if (typeof v.out !== "string") throw new KotodamaError("kotodama label: --out FILE is required (where the labels go)");
    const session = openLabelSession("label", { ...v, out: v.out });
    const host = typeof v.host === "string" ? v.host : DEFAULT_HOST;
    const port = intFlag("label", "port", v.port, 0, 0, 65535);
    const server = await listen(labelApp(session, { host }), { host, port });
    const s = session.state();
    if (!isLoopback(host)) process.stderr.write(`warning: listening on ${host}: anyone who can reach this address can label and read the pairs\n`);
    process.stderr.write(`${s.done} of ${s.total} pairs labelled in ${v.out}${s.current === null ? " (all done)" : ""}\n`);
    process.stdout.write(`label: open ${server.url}/label/ (Ctrl-C to stop)\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await server.close();
    const end = session.state();
    process.stderr.write(`${end.done} of ${end.total} pairs labelled (${end.counts.preferred} preferred, ${end.counts.tie} ties, ${end.counts.skip} skips) in ${v.out}\n`);
    return 0;
  },
};
