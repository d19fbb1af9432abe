// A task model behind any OpenAI-compatible /v1/completions endpoint (kotodama serve, vLLM, llama-server with
// echo support…), as lm-evaluation-harness's local-completions does it: log-likelihoods from one request per
// document with every choice as a prompt, echo: true, logprobs: 1, max_tokens: 0, summing the logprobs of the
// tokens whose text_offset is at or after the context's end (the rule lm.ts applies to a local model); greedy
// generations with temperature 0 and the task's stop strings. Not here: HTTP retries and errors (infer/endpoint.ts).
import { ContextLengthError, type EndpointResponder } from "../../infer/endpoint.js";
import { KotodamaError } from "../../util/errors.js";
import { ContextOverflowError, continuationStart, type GenerationRequest, type Loglikelihood, type LoglikelihoodRequest, type TaskModel } from "./lm.js";

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
    const where = `${this.endpoint.url}/completions`;
    const prompts = requests.map((r) => r.context + r.continuation);
    const choices = await overflowAware(() => this.endpoint.complete({ prompt: prompts, max_tokens: 0, echo: true, logprobs: 1, temperature: 0 }));
    if (choices.length !== prompts.length) throw new KotodamaError(`${where}: ${choices.length} choices for ${prompts.length} prompts`);
    return choices.map((c, k) => {
      const lp = c.logprobs;
      const offsets = lp?.text_offset, values = lp?.token_logprobs;
      if (offsets === undefined || values === undefined || offsets.length !== values.length) throw new KotodamaError(`${where}: the answer has no logprobs.text_offset / token_logprobs (does the server support echo with logprobs?)`);
      if (!c.text.startsWith(prompts[k]!)) throw new KotodamaError(`${where}: the echoed text does not begin with the prompt (the server normalized it?), so text_offset cannot locate the continuation`);
      const first = continuationStart(offsets, requests[k]!.context.length, where);
      let logprob = 0;
      for (let i = first; i < values.length; i++) {
        if (offsets[i]! >= prompts[k]!.length) break; // generated tokens, if the server made any
        const v = values[i];
        if (typeof v !== "number") throw new KotodamaError(`${where}: token ${i} of the continuation has no logprob`);
        logprob += v;
      }
      return { logprob, tokens: values.length - first };
    });
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
