// A language model as the guard, in Llama Guard's reply format: the model reads a conversation and answers "safe",
// or "unsafe" and a line of violated category codes ("S1,S10"). Here: the 14 hazard categories Llama Guard 3 and 4
// answer with (the MLCommons hazard taxonomy) and their Do-Not-Answer harm types; kotodama's own policy prompt for
// models without a guard chat template; parsing the reply; and the unsafe probability read off the model's
// distribution at the reply's first word. Not here: running a model or an endpoint (guard-lm-judge.ts), the guard
// object and its files (guard-lm-model.ts).
import type { ChatTurn } from "../infer/responder.js";
import type { HarmType } from "./guard-taxonomy.js";

/** Llama Guard 3/4's category codes, their names (MLCommons AILuminate hazards) and the Do-Not-Answer harm type
 *  kotodama routes each to (guard-policy.ts then picks refuse / care / redirect by harm type). Do-Not-Answer has
 *  no code for violent, sex-related or weapons crimes apart from "illegal activities", and Llama Guard has none for
 *  organisations' secrets, unethical nudging, stereotypes or treating the chatbot as a human (the policy's cues
 *  still catch the last). */
export const LM_GUARD_CATEGORIES = [
  { code: "S1", name: "Violent Crimes", harmType: "Assisting illegal activities" },
  { code: "S2", name: "Non-Violent Crimes", harmType: "Assisting illegal activities" },
  { code: "S3", name: "Sex-Related Crimes", harmType: "Assisting illegal activities" },
  { code: "S4", name: "Child Sexual Exploitation", harmType: "Assisting illegal activities" },
  { code: "S5", name: "Defamation", harmType: "Disseminating false or misleading information" },
  { code: "S6", name: "Specialized Advice", harmType: "Causing material harm by disseminating misinformation e.g. in medicine or law" },
  { code: "S7", name: "Privacy", harmType: "Compromise privacy by leaking or inferring private information (person/individual)" },
  { code: "S8", name: "Intellectual Property", harmType: "Assisting illegal activities" },
  { code: "S9", name: "Indiscriminate Weapons", harmType: "Assisting illegal activities" },
  { code: "S10", name: "Hate", harmType: "Toxic language (hate speech)" },
  { code: "S11", name: "Suicide & Self-Harm", harmType: "Mental Health or Overreliance Crisis" },
  { code: "S12", name: "Sexual Content", harmType: "Adult Content" },
  { code: "S13", name: "Elections", harmType: "Reducing the cost of disinformation campaigns" },
  { code: "S14", name: "Code Interpreter Abuse", harmType: "Assisting illegal activities" },
] as const satisfies readonly { readonly code: string; readonly name: string; readonly harmType: HarmType }[];

/** The harm type when the reply names no known category (an unsafe score above the threshold with a "safe" reply,
 *  or a model that gives no codes): the Do-Not-Answer type most prompts of its largest area carry. */
export const LM_GUARD_DEFAULT_HARM: HarmType = "Assisting illegal activities";

/** How the conversation reaches the model: "template" — the messages as they are, through the model's own chat
 *  template (Llama Guard 3/4 GGUFs and servers such as Ollama's llama-guard3 put the policy in the template);
 *  "policy" — kotodama's policy prompt (policyPrompt) as one user message, for a model whose template does not. */
export type LmGuardFormat = "template" | "policy";
export const LM_GUARD_FORMATS: readonly LmGuardFormat[] = ["template", "policy"];

/** kotodama's wording of a guard task in Llama Guard's structure (task, categories, conversation, reply format), for
 *  the last user message (input check) or the last assistant message (output check). */
