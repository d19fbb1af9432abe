// `npm start` / `kotodama start`: the main job on the embedded default data.
// Until the model issue (#4) lands, the main job is the engine benchmark in quick mode with a short summary.
import type { Command } from "../command.js";
import { bench } from "./bench.js";

export const start: Command = {
  name: "start",
  summary: "the main job: run the default pipeline on the embedded data",
  help: [
    "Usage: kotodama start",
    "",
    "Runs kotodama's main job on the default data. Today: a quick engine benchmark (GEMM, attention,",
    "elementwise) on this machine with a short summary. With the model issue it trains the default model.",
  ].join("\n"),
  async run(argv) {
    return bench.run(["engine", "--quick", ...argv]);
  },
};
