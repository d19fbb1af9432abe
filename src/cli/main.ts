// Entry point of `kotodama`: finds the command, runs it, maps errors to exit codes.
// Not here: command logic (src/cli/commands/*).
import { KotodamaError } from "../util/errors.js";
import { COMMANDS } from "./commands/index.js";

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "kotodama — build, run, explain and audit language models",
    "",
    "Usage: kotodama COMMAND [flags]   (every command takes --help)",
    "",
    "Commands:",
    ...lines,
    "",
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    process.stdout.write("kotodama 0.1.0\n");
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`kotodama: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes("--help") && !(command.ownHelp === true && rest[0] !== "--help")) {
    process.stdout.write(command.help.endsWith("\n") ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof KotodamaError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
