// `kotodama bench NAME`: dispatches to the benchmarks in bench/ (outside the library, STYLE.md principle 13).
// Not here: measurement code.
import type { Command } from "../command.js";
import { KotodamaError } from "../../util/errors.js";

interface BenchModule {
  readonly summary: string;
  readonly help: string;
  run(argv: readonly string[]): Promise<number>;
}

/** Bench name → module path relative to this file (compiled layout: dist/src/cli/commands → dist/bench). */
const BENCHES: Readonly<Record<string, string>> = {
  engine: "../../../bench/engine.js",
  tokenizer: "../../../bench/tokenizer.js",
  data: "../../../bench/data.js",
  "data-filters": "../../../bench/data-filters.js",
  train: "../../../bench/train.js",
  decode: "../../../bench/decode.js",
  quant: "../../../bench/quant.js",
  rag: "../../../bench/rag.js",
  "rag-dense": "../../../bench/rag-dense.js",
  "rag-ann": "../../../bench/rag-ann.js",
  qlora: "../../../bench/qlora.js",
  dpo: "../../../bench/dpo.js",
  rollout: "../../../bench/rollout.js",
  sft: "../../../bench/sft.js",
  serve: "../../../bench/serve.js",
  beam: "../../../bench/beam.js",
  constrain: "../../../bench/constrain.js",
};

async function load(name: string): Promise<BenchModule> {
  const path = BENCHES[name];
  if (path === undefined) {
    throw new KotodamaError(`kotodama bench: unknown benchmark '${name}'; expected one of: ${Object.keys(BENCHES).join(", ")}, all`);
  }
  return (await import(path)) as BenchModule;
}

export const bench: Command = {
  name: "bench",
  ownHelp: true,
  summary: "measure speed against anchors (engine, ...)",
  help: [
    "Usage: kotodama bench NAME [flags]",
    "",
    `Benchmarks: ${Object.keys(BENCHES).join(", ")}, all (each in turn with default flags).`,
    "Run 'kotodama bench NAME --help' for a benchmark's flags.",
  ].join("\n"),
  async run(argv) {
    const [name, ...rest] = argv;
    if (name === undefined) throw new KotodamaError("kotodama bench: name a benchmark (see 'kotodama bench --help')");
    if (name === "all") {
      let rc = 0;
      for (const n of Object.keys(BENCHES)) rc = Math.max(rc, await (await load(n)).run(rest));
      return rc;
    }
    const mod = await load(name);
    if (rest.includes("--help")) {
      process.stdout.write(`${mod.help}\n`);
      return 0;
    }
    return mod.run(rest);
  },
};
