// Opening a model file or folder by its content (GGUF, llama2.c .bin, Hugging Face folder) through the family
// tables. Not here: the per-family names and keys (families/), reading tensors by them (load-family.ts), kotodama
// run directories and tokenizers (load.ts).
//
// Every Linear weight is returned (out, in) as torch.nn.Linear stores it (GPT-2's Conv1D (in, out) is transposed).
// Q/K rows keep the RoPE pair order of their file and the config says which it is: GGUF `llama` and llama2.c
// store adjacent pairs, Hugging Face and the other GGUF architectures rotate-half
// (../shared/reference/stories260K/README.md, "RoPE").
import { openTensorFile } from "../formats/index.js";
import { FormatError } from "../util/errors.js";
import { ggufFamilySource, hfFamilySource, llama2cFamilySource, type ModelSource, type SourceOptions } from "./load-family.js";

export type { ModelSource, ModelTensors, QuantTensor, SourceOptions } from "./load-family.js";

/** Opens any supported model file or folder by content. */
export function openModelSource(path: string, opts: SourceOptions = {}): ModelSource {
  const f = openTensorFile(path);
  switch (f.format) {
    case "gguf":
      return ggufFamilySource(f, opts);
    case "llama2c":
      return llama2cFamilySource(f);
    case "hf-folder":
      return hfFamilySource(f, opts);
    case "safetensors":
      throw new FormatError(path, "a bare .safetensors file has no config: pass its Hugging Face folder or kotodama run directory");
  }
}
