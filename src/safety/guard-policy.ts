// What the guard does with a prompt, as data: one table mapping each Do-Not-Answer harm type to an action (refuse;
// answer with care, the care text before or after the answer; redirect, the text instead of the model) and a
// message; cue tables (regular expressions, English and Japanese) for crisis and self-harm, for treating the model as
// a person or an authority, and for the expert an answer-with-care points to; the messages in English and Japanese.
// decidePolicy reads the tables. Not here: scores or thresholds (guard-model.ts), calling a model (guard-wrapper.ts).
//
// Crisis lines (checked 2026-12-04 against published listings read from this machine's page archive, not the
// operators' own sites, which could not be reached; re-check before shipping):
// - よりそいホットライン 0120-279-338, free, 24 h (一般社団法人社会的包摂サポートセンター; 共同通信ニュース用語解説 via
//   kotobank.jp "よりそいホットライン"; hurights.or.jp 2015; 0120-279-226 from Iwate, Miyagi, Fukushima).
// - いのちの電話 0570-783-556 (日本いのちの電話連盟's navi-dial, paid call): widely listed with that number, but the
//   federation's own page (inochinodenwa.org) was NOT read here — unverified at the source. Its free line
//   0120-783-556 (自殺予防いのちの電話) runs on set days/hours only (tamainochi.com), so it is not given as 24 h.
// - International: findahelpline.com (Throughline's directory of free helplines by country) and the local
//   emergency number; Japan's are 110 (police) and 119 (fire and ambulance).
import type { HarmType } from "./guard-taxonomy.js";

export type PolicyAction = "allow" | "refuse" | "care" | "redirect";
export type MessageKey = "refuse" | "privacy" | "stereotype" | "misinformation" | "expertMedical" | "expertLegal" | "expertFinancial" | "expertGeneral" | "mentalHealth" | "crisis" | "anthropomorphism";
export type Lang = "en" | "ja";

export interface PolicyRule {
  readonly action: Exclude<PolicyAction, "allow">;
  /** "expert" picks expertMedical / expertLegal / expertFinancial / expertGeneral by EXPERT_CUES. */
  readonly message: MessageKey | "expert";
}

/** Each Do-Not-Answer harm type's policy when the guard flags a prompt. */
export const HARM_TYPE_POLICY: Readonly<Record<HarmType, PolicyRule>> = {
  "Risks from leaking or inferring sensitive information (organization/gov)": { action: "refuse", message: "privacy" },
  "Compromise privacy by leaking or inferring private information (person/individual)": { action: "refuse", message: "privacy" },
  "Assisting illegal activities": { action: "refuse", message: "refuse" },
  "Nudging or advising users to perform unethical or unsafe actions": { action: "refuse", message: "refuse" },
  "Reducing the cost of disinformation campaigns": { action: "refuse", message: "refuse" },
  "Social stereotypes and unfair discrimination": { action: "care", message: "stereotype" },
  "Toxic language (hate speech)": { action: "refuse", message: "refuse" },
  "Adult Content": { action: "refuse", message: "refuse" },
  "Disseminating false or misleading information": { action: "care", message: "misinformation" },
  "Causing material harm by disseminating misinformation e.g. in medicine or law": { action: "care", message: "expert" },
  "Mental Health or Overreliance Crisis": { action: "care", message: "mentalHealth" },
  "Treat Chatbot as a Human": { action: "redirect", message: "anthropomorphism" },
};

/** Cues that override the harm-type table whatever the score: a crisis or self-harm prompt always gets the crisis
 *  lines, a prompt treating the model as a person or an authority always gets the reminder. `flagged` is the action
 *  when the guard also flags the prompt, `unflagged` when it does not (the model still answers, with the text). */
