// The interactive loop every `kotodama chat` mode shares (a local model, `--endpoint`, `--rag`): stdin read line by
// line (through readline's async iterator, which buffers, so piped input is not lost while a reply is written),
// "> " on a terminal, the slash commands (/exit and /quit always; /system TEXT, /reset and /save FILE where the mode
// keeps a conversation), and a KotodamaError in one turn printed without ending the session.
// Not here: what a turn does (chat.ts, chat-endpoint.ts).
import { createInterface } from "node:readline";
import { KotodamaError } from "../../util/errors.js";

/** What the slash commands act on, for modes that keep a conversation. */
export interface ChatLoopSession {
  reset(): void;
  setSystem(system: string | null): void;
  save(file: string): void;
}

/** Runs until /exit, /quit or the end of input; `banner` goes to stderr first. */
export async function chatLoop(banner: string, onLine: (line: string) => Promise<void>, session: ChatLoopSession | null): Promise<void> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const prompt = (): void => void (process.stdin.isTTY === true ? process.stdout.write("> ") : undefined);
  const help = session === null ? "commands: /exit\n" : "commands: /system TEXT, /reset, /save FILE, /exit\n";
  process.stderr.write(`${banner}\n`);
  prompt();
  try {
    for await (const line of rl) {
      const cmd = /^\/(\w+)\s*(.*)$/s.exec(line.trim());
      if (cmd !== null) {
        const [, name, arg] = cmd;
        if (name === "exit" || name === "quit") break;
        else if (session !== null && name === "reset") session.reset();
        else if (session !== null && name === "system") session.setSystem(arg === "" ? null : arg!);
        else if (session !== null && name === "save" && arg !== "") session.save(arg!);
        else process.stderr.write(help);
      } else if (line.trim() !== "") {
        try {
          await onLine(line);
        } catch (e) {
          // A failed turn (a server down, a prompt past the context) ends neither the session nor the conversation.
          if (!(e instanceof KotodamaError)) throw e;
          process.stderr.write(`error: ${e.message}\n`);
        }
      }
      prompt();
    }
  } finally {
    rl.close();
  }
}
