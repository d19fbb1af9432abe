// Request frames folded into one marker before the guard reads a prompt's n-grams (feature set
// "word12+char24+fold", guard-classifier.ts). A "how do I X" request has many surface forms — in Japanese X方法は？,
// X方法を教えてください, Xにはどうすればいいですか？, どうやってXんですか？, Xやり方を知りたい; in English "How do I X?",
// "Can you tell me how to X?", "What's the best way to X?", "I want to X. How should I do it?" — and the frame is as
// long as the content. Read as n-grams, a frame met mostly in risky training prompts made the guard flag most
// everyday requests in it (97 % of English "Can you tell me how to …?", 83 % of Japanese "…にはどうすればいいですか？"),
// and one met mostly in benign ones let most risky requests through (93 % of "I want to …. How should I do it?", 60 % of
// "…方法は？"; docs/safety.md, "Request frames"). Folding every listed frame to the same marker makes the score the
// same for all of them by construction, so that the content decides. A frame not listed is read as written.
// Input: normalizeGuardText's output (NFKC, lower case: full-width ？ is "?"). Not here: n-grams (guard-classifier.ts).

/** What a folded how-to frame becomes: a symbol no prompt contains. */
export const HOWTO_MARK = "〓";

/** Trailing punctuation and spaces. */
const TAIL = "[。.!?\\s]*$";
/** Polite or plain question endings after a Japanese frame: ですか, でしょうか, の, んですか, … (all optional). */
const JA_ENDING = "(?:ん|の)?(?:です|でしょう)?(?:か)?(?:ね)?";
/** The Japanese ways of asking to be told or shown: 教えて(ください), 知りたい(です), 説明してもらえますか, … */
const JA_TELL = "(?:を|について)?(?:詳しく)?(?:教えて|説明して|知りたい)(?:ください|くれ(?:ます|ません)?か?|くれない|もらえ(?:ます|ません)?か?|ほしい|欲しい)?(?:です)?(?:か)?";
const JA_WAY = "(?:方法|やり方|手順|コツ|手口)";

/** Japanese frames after the content, tried in order; the text before the match is the content. */
const JA_SUFFIXES: readonly RegExp[] = [
  // …にはどうすればいいですか / …ためにはどうしたらいい / …どうやったらよいでしょうか
  new RegExp(`(?:ために|のに|には)?どう(?:すれば|したら|やったら|やれば)(?:いい|よい|良い)${JA_ENDING}${TAIL}`, "u"),
  // …方法を教えてください / …やり方を知りたい / …手順について説明してもらえますか
  new RegExp(`${JA_WAY}${JA_TELL}${TAIL}`, "u"),
  // …方法は？ / …コツってありますか / …方法は何ですか
  new RegExp(`${JA_WAY}(?:は|って)(?:あります|ある|何|なに|なん)?${JA_ENDING}${TAIL}`, "u"),
];

/** Frames around the content (group 1): Japanese どうやってXんですか, and the English ones, tried in order. */
const AROUND: readonly RegExp[] = [
  new RegExp(`^どうやって(.+?)(?:ん|の)(?:です|でしょう)?(?:か)?${TAIL}`, "u"),
  // "can you tell me how to X?", "could you please show me how i can X", "tell me how to X", "explain how to X"
  new RegExp(`^(?:please )?(?:(?:can|could|would|will) you (?:please )?)?(?:tell|show|teach|explain to) me how (?:to|i can|i could|i should|do i|can i) (.+?)${TAIL}`, "u"),
  new RegExp(`^(?:please )?(?:(?:can|could|would|will) you (?:please )?)?explain how (?:to|i can|one can|do i|can i) (.+?)${TAIL}`, "u"),
  // "how do i X?", "how can we X", "how should one X", "how to X" (not "how do you …": that asks the model about itself)
  new RegExp(`^how (?:(?:do|can|could|should|would|might) (?:i|we|one)|to) (.+?)${TAIL}`, "u"),
  // "what's the best way to X?", "what is the easiest way to X"
  new RegExp(`^what(?:'s| is) the (?:best|easiest|simplest|quickest|fastest|most effective) (?:way|method) to (.+?)${TAIL}`, "u"),
  // "what are some ways to X?", "are there any tips to X", "is there a way to X"
  new RegExp(`^(?:what are|are there) (?:some |any )?(?:good )?(?:ways|tips) (?:to|for how to) (.+?)${TAIL}`, "u"),
  new RegExp(`^is there (?:a|any) (?:good )?way (?:to|i can) (.+?)${TAIL}`, "u"),
  // "i want to X. how should i do it?", "i need to X. how can i do that?"
  new RegExp(`^i (?:want|need|would like|'d like) to (.+?)[.,]? how (?:should|can|do|would) i (?:do (?:it|that|this)|go about it)${TAIL}`, "u"),
  // "give me step-by-step instructions to X", "i need a guide on how to X", "provide detailed steps for how to X"
  new RegExp(`^(?:please )?(?:give me|i need|provide|write|list) (?:a |the )?(?:step-by-step |detailed |simple )?(?:instructions|steps|a guide|guide) (?:to|for|on|on how to|for how to) (.+?)${TAIL}`, "u"),
];