export function policyPrompt(turns: readonly ChatTurn[]): string {
  const last = turns[turns.length - 1];
  const who = last?.role === "assistant" ? "Agent" : "User";
  const lines = [
    `Task: decide whether the last ${who} message in the conversation below is unsafe under any of these categories.`,
    "",
    "<BEGIN UNSAFE CONTENT CATEGORIES>",
    ...LM_GUARD_CATEGORIES.map((c) => `${c.code}: ${c.name}.`),
    "<END UNSAFE CONTENT CATEGORIES>",
    "",
    "<BEGIN CONVERSATION>",
    "",
    ...turns.filter((t) => t.role !== "system").flatMap((t) => [`${t.role === "assistant" ? "Agent" : "User"}: ${t.content}`, ""]),
    "<END CONVERSATION>",
    "",
    `Assess the last ${who} message only:`,
    "- The first line must be 'safe' or 'unsafe'.",
    "- If unsafe, a second line must list the violated categories, separated by commas.",
  ];
  return lines.join("\n");
}

/** The messages sent to the model for a conversation under a format. */
export const guardMessages = (turns: readonly ChatTurn[], format: LmGuardFormat): ChatTurn[] =>
  format === "template" ? turns.filter((t) => t.role !== "system").map((t) => ({ role: t.role, content: t.content })) : [{ role: "user", content: policyPrompt(turns) }];

export interface ParsedGuardReply {
  /** The first word of the reply: "safe", "unsafe", or null when it is neither. */
  readonly verdict: "safe" | "unsafe" | null;
  /** The known category codes named after "unsafe", in order, without repeats. */
  readonly codes: readonly string[];
}

const CODES = new Set<string>(LM_GUARD_CATEGORIES.map((c) => c.code));

/** Reads a reply such as "\n\nunsafe\nS1,S10" (case and spacing free; unknown codes dropped). */
export function parseGuardReply(text: string): ParsedGuardReply {
  const t = text.trim();
  const first = /^[A-Za-z]+/.exec(t)?.[0]?.toLowerCase();
  const verdict = first === "safe" ? "safe" : first === "unsafe" ? "unsafe" : null;
  if (verdict !== "unsafe") return { verdict, codes: [] };
  const codes: string[] = [];
  for (const m of t.slice(first!.length).matchAll(/\bS(\d{1,2})\b/gi)) {
    const c = `S${Number(m[1])}`;
    if (CODES.has(c) && !codes.includes(c)) codes.push(c);
  }
  return { verdict, codes };
}

/** The harm type of a reply's first known code, or the default. */
export function harmTypeOfCodes(codes: readonly string[]): HarmType {
  const c = LM_GUARD_CATEGORIES.find((x) => x.code === codes[0]);
  return c === undefined ? LM_GUARD_DEFAULT_HARM : c.harmType;
}

/** One generated step: its token's text and alternatives (text, log-probability), the model's or the top few. */
export interface GuardStep {
  readonly token: string;
  readonly alternatives: readonly { readonly token: string; readonly logprob: number }[];
}

/** Which verdict a token's text starts to spell: "unsafe" for u, un, uns, …, unsafe; "safe" for s, sa, saf, safe
 *  (case, surrounding whitespace ignored); null otherwise (also for whitespace alone). */
export function verdictPrefix(token: string): "safe" | "unsafe" | null {
  const t = token.trim().toLowerCase();
  if (t === "") return null;
  if ("unsafe".startsWith(t)) return "unsafe";
  if ("safe".startsWith(t)) return "safe";
  return null;
}

/** P(unsafe) at the reply's first word: at the first step whose token is not whitespace, the probability of tokens
 *  that start to spell "unsafe" over those that start to spell either verdict, summed over the alternatives given
 *  (the whole vocabulary locally, the server's top_logprobs through an endpoint). Null when there is no such step or
 *  no alternative spells a verdict (then the caller falls back to the parsed reply). */
export function unsafeProbability(steps: readonly GuardStep[]): number | null {
  const step = steps.find((s) => s.token.trim() !== "");
  if (step === undefined) return null;
  let pu = 0, ps = 0;
  for (const a of step.alternatives) {
    const v = verdictPrefix(a.token);
    if (v === "unsafe") pu += Math.exp(a.logprob);
    else if (v === "safe") ps += Math.exp(a.logprob);
  }
  return pu + ps > 0 ? pu / (pu + ps) : null;
}
