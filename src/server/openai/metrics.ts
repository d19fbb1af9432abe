// The server's Prometheus metrics (text exposition format 0.0.4): requests by endpoint and status, a request latency
// histogram, prompt and generated tokens by model, cancelled generations, queue depth, running jobs, the batch
// size of each batched decode step, and loaded models. Not here: who counts (app.ts, queue.ts) or serving /metrics (app.ts).

/** Upper bounds (seconds) of the latency histogram's buckets. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Upper bounds of the batch-size histogram's buckets (sequences in one batched decode step). */
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128] as const;

/** Label values are escaped as the format asks (backslash, quote, newline). */
const esc = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export interface Gauges {
  readonly queueDepth: number;
  readonly running: number;
}

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly generated = new Map<string, number>();
  private readonly prompt = new Map<string, number>();
  private cancelled = 0;
  private rejected = 0;
  private loaded: readonly string[] = [];
  private loadedBytes = 0;
  private readonly batch: Histogram = { counts: BATCH_BUCKETS.map(() => 0), sum: 0, count: 0 };

  request(endpoint: string, status: number, seconds: number): void {
    const key = `${endpoint}\u0000${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(endpoint);
    if (h === undefined) this.latency.set(endpoint, (h = { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 }));
    LATENCY_BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  tokens(model: string, generated: number, prompt: number): void {
    if (generated > 0) this.generated.set(model, (this.generated.get(model) ?? 0) + generated);
    if (prompt > 0) this.prompt.set(model, (this.prompt.get(model) ?? 0) + prompt);
  }

  cancel(): void {
    this.cancelled++;
  }

  queueFull(): void {
    this.rejected++;
  }

  models(loaded: readonly string[], bytes: number): void {
    this.loaded = loaded;
    this.loadedBytes = bytes;
  }

  /** A batched decode step of `size` sequences ran (continuous batching). */
  batchStep(size: number): void {
    BATCH_BUCKETS.forEach((b, i) => {
      if (size <= b) this.batch.counts[i]!++;
    });
    this.batch.sum += size;
    this.batch.count++;
  }

  /** Batched decode steps so far and sequences decoded over them: what the tests read back. */
  batchSteps(): { steps: number; sequences: number } {
    return { steps: this.batch.count, sequences: this.batch.sum };
  }

  /** Generated tokens so far (all models): what the tests read back. */
  generatedTotal(): number {
    let n = 0;
    for (const v of this.generated.values()) n += v;
    return n;
  }

  render(g: Gauges): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string): void => void out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    family("kotodama_requests_total", "counter", "HTTP requests answered, by endpoint and status.");
    for (const [k, v] of this.requests) {
      const [endpoint, status] = k.split("\u0000");
      out.push(`kotodama_requests_total{endpoint="${esc(endpoint!)}",status="${status}"} ${v}`);
    }
    family("kotodama_request_duration_seconds", "histogram", "Time from request to the end of its response.");
    for (const [endpoint, h] of this.latency) {
      const e = esc(endpoint);
      LATENCY_BUCKETS.forEach((b, i) => out.push(`kotodama_request_duration_seconds_bucket{endpoint="${e}",le="${b}"} ${h.counts[i]}`));
      out.push(`kotodama_request_duration_seconds_bucket{endpoint="${e}",le="+Inf"} ${h.count}`);
      out.push(`kotodama_request_duration_seconds_sum{endpoint="${e}"} ${h.sum}`, `kotodama_request_duration_seconds_count{endpoint="${e}"} ${h.count}`);
    }
    family("kotodama_generated_tokens_total", "counter", "Tokens generated, by model (counted when each job ends, cancelled ones included).");
    for (const [m, v] of this.generated) out.push(`kotodama_generated_tokens_total{model="${esc(m)}"} ${v}`);
    family("kotodama_prompt_tokens_total", "counter", "Prompt tokens processed, by model.");
    for (const [m, v] of this.prompt) out.push(`kotodama_prompt_tokens_total{model="${esc(m)}"} ${v}`);
    family("kotodama_cancelled_generations_total", "counter", "Generations stopped early (client disconnected or shutdown).");
    out.push(`kotodama_cancelled_generations_total ${this.cancelled}`);
    family("kotodama_queue_rejections_total", "counter", "Requests answered 429 because the queue was full.");
    out.push(`kotodama_queue_rejections_total ${this.rejected}`);
    family("kotodama_queue_depth", "gauge", "Jobs waiting for the inference worker.");
    out.push(`kotodama_queue_depth ${g.queueDepth}`);
    family("kotodama_jobs_running", "gauge", "Jobs the inference worker is running.");
    out.push(`kotodama_jobs_running ${g.running}`);
    family("kotodama_batch_size", "histogram", "Sequences decoded together in each batched decode step (serve --max-batch > 1).");
    BATCH_BUCKETS.forEach((b, i) => out.push(`kotodama_batch_size_bucket{le="${b}"} ${this.batch.counts[i]}`));
    out.push(`kotodama_batch_size_bucket{le="+Inf"} ${this.batch.count}`, `kotodama_batch_size_sum ${this.batch.sum}`, `kotodama_batch_size_count ${this.batch.count}`);
    family("kotodama_models_loaded", "gauge", "Models loaded in the inference worker.");
    out.push(`kotodama_models_loaded ${this.loaded.length}`);
    family("kotodama_model_bytes", "gauge", "Bytes of weights of the loaded models.");
    out.push(`kotodama_model_bytes ${this.loadedBytes}`);
    return `${out.join("\n")}\n`;
  }
}
