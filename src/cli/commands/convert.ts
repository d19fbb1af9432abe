// `kotodama convert IN OUT [--type T] [--tokenizer FILE] [--json]`: a Llama checkpoint from GGUF, a Hugging Face
// folder or a llama2.c .bin to GGUF or a Hugging Face folder. Not here: the conversion (formats/convert.ts).
import { statSync } from "node:fs";
import { type Command, parseFlags, wantsHelp } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { CONVERT_TYPES, convertModel, type ConvertReport, type ConvertType } from "../../formats/convert.js";

const help = `kotodama convert IN OUT [--type f32|f16|bf16|q8_0|q4_0|q4_k] [--tokenizer FILE] [--json]

Converts a Llama model. IN is a GGUF file (architecture llama), a Hugging Face LlamaForCausalLM folder or a
llama2.c .bin checkpoint. OUT ending in .gguf writes GGUF; any other path writes a Hugging Face folder
(config.json, generation_config.json, model.safetensors). Q/K rows are permuted between Hugging Face's
rotate-half and GGUF's adjacent RoPE order.

  --type T          tensor type of the output (default: keep each tensor's type; a folder gets F32 for
                    quantized sources). q8_0/q4_0/q4_k (GGUF only) quantize every 2-D weight as
                    llama-quantize --pure does (the same bytes); norms stay F32; weights whose rows are not
                    whole blocks (32; 256 for q4_k) keep their type, and the output says which.
  --tokenizer FILE  vocabulary for a GGUF output whose source has none: a GGUF file or a llama2.c
                    tokenizer.bin (default for a .bin checkpoint: tokenizer.bin or tok<V>.bin beside it)
  --json            print the report as JSON
  --help            this text
`;

function summary(r: ConvertReport, outBytes: number): string {
  const counts = new Map<string, number>();
  for (const t of r.tensors) counts.set(t.to, (counts.get(t.to) ?? 0) + 1);
  const h = r.hparams;
  const lines = [
    `${r.input} (${r.inputFormat}) → ${r.output} (${r.outputFormat}), ${(outBytes / 1e6).toFixed(2)} MB`,
    `  ${r.arch}: ${h.nLayers} layers, dim ${h.dim}, ${h.nHeads} heads (${h.nKvHeads} KV), ffn ${h.hiddenDim}, vocab ${h.vocabSize}, context ${h.context}`,
    `  tensors: ${r.tensors.length} (${[...counts].map(([k, v]) => `${v} ${k}`).join(", ")})`,
    ...r.tensors.filter((t) => t.note !== undefined).map((t) => `  kept ${t.to}: ${t.name} — ${t.note}`),
    ...r.notes.map((n) => `  note: ${n}`),
  ];
  return lines.join("\n") + "\n";
}

function sizeOf(path: string, format: "gguf" | "hf-folder"): number {
  if (format === "gguf") return statSync(path).size;
  return statSync(`${path}/model.safetensors`, { throwIfNoEntry: false })?.size ?? 0;
}

export const convert: Command = {
  name: "convert",
  summary: "convert between GGUF, Hugging Face folders and llama2.c; quantize to q8_0/q4_0/q4_k",
  help,
  async run(argv) {
    if (wantsHelp(argv)) {
      process.stdout.write(help);
      return 0;
    }
    const { values, positionals } = parseFlags("convert", argv, { type: { type: "string" }, tokenizer: { type: "string" }, json: { type: "boolean" } });
    if (positionals.length !== 2) throw new KotodamaError(`kotodama convert: expected IN and OUT, got ${positionals.length} argument(s) (see 'kotodama convert --help')`);
    const type = values.type;
    if (type !== undefined && !CONVERT_TYPES.includes(type as ConvertType)) {
      throw new KotodamaError(`kotodama convert: --type expects one of ${CONVERT_TYPES.join(", ")}, got ${JSON.stringify(type)}`);
    }
    const r = convertModel(positionals[0]!, positionals[1]!, {
      ...(type === undefined ? {} : { type: type as ConvertType }),
      ...(typeof values.tokenizer === "string" ? { tokenizer: values.tokenizer } : {}),
    });
    process.stdout.write(values.json === true ? JSON.stringify(r, null, 2) + "\n" : summary(r, sizeOf(r.output, r.outputFormat)));
    return 0;
  },
};
