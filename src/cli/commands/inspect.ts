// `kotodama inspect FILE [--json]`: what a model file holds (GGUF, safetensors, Hugging Face folder,
// llama2.c .bin). Not here: the report itself (formats/inspect.ts) — this file parses flags and prints.
import { type Command, parseFlags, wantsHelp } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { openTensorFile } from "../../formats/tensor-file.js";
import { formatInspect, inspectReport } from "../../formats/inspect.js";

const help = `kotodama inspect FILE [--json]

Shows a model file's format, metadata (long arrays summarized), tensors with shape, dtype and bytes, the
parameter count and the size on disk. FILE is a GGUF file, a .safetensors file, a Hugging Face model folder
(config.json + model.safetensors or sharded with model.safetensors.index.json) or a llama2.c .bin checkpoint.
Only headers are read.

  --json    print the report as JSON instead of text
  --help    this text
`;

export const inspect: Command = {
  name: "inspect",
  summary: "show a model file's metadata and tensors",
  help,
  async run(argv) {
    if (wantsHelp(argv)) {
      process.stdout.write(help);
      return 0;
    }
    const { values, positionals } = parseFlags("inspect", argv, { json: { type: "boolean" } });
    if (positionals.length !== 1) throw new KotodamaError(`kotodama inspect: expected one FILE, got ${positionals.length} (see 'kotodama inspect --help')`);
    const f = openTensorFile(positionals[0]!);
    process.stdout.write(values.json === true ? JSON.stringify(inspectReport(f), null, 2) + "\n" : formatInspect(f));
    return 0;
  },
};
