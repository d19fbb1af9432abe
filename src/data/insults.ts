// Multi-word English insults and abuse that no listed swear word covers ("kill yourself", "waste of space"), for
// the toxicity stage's word lists (list code "insults-en"). Written for this project from common usage; the
// words of each entry are ordinary on their own, so only the whole phrase counts. Not here: matching (toxicity.ts),
// single swear words (the naughty-words and @2toad/profanity lists).

const BASE: readonly string[] = [
  // telling someone to die or hurt themselves
  "kill yourself", "go kill yourself", "kys", "go die", "die in a fire", "hope you die", "i hope you die",
  "nobody would miss you", "nobody likes you", "nobody loves you", "the world would be better without you",
  // dehumanising
  "piece of crap", "piece of trash", "piece of garbage", "waste of space", "waste of oxygen", "waste of air",
  "scum of the earth", "lowlife", "low life", "subhuman", "fat pig", "ugly pig", "stupid cow",
  // direct insults
  "you idiot", "you moron", "you imbecile", "you loser", "you stupid", "stupid idiot", "complete idiot", "total moron",
  "you are an idiot", "you're an idiot", "you are a moron", "you're a moron", "you are stupid", "you're stupid",
  "you are worthless", "you're worthless", "you are pathetic", "you're pathetic", "you are disgusting", "you're disgusting",
  "shut your mouth", "shut your face", "shut up idiot", "shut up loser",
  // compounds missing from the word lists, spaced and closed
  "dumb ass", "dumbass", "jack ass", "jackass", "douche bag", "douchebag", "scum bag", "scumbag", "dick head",
  "mother fucker", "son of a whore", "screw you", "go to hell", "eat shit and die", "suck my dick", "kiss my ass",
  "shut the fuck up", "stfu", "go fuck yourself", "gfy",
];

/** The list, with each apostrophe entry also in its typographic form (you're / you’re). */
export const INSULTS_EN: readonly string[] = [...BASE, ...BASE.filter((e) => e.includes("'")).map((e) => e.replace(/'/g, "\u2019"))];