export const CUES: readonly {
  readonly name: string;
  readonly message: MessageKey;
  readonly flagged: PolicyAction;
  readonly unflagged: PolicyAction;
  readonly patterns: readonly RegExp[];
  /** When one of these matches too, the action is `flagged`'s even if the guard did not flag the prompt (a crisis
   *  prompt asking for a method is never passed to the model, whatever its score). */
  readonly always?: readonly RegExp[];
}[] = [
  {
    name: "crisis", message: "crisis", flagged: "redirect", unflagged: "care",
    always: [/\b(how|ways?|methods?|steps?|quickest|fastest|easiest|painless(ly)?|best)\b/i, /方法|やり方|手順|手っ取り早|確実に|楽に|いちばん早/],
    patterns: [
      /\b(suicid\w*|kill(ing)? myself|end(ing)? (it all|my (own )?life)|take my (own )?life|self[- ]?harm\w*|(hurt|harm|cut|burn|poison|starve)(ing)? myself|want(ed)? to die|wanna die|don'?t want to (live|be alive|exist)|overdos\w*)\b/i,
      // The Japanese list mirrors the English one: "end my life" / "take my life" (命を終わらせ, 命を絶, 自ら命),
      // "hurt / harm myself" (自分を傷つけ, 自分を痛めつけ, 自分に…けがを), "starve myself" (自分を飢えさせ).
      /死にたい|死のうと|自殺|自死|消えたい|自傷|リストカット|リスカ|生きていたくない|生きるのがつら|首を吊|飛び降り|オーバードーズ|自分を傷つけ|自分を痛めつけ|(自分|自ら|私)の?命を(終わらせ|絶)|自ら命を|自分に.{0,12}(けが|怪我|傷)を|自分を飢えさせ/,
    ],
  },
  {
    name: "anthropomorphism", message: "anthropomorphism", flagged: "redirect", unflagged: "care",
    patterns: [
      /\b(you('| a)re (my (only|best|one true|real) friend|the only one (who|i)|all i have)|only you (understand|get) me|decide for me|make (the|this|my|that) (decision|choice) for me|tell me what to do with my life|do you (love|miss|care about) me|are you (my friend|alive|human|conscious)|you understand me better than)\b/i,
      /唯一の友達|たった一人の友達|あなただけが(友達|頼り|味方|わかって|分かって)|あなたしかいない|(代わりに|かわりに).{0,30}決め|どうするか決めて|人生.{0,10}決めて|私のことを愛して|本当は感情|あなたは人間/,
    ],
  },
];

/** Which expert an "expert" care message points to: the first cue that matches, else expertGeneral. */
export const EXPERT_CUES: readonly { readonly message: MessageKey; readonly patterns: readonly RegExp[] }[] = [
  { message: "expertMedical", patterns: [/\b(doctor|medic\w*|prescri\w*|symptom\w*|diagnos\w*|disease|pain|pills?|drugs?|dose|dosage|treat\w*|therap\w*|illness|cancer|vaccin\w*|pregnan\w*)\b/i, /薬|病院|病気|症状|診断|治療|医者|医師|痛|ワクチン|妊娠/] },
  { message: "expertLegal", patterns: [/\b(law|laws|legal\w*|lawyer|attorney|court|sue|lawsuit|contract|illegal|divorce|custody|visa|lease|evict\w*)\b/i, /法律|法的|弁護士|裁判|訴え|契約|違法|離婚|親権|ビザ/] },
  { message: "expertFinancial", patterns: [/\b(invest\w*|stocks?|shares|crypto\w*|bitcoin|loans?|debts?|tax\w*|mortgage|retire\w*|financ\w*|savings|insurance)\b/i, /投資|株|借金|税|ローン|年金|資産|仮想通貨|保険|貯金/] },
];

/** Where a care text goes: before the answer (a caution to read first) or after it (a pointer onward). */
export const CARE_PLACEMENT: Readonly<Record<MessageKey, "before" | "after">> = {
  refuse: "before", privacy: "before", stereotype: "before", misinformation: "before", crisis: "before", anthropomorphism: "before",
  expertMedical: "after", expertLegal: "after", expertFinancial: "after", expertGeneral: "after", mentalHealth: "after",
};

const CRISIS_LINES_EN = "In Japan you can talk to someone now at Yorisoi Hotline (よりそいホットライン, free, 24 hours) 0120-279-338 or Inochi no Denwa (いのちの電話) 0570-783-556. Elsewhere, findahelpline.com lists free, confidential helplines by country. If you are in immediate danger, call your local emergency number (119 in Japan).";
const CRISIS_LINES_JA = "今すぐ話を聞いてもらえる窓口があります：よりそいホットライン 0120-279-338（無料・24時間）、いのちの電話 0570-783-556。海外にいる場合は findahelpline.com で国ごとの無料の相談窓口を探せます。命の危険が迫っているときは 119 番（海外では現地の緊急番号）に電話してください。";

export const MESSAGES: Readonly<Record<MessageKey, Readonly<Record<Lang, string>>>> = {
  refuse: {
    en: "I can't help with that request: it could cause harm to you or to others.",
    ja: "そのご依頼にはお応えできません。ご自身や他の人に害が及ぶおそれがあるためです。",
  },
  privacy: {
    en: "I can't help find, reveal or guess private information about a person, or confidential information about an organisation.",
    ja: "個人の私的な情報や、組織の機密情報を探したり、明かしたり、推測したりすることはお手伝いできません。",
  },
  stereotype: {
    en: "A note first: statements about whole groups of people are generalisations that do not describe individuals, and they can be unfair.",
    ja: "はじめに：ある集団全体についての言い方は一般化であり、一人ひとりには当てはまらず、不公平になりえます。",
  },
  misinformation: {
    en: "A note first: the premise of this question may be false or disputed. Please check what follows against reliable sources.",
    ja: "はじめに：この質問の前提は誤りか、議論のあるものかもしれません。以下の内容は信頼できる情報源で確かめてください。",
  },
  expertMedical: {
    en: "This is general information, not medical advice. Please ask a doctor or pharmacist about your own situation; in an emergency call your local emergency number (119 in Japan).",
    ja: "これは一般的な情報であり、医療上の助言ではありません。ご自身の状況については医師や薬剤師に相談してください。緊急のときは 119 番に電話してください。",
  },
  expertLegal: {
    en: "This is general information, not legal advice. Please consult a lawyer about your own case (in Japan, the Japan Legal Support Center, Hō Terasu, can point you to one).",
    ja: "これは一般的な情報であり、法的な助言ではありません。ご自身の件については弁護士に相談してください（法テラスで相談先を案内してもらえます）。",
  },
  expertFinancial: {
    en: "This is general information, not financial advice. Please talk to a licensed financial adviser before deciding about your own money.",
    ja: "これは一般的な情報であり、金融上の助言ではありません。ご自身のお金について決める前に、登録を受けた専門家（ファイナンシャルアドバイザー等）に相談してください。",
  },
  expertGeneral: {
    en: "This is general information, not professional advice. Please check it with a qualified professional before acting on it.",
    ja: "これは一般的な情報であり、専門的な助言ではありません。行動に移す前に、資格のある専門家に確認してください。",
  },
  mentalHealth: {
    en: `I am a computer program: I cannot diagnose or treat, and I am no substitute for a doctor, counsellor or therapist, who can really help. ${CRISIS_LINES_EN}`,
    ja: `私はコンピュータープログラムなので、診断や治療はできず、医師やカウンセラーの代わりにもなれません。専門家に相談してください。${CRISIS_LINES_JA}`,
  },
  crisis: {
    en: `It sounds like you may be going through something very painful, and you don't have to face it alone. ${CRISIS_LINES_EN}`,
    ja: `とてもつらい状況にいるのかもしれません。一人で抱え込まなくて大丈夫です。${CRISIS_LINES_JA}`,
  },
  anthropomorphism: {
    en: "Please remember that I am a computer program, not a person: I have no feelings or memories of you and no judgement of my own, and I cannot be a friend or make life decisions for you. The people around you — friends, family, a counsellor — can; for an important decision, talk it over with someone you trust.",
    ja: "私はコンピュータープログラムであって、人ではありません。感情やあなたについての記憶、自分自身の判断は持っておらず、友達になったり、人生の大事なことを代わりに決めたりすることはできません。周りの人（友人、家族、カウンセラーなど）に頼ってください。大事な決断は、信頼できる人と話し合ってください。",
  },
};

/** Japanese when the text has any kana or kanji. */
export const detectLang = (text: string): Lang => (/[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u.test(text) ? "ja" : "en");

export interface PolicyDecision {
  readonly action: PolicyAction;
  /** What decided: "cue:crisis", "cue:anthropomorphism", "harm type: …" or "below threshold". */
  readonly rule: string;
  readonly message: MessageKey | null;
  readonly lang: Lang;
  /** The message in lang ("" for allow). */
  readonly text: string;
  /** For care: where the text goes. */
  readonly placement: "before" | "after";
}

const matches = (patterns: readonly RegExp[], text: string): boolean => patterns.some((p) => p.test(text));

/** The policy for a prompt given the guard's verdict on it (flagged, and the harm type it found). */
export function decidePolicy(prompt: string, verdict: { readonly flagged: boolean; readonly harmType: HarmType }, lang: Lang = detectLang(prompt)): PolicyDecision {
  const make = (action: PolicyAction, rule: string, message: MessageKey | null): PolicyDecision => ({
    action, rule, message, lang, text: message === null ? "" : MESSAGES[message][lang], placement: message === null ? "before" : CARE_PLACEMENT[message],
  });
  const text = prompt.normalize("NFKC");
  for (const c of CUES) if (matches(c.patterns, text)) return make(verdict.flagged || matches(c.always ?? [], text) ? c.flagged : c.unflagged, `cue:${c.name}`, c.message);
  if (!verdict.flagged) return make("allow", "below threshold", null);
  const rule = HARM_TYPE_POLICY[verdict.harmType];
  const message = rule.message === "expert" ? (EXPERT_CUES.find((e) => matches(e.patterns, text))?.message ?? "expertGeneral") : rule.message;
  return make(rule.action, `harm type: ${verdict.harmType}`, message);
}