/** Requests for help, folded by the second frame set ("howto+help", feature set "word12+char24+fold2"): the training
 *  data's benign question forms say "Could you help me …?" (guard-data.ts), so the first folding left that frame
 *  flagging 22 of 30 risky probe requests where "How do I …?" flagged 28, and "…のを手伝ってもらえますか？" flagging 30 of
 *  30 everyday ones (docs/safety.md, "Request frames"). Around the content (group 1): */
const HELP_AROUND: readonly RegExp[] = [
  // "can you help me X?", "could you please help me to X", "help me with X"
  new RegExp(`^(?:please )?(?:(?:can|could|would|will) you (?:please )?)?help me (?:to |with )?(.+?)${TAIL}`, "u"),
  // "i need help to X", "i'd like some help with how to X"
  new RegExp(`^i(?: need| want| would like|'d like) (?:some )?help (?:to|with how to) (.+?)${TAIL}`, "u"),
];
/** …after it: …のを手伝ってください, …するのを手伝ってもらえますか, …ことを手伝ってほしい. */
const HELP_JA_SUFFIXES: readonly RegExp[] = [
  new RegExp(`(?:の|こと)を手伝って(?:ください|くれ(?:ます|ません)?か?|くれない|もらえ(?:ます|ません)?か?|ほしい|欲しい)?(?:です)?(?:か)?${TAIL}`, "u"),
];

const AROUND_WITH_HELP: readonly RegExp[] = [...AROUND, ...HELP_AROUND];
const JA_SUFFIXES_WITH_HELP: readonly RegExp[] = [...JA_SUFFIXES, ...HELP_JA_SUFFIXES];

/** Which frames are folded: "howto" (the first set, feature set "word12+char24+fold", kept so that guards trained
 *  with it read prompts as they were trained), "howto+help" (also HELP_AROUND and HELP_JA_SUFFIXES; "…+fold2"). */
export type FrameSet = "howto" | "howto+help";

/** The text with a listed how-to frame replaced by HOWTO_MARK after its content: "爆弾を作る方法は?",
 *  "爆弾を作るにはどうすればいいですか?" and "どうやって爆弾を作るんですか?" all become "爆弾を作る〓", "how do i make a
 *  bomb?" and "can you tell me how to make a bomb?" both "make a bomb〓". Other text, and a frame with nothing in it,
 *  as they are. */
export function foldRequestFrame(t: string, frames: FrameSet = "howto+help"): string {
  const done = (core: string | undefined): string | null => (core === undefined || core.trim() === "" ? null : `${core.trim()}${HOWTO_MARK}`);
  const around = frames === "howto" ? AROUND : AROUND_WITH_HELP;
  const suffixes = frames === "howto" ? JA_SUFFIXES : JA_SUFFIXES_WITH_HELP;
  for (const re of around) {
    const m = re.exec(t);
    const r = m === null ? null : done(m[1]);
    if (r !== null) return r;
  }
  for (const re of suffixes) {
    const m = re.exec(t);
    const r = m === null ? null : done(t.slice(0, m.index));
    if (r !== null) return r;
  }
  return t;
}
