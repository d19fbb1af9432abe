// For CLI tests: runs a command with stdout captured and stderr silenced. Not here: any assertion.

/** Runs fn with stdout captured and stderr silenced; returns what went to stdout. */
export async function captureStdout(fn: () => Promise<unknown>): Promise<string> {
  const w = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  let out = "";
  // Strings only: under `node --test` the runner itself reports through this process's stdout with binary chunks
  // (Uint8Array), which may arrive while an async command runs; they pass through untouched.
  process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) => (typeof s === "string" ? ((out += s), true) : (w as (...a: unknown[]) => boolean)(s, ...rest))) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stdout.write = w;
    process.stderr.write = e;
  }
  return out;
}
