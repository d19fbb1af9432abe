// Pairs sampled from a model: two answers per --prompts line, answer a and answer b drawn with their own
// temperature and seed (seed + 2i, seed + 2i + 1 for prompt i, so a restart draws the same answers), generated a
// few pairs ahead of the person and off the request path (the loop yields to the event loop between tokens).
// Not here: chat templates (prompts are raw text, as `kotodama generate --prompt`), the session (session.ts).
import { generate, type InferModel } from "../../infer/index.js";
import { KotodamaError } from "../../util/errors.js";
import type { PreferencePair, PromptItem } from "./pairs.js";
import type { PairSource } from "./session.js";

export interface SampleConfig {
  /** Temperatures of answer a and answer b. */
  readonly temperatures: readonly [number, number];
  readonly seed: number;
  readonly maxTokens: number;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One answer, yielding to the event loop after every token so that the page stays responsive. */
async function answer(model: InferModel, prompt: string, temperature: number, seed: number, maxTokens: number): Promise<string> {
  const it = generate(model, prompt, { temperature, seed, maxTokens });
  for (;;) {
    const r = await it.next();
    if (r.done === true) return r.value.text;
    await tick();
  }
}

export class SampledPairs implements PairSource {
  private readonly ready = new Map<number, PreferencePair>();
  private queue: number[] = [];
  private running = false;
  error: string | null = null;

  constructor(private readonly model: InferModel, readonly items: readonly PromptItem[], private readonly config: SampleConfig) {
    for (const p of items) if (!("prompt" in p)) throw new KotodamaError(`--prompts: prompt ${JSON.stringify(p.id)} is a conversation ("messages"); sampling takes {prompt} lines of raw text`);
  }

  pair(i: number): PreferencePair | null {
    return this.ready.get(i) ?? null;
  }

  prefetch(indices: readonly number[]): void {
    this.queue = indices.filter((i) => !this.ready.has(i));
    if (!this.running && this.error === null) void this.run();
  }

  /** Resolves once the pairs at `indices` exist (or generation failed): for tests and scripts. */
  async waitFor(indices: readonly number[]): Promise<void> {
    this.prefetch(indices);
    while (this.error === null && !indices.every((i) => this.ready.has(i))) await new Promise((r) => setTimeout(r, 10));
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let i = this.queue.shift(); i !== undefined; i = this.queue.shift()) {
        if (this.ready.has(i)) continue;
        const item = this.items[i]!;
        const prompt = "prompt" in item ? item.prompt : "";
        const { temperatures: [ta, tb], seed, maxTokens } = this.config;
        const a = await answer(this.model, prompt, ta, seed + 2 * i, maxTokens);
        const b = await answer(this.model, prompt, tb, seed + 2 * i + 1, maxTokens);
        this.ready.set(i, { ...item, a, b });
      }
    } catch (e) {
      this.error = `generation failed: ${(e as Error).message}`;
    } finally {
      this.running = false;
    }
  }
}
