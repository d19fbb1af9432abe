// A task model behind any OpenAI-compatible /v1/completions endpoint (kotodama serve, vLLM, llama-server with
// echo support…), as lm-evaluation-harness's local-completions does it: log-likelihoods from one request per
// document with every choice as a prompt (EndpointResponder.echoLoglikelihoods: echo, the tokens whose text_offset
// is at or after the context's end — the rule lm.ts applies to a local model); greedy
// generations with temperature 0 and the task's stop strings. Not here: HTTP retries and errors (infer/endpoint.ts).
import { ContextLengthError, type EndpointResponder } from "../../infer/endpoint.js";
import { ContextOverflowError, type GenerationRequest, type Loglikelihood, type LoglikelihoodRequest, type TaskModel } from "./lm.js";

async function overflowAware<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof ContextLengthError) throw new ContextOverflowError(e.message);
    throw e;
  }
}

export class EndpointTaskModel implements TaskModel {
  readonly name: string;
  readonly settings: Readonly<Record<string, unknown>>;
  constructor(private readonly endpoint: EndpointResponder) {
    this.name = endpoint.name;
    this.settings = { backend: "endpoint", ...endpoint.settings };
  }

  async loglikelihood(requests: readonly LoglikelihoodRequest[]): Promise<Loglikelihood[]> {
    return overflowAware(() => this.endpoint.echoLoglikelihoods(requests));
  }

  async generate(requests: readonly GenerationRequest[]): Promise<string[]> {
    const out: string[] = [];
    for (const r of requests) {
      const [c] = await overflowAware(() => this.endpoint.complete({ prompt: r.context, max_tokens: r.maxTokens, stop: r.until, temperature: 0, seed: 0 }));
      out.push(c!.text);
    }
    return out;
  }
}
