// The formats layer's public API: GGUF, safetensors, Hugging Face folders, llama2.c checkpoints, ggml
// quantization, the Q/K RoPE row permutation, the common tensor-file view, the Llama and GPT-2 checkpoint layouts and
// conversion between formats. Not here: code (re-exports).
export * from "./gguf/index.js";
export * from "./safetensors/index.js";
export * from "./hf/folder.js";
export * from "./llama2c/read.js";
export * from "./quant/index.js";
export * from "./rope-permute.js";
export * from "./source.js";
export * from "./tensor-file.js";
export * from "./inspect.js";
export * from "./llama-layout.js";
export * from "./gpt2-layout.js";
export * from "./convert.js";
