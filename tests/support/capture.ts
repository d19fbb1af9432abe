// For CLI tests: runs a command with stdout captured and stderr silenced. Not here: any assertion.

/** Runs fn with stdout captured and stderr silenced; returns what went to stdout. */
export async function captureStdout(fn: () => Promise<unknown>): Promise<string> {
  const w = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  let out = "";
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stdout.write = w;
    process.stderr.write = e;
  }
  return out;
}
