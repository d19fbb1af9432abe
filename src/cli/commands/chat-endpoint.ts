// `kotodama chat --endpoint URL --api-model NAME`: the same chat against a model served elsewhere (llama.cpp's
// llama-server, vLLM, Ollama, `kotodama serve`) through its OpenAI-compatible chat completions — the conversation
// kept here and sent whole each turn, greedy replies (temperature 0, as everything kotodama evaluates through an
// endpoint), --system, --message [--json], the interactive /system /reset /save /exit; with --guard the guard checks
// each message and reply in front of the served model, as it does in front of a local one. The retrieval chat
// (`--rag INDEX`) runs in chat.ts with the endpoint as its generator (askModelsFlags). Not here: HTTP and retries
// (src/infer/endpoint.ts), the flags' parser (cli/endpoint-flags.ts), the guard (src/safety).
import { writeFileSync } from "node:fs";
import type { ChatTurn } from "../../infer/responder.js";
import type { EndpointResponder } from "../../infer/endpoint.js";
import { guarded } from "../../safety/guard-wrapper.js";
import type { AnyGuard } from "../../safety/guard-check.js";
import { chatLoop } from "./chat-loop.js";
import { printGuarded } from "./generate.js";

/** Reply length when --max-tokens is not given. */
export const ENDPOINT_CHAT_MAX_TOKENS = 512;

export interface EndpointChatOptions {
  readonly responder: EndpointResponder;
  readonly system: string | null;
  readonly maxTokens: number;
  readonly guard: AnyGuard | null;
  /** One turn: print its reply and return. */
  readonly message: string | null;
  readonly json: boolean;
}

/** A conversation with an endpoint: the messages so far, the system message first. */
export class EndpointConversation {
  private turns: ChatTurn[] = [];
  constructor(private readonly responder: EndpointResponder, private system: string | null, private readonly maxTokens: number) {}

  messages(): ChatTurn[] {
    return [...(this.system === null ? [] : [{ role: "system" as const, content: this.system }]), ...this.turns];
  }

  setSystem(s: string | null): void {
    this.system = s;
  }

  reset(): void {
    this.turns = [];
  }

  /** Sends the conversation with `text` as the next user message; the exchange is kept only when the server
   *  answered (a failed request leaves the conversation as it was). */
  async send(text: string): Promise<{ reply: string; generatedTokens: number }> {
    const user: ChatTurn = { role: "user", content: text };
    const a = await this.responder.answerOne([...this.messages(), user], { maxTokens: this.maxTokens });
    this.turns.push(user, { role: "assistant", content: a.text });
    return { reply: a.text, generatedTokens: a.generatedTokens };
  }
}

export async function endpointChat(o: EndpointChatOptions): Promise<number> {
  const conv = new EndpointConversation(o.responder, o.system, o.maxTokens);
  const say = async (text: string, json: boolean): Promise<void> => {
    if (o.guard !== null) {
      let tokens = 0;
      const r = await guarded(o.guard, async (t) => {
        const a = await conv.send(t);
        tokens = a.generatedTokens;
        return a.reply;
      })(text);
      printGuarded(r, json, { generated_tokens: tokens, endpoint: o.responder.url, api_model: o.responder.model });
      return;
    }
    const a = await conv.send(text);
    if (json) process.stdout.write(`${JSON.stringify({ reply: a.reply, generated_tokens: a.generatedTokens, endpoint: o.responder.url, api_model: o.responder.model })}\n`);
    else process.stdout.write(`${a.reply}\n`);
  };
  if (o.message !== null) {
    await say(o.message, o.json);
    return 0;
  }
  const session = {
    reset: () => conv.reset(),
    setSystem: (x: string | null) => conv.setSystem(x),
    save: (file: string) => writeFileSync(file, `${JSON.stringify({ endpoint: o.responder.url, model: o.responder.model, messages: conv.messages() }, null, 2)}\n`),
  };
  await chatLoop(`kotodama chat — ${o.responder.name}${o.guard === null ? "" : ", guarded"}; greedy replies; /exit to quit`, (line) => say(line, false), session);
  return 0;
}
