// llama.cpp's load-time token attribute overrides, which GGUF files do not carry but which change tokenization:
// tokens named like end-of-generation / fill-in-the-middle markers become control tokens, gpt-oss's channel markers
// user-defined, and Phi-3 / Jina / nomic-bert-moe / ModernBERT special tokens strip whitespace beside them.
// Source: llama.cpp src/llama-vocab.cpp llama_vocab::impl::load (the commit node-llama-cpp 3.22.1 bundles).
// Not here: the tokenizers that apply them (spm.ts, bpe.ts, special.ts), reading GGUF (gguf-vocab.ts).

import { TokenType } from "./spm.js";

/** Names llama.cpp forces to CONTROL: its end-of-generation list (always scanned) and its FIM lists (scanned when
 *  the file names no FIM token; files from today's converter rarely do). */
const FORCED_CONTROL = new Set([
  "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>",
  "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
  "<\uff5cend\u2581of\u2581sentence\uff5c>", "[e~[",
]);
const FIM: Readonly<Record<string, readonly string[]>> = {
  fim_pre_token_id: ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\uff5cfim\u2581begin\uff5c>", "<PRE>", "\u2581<PRE>", "<|code_prefix|>", "<|prefix|>"],
  fim_suf_token_id: ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\uff5cfim\u2581hole\uff5c>", "<SUF>", "\u2581<SUF>", "<|code_suffix|>", "<|suffix|>"],
  fim_mid_token_id: ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\uff5cfim\u2581end\uff5c>", "<MID>", "\u2581<MID>", "<|code_middle|>", "<|middle|>"],
  fim_pad_token_id: ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"],
  fim_rep_token_id: ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"],
  fim_sep_token_id: ["<|file_sep|>"],
};
/** gpt-oss: "always render these tokens" — set to USER_DEFINED whatever the file says. */
const FORCED_USER = new Set(["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]);

export interface LlamaCppAttrs {
  /** Token types after the overrides (a copy; the input is not changed). */
  readonly types: Int32Array;
  /** Added tokens after which whitespace is dropped (llama.cpp LLAMA_TOKEN_ATTR_RSTRIP). */
  readonly rstrip: ReadonlySet<number>;
  /** Added tokens before which whitespace is dropped (LLAMA_TOKEN_ATTR_LSTRIP). */
  readonly lstrip: ReadonlySet<number>;
}

export interface LlamaCppNames {
  /** general.name (lower-cased by llama.cpp before matching "phi-3", "phi3", "modern-bert"). */
  readonly modelName?: string | undefined;
  readonly arch?: string | undefined;
  readonly pre?: string | undefined;
  /** Whether the file sets tokenizer.ggml.<key> (a FIM list is scanned only when it does not). */
  readonly hasKey: (key: string) => boolean;
}

/** Applies llama.cpp's overrides to `types` (GGUF token types) of `vocab`. */
export function llamaCppTokenAttrs(vocab: readonly string[], rawTypes: ArrayLike<number>, names: LlamaCppNames): LlamaCppAttrs {
  const types = Int32Array.from(rawTypes);
  const idOf = new Map<string, number>();
  vocab.forEach((t, i) => idOf.set(t, i)); // llama.cpp's token_to_id: the last of duplicate texts wins
  const control = new Set(FORCED_CONTROL);
  for (const [key, list] of Object.entries(FIM)) if (!names.hasKey(key)) for (const n of list) control.add(n);
  // Gemma 4 / PaddleOCR: with "<|tool_response>" present, "</s>" is not end-of-generation and becomes NORMAL.
  const sNormal = idOf.has("<|tool_response>") && idOf.has("</s>");
  for (const n of control) {
    const id = idOf.get(n);
    if (id === undefined) continue;
    if (n === "</s>" && sNormal) types[id] = TokenType.normal;
    else if (types[id] !== TokenType.control) types[id] = TokenType.control;
  }
  for (const n of FORCED_USER) {
    const id = idOf.get(n);
    if (id !== undefined) types[id] = TokenType.userDefined;
  }
  const rstrip = new Set<number>();
  const lstrip = new Set<number>();
  const name = (names.modelName ?? "").toLowerCase();
  const pre = names.pre ?? "";
  const arch = names.arch ?? "";
  const isAddedType = (t: number): boolean => t === TokenType.control || t === TokenType.userDefined || t === TokenType.unknown;
  if (["jina-v2-de", "jina-v2-es", "jina-v2-code"].some((x) => pre.includes(x)) || ["nomic-bert-moe", "jina-bert-v3"].some((x) => arch.includes(x))) {
    const id = idOf.get("<mask>");
    if (id !== undefined) lstrip.add(id);
  } else if (name.includes("phi-3") || name.includes("phi3")) {
    types.forEach((t, id) => {
      if (isAddedType(t)) rstrip.add(id);
    });
    const s = idOf.get("</s>");
    if (s !== undefined) rstrip.add(s);
    for (const n of ["<unk>", "<s>", "<|endoftext|>"]) {
      const id = idOf.get(n);
      if (id !== undefined) rstrip.delete(id);
    }
  } else if (name.includes("modern-bert")) {
    const id = idOf.get("[MASK]");
    if (id !== undefined) lstrip.add(id);
  }
  return { types, rstrip, lstrip };
}
