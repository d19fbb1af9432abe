// A placeholder for a command whose issue has not landed yet: it says so honestly and exits 2.
// Not here: any behaviour. Each placeholder is replaced by the real command file when its issue lands.
import type { Command } from "../command.js";

export function pending(name: string, summary: string, issue: number): Command {
  const help = `kotodama ${name}: ${summary}\n\nNot available yet: this command arrives with issue #${issue}.`;
  return {
    name,
    summary: `${summary} (not yet: issue #${issue})`,
    help,
    run: async () => {
      process.stderr.write(`${help}\n`);
      return 2;
    },
  };
}
