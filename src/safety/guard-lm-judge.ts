// Running the LM guard's model on a conversation: a local kotodama model (any family that loads, through its chat
// template, greedy) or an OpenAI-compatible endpoint (chat completions with logprobs). Both give the reply text and
// P(unsafe) at its first word (guard-lm.ts unsafeProbability): locally over the whole vocabulary (or the top k, to
// match a server's top_logprobs), through an endpoint over the server's top_logprobs (at most 20). Not here: the
// reply format and the categories (guard-lm.ts), thresholds and policies (guard-lm-model.ts).
import { encodeChat } from "../tokenizer/index.js";
import { endOfTurnIds, generateText, logSumExp, topLogprobs, type InferModel } from "../infer/index.js";
import { ContextLengthError, type EndpointResponder } from "../infer/endpoint.js";
import type { ChatTurn } from "../infer/responder.js";
import { sftTemplates } from "../train/sft/template.js";
import { KotodamaError } from "../util/errors.js";
import { guardMessages, parseGuardReply, unsafeProbability, type GuardStep, type LmGuardFormat, type ParsedGuardReply } from "./guard-lm.js";

export interface LmJudgement extends ParsedGuardReply {
  /** The model's reply, as generated. */
  readonly text: string;
  /** P(unsafe) at the reply's first word; from the parsed verdict (1 / 0; 0 when neither) when the alternatives spell
   *  no verdict. */
  readonly unsafe: number;
  /** Where `unsafe` came from. */
  readonly from: "logprobs" | "reply";
}

export interface LmJudge {
  /** What judges, for reports. */
  readonly name: string;
  readonly settings: Readonly<Record<string, unknown>>;
  judge(turns: readonly ChatTurn[]): Promise<LmJudgement>;
  /** A judge on its own thread (guard-lm-thread.ts): resolves once its model is loaded, rejects with the load error. */
  ready?(): Promise<void>;
  /** Stops what the judge holds open (a thread). */
  close?(): Promise<void>;
}

/** Reply tokens generated: "unsafe\nS1,S10,S14" takes about 10 in Llama 3's vocabulary. */
export const LM_GUARD_REPLY_TOKENS = 16;

/** The judgement from a reply and its steps. */
export function judgementOf(text: string, steps: readonly GuardStep[] | null): LmJudgement {
  const parsed = parseGuardReply(text);
  const p = steps === null ? null : unsafeProbability(steps);
  return p !== null ? { ...parsed, text, unsafe: p, from: "logprobs" } : { ...parsed, text, unsafe: parsed.verdict === "unsafe" ? 1 : 0, from: "reply" };
}

/** A local model as the judge. `alternatives`: "all" reads P(unsafe) off the whole distribution; a number k off the
 *  k most likely tokens only (what a server's top_logprobs = k gives). A last message (the prompt, or the answer in
 *  an output check) too long for the model's context with the reply is judged by its longest start that fits; the
 *  rest of the guard prompt (the policy, the earlier turns) is never cut, and when even that does not fit it is an
 *  error naming both lengths. */
export function localLmJudge(model: InferModel, o: { readonly format: LmGuardFormat; readonly alternatives?: number | "all"; readonly name?: string }): LmJudge {
  const alternatives = o.alternatives ?? "all";
  const tok = model.tokenizer;
  const { templates } = sftTemplates(tok);
  const endIds = endOfTurnIds(tok);
  const texts = new Map<number, string>();
  const textOf = (id: number): string => {
    let t = texts.get(id);
    if (t === undefined) texts.set(id, (t = tok.decode([id])));
    return t;
  };
  // Ids whose text starts to spell a verdict, found once: the whole-vocabulary sum needs only these.
  let verdictIds: number[] | null = null;
  const candidates = (): number[] => {
    if (verdictIds === null) {
      verdictIds = [];
      for (let id = 0; id < model.config.vocabSize; id++) {
        const t = textOf(id).trim().toLowerCase();
        if (t !== "" && ("unsafe".startsWith(t) || "safe".startsWith(t))) verdictIds.push(id);
      }
    }
    return verdictIds;
  };
  return {
    name: o.name ?? `kotodama model ${model.path}`,
    settings: { model: model.path, format: o.format, alternatives },
    async judge(turns) {
      const encode = (ts: readonly ChatTurn[]): number[] => encodeChat(tok, { messages: guardMessages(ts, o.format).map((m) => ({ role: m.role, content: m.content })), add_generation_prompt: true }, { template: templates }).ids;
      const room = model.config.context - LM_GUARD_REPLY_TOKENS;
      let ids = encode(turns);
      const last = turns[turns.length - 1];
      if (ids.length > room && last !== undefined) {
        // A message too long to judge whole is judged by its longest start that fits (binary search on characters).
        const cut = (n: number): ChatTurn[] => [...turns.slice(0, -1), { role: last.role, content: last.content.slice(0, n) }];
        let lo = 0, hi = last.content.length;
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2);
          if (encode(cut(mid)).length <= room) lo = mid;
          else hi = mid - 1;
        }
        ids = encode(cut(lo));
      }
      if (ids.length > room) throw new KotodamaError(`LM guard (${model.path}): the guard prompt takes ${ids.length} tokens; with a ${LM_GUARD_REPLY_TOKENS}-token reply it does not fit the model's context of ${model.config.context}`);
      const logits: Float32Array[] = [];
      const r = await generateText(model, ids, { temperature: 0, maxTokens: LM_GUARD_REPLY_TOKENS }, endIds, { logits: (l) => void logits.push(l.slice()) });
      // Only the steps up to the reply's first word matter (unsafeProbability reads that one).
      const first = r.ids.findIndex((id) => textOf(id).trim() !== "");
      const steps: GuardStep[] = r.ids.slice(0, first < 0 ? r.ids.length : first + 1).map((id, t) => {
        const l = logits[t]!, lse = logSumExp(l);
        const alts = alternatives === "all" ? candidates().map((j) => ({ token: textOf(j), logprob: l[j]! - lse })) : topLogprobs(l, alternatives, lse).map((a) => ({ token: textOf(a.id), logprob: a.logprob }));
        return { token: textOf(id), alternatives: alts };
      });
      return judgementOf(r.text, steps);
    },
  };
}

/** An OpenAI-compatible endpoint as the judge (greedy chat completion, logprobs with top_logprobs = k ≤ 20). A server
 *  that returns no logprobs still judges, by the reply's first word (from: "reply"). A last message the server refuses
 *  as too long for its context is judged by its first half, quarter, … until it is taken. */
export function endpointLmJudge(ep: EndpointResponder, o: { readonly format: LmGuardFormat; readonly topLogprobs?: number }): LmJudge {
  const k = o.topLogprobs ?? 20;
  return {
    name: ep.name,
    settings: { ...ep.settings, format: o.format, topLogprobs: k },
    async judge(turns) {
      const last = turns[turns.length - 1]!;
      // A message too long for the served context is judged by a shorter start: halved until the server takes it (the
      // chat API does not say how many tokens a message takes).
      for (let chars = last.content.length; ; chars = Math.floor(chars / 2)) {
        const ts = chars === last.content.length ? turns : [...turns.slice(0, -1), { role: last.role, content: last.content.slice(0, chars) }];
        try {
          const r = await ep.chatLogprobs(guardMessages(ts, o.format), { maxTokens: LM_GUARD_REPLY_TOKENS, topLogprobs: k });
          return judgementOf(r.text, r.steps);
        } catch (e) {
          if (!(e instanceof ContextLengthError) || chars === 0) throw e;
        }
      }
    },
  };
}
