// Error types with a stable shape: what was wrong, where, and what was expected.
// Not here: logging or process exit codes (the CLI maps errors to exit codes).

/** Bad input from a user or a file: the message names the op, file, field or flag, and what was expected. */
export class KotodamaError extends Error {
  override readonly name: string = "KotodamaError";
}

/** A tensor op was given shapes, dtypes or values it cannot accept. */
export class ShapeError extends KotodamaError {
  override readonly name = "ShapeError";
}

/** A file (model, tokenizer, data) is malformed. The message starts with the file path. */
export class FormatError extends KotodamaError {
  override readonly name = "FormatError";
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}
