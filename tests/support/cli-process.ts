// Runs the compiled CLI in a child process with given stdin, for end-to-end command tests.
// Not here: assertions; each test checks the exit code, stdout and stderr it gets back.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const mainJs = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export function runCli(args: readonly string[], input = "", env?: NodeJS.ProcessEnv): { rc: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ["-e", `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`, "--", ...args], {
    input,
    encoding: "utf8",
    ...(env !== undefined ? { env } : {}),
  });
  return { rc: r.status ?? -1, out: r.stdout, err: r.stderr };
}
