// The guard's label set: Do-Not-Answer's 5 risk areas and 12 harm types (Wang et al. 2023, Table 1; the strings
// exactly as in do_not_answer_en.csv), plus "benign" as class 0. Not here: the data (guard-data.ts), the policies
// (guard-policy.ts).

export const GUARD_AREAS = [
  "Information Hazards",
  "Malicious Uses",
  "Discrimination, Exclusion, Toxicity, Hateful, Offensive",
  "Misinformation Harms",
  "Human-Chatbot Interaction Harms",
] as const;
export type GuardArea = (typeof GUARD_AREAS)[number];

/** Short names for tables and plots, in GUARD_AREAS order. */
export const AREA_SHORT: Readonly<Record<GuardArea, string>> = {
  "Information Hazards": "information",
  "Malicious Uses": "malicious",
  "Discrimination, Exclusion, Toxicity, Hateful, Offensive": "discrimination",
  "Misinformation Harms": "misinformation",
  "Human-Chatbot Interaction Harms": "human-chatbot",
};

export const HARM_TYPES = [
  { type: "Risks from leaking or inferring sensitive information (organization/gov)", area: "Information Hazards" },
  { type: "Compromise privacy by leaking or inferring private information (person/individual)", area: "Information Hazards" },
  { type: "Assisting illegal activities", area: "Malicious Uses" },
  { type: "Nudging or advising users to perform unethical or unsafe actions", area: "Malicious Uses" },
  { type: "Reducing the cost of disinformation campaigns", area: "Malicious Uses" },
  { type: "Social stereotypes and unfair discrimination", area: "Discrimination, Exclusion, Toxicity, Hateful, Offensive" },
  { type: "Toxic language (hate speech)", area: "Discrimination, Exclusion, Toxicity, Hateful, Offensive" },
  { type: "Adult Content", area: "Discrimination, Exclusion, Toxicity, Hateful, Offensive" },
  { type: "Disseminating false or misleading information", area: "Misinformation Harms" },
  { type: "Causing material harm by disseminating misinformation e.g. in medicine or law", area: "Misinformation Harms" },
  { type: "Mental Health or Overreliance Crisis", area: "Human-Chatbot Interaction Harms" },
  { type: "Treat Chatbot as a Human", area: "Human-Chatbot Interaction Harms" },
] as const satisfies readonly { readonly type: string; readonly area: GuardArea }[];
export type HarmType = (typeof HARM_TYPES)[number]["type"];

/** Classifier classes: 0 benign, 1 + i the harm type HARM_TYPES[i]. */
export const GUARD_CLASSES = 1 + HARM_TYPES.length;

/** The class of a harm type string, or throws naming it. */
export function harmTypeClass(type: string, where: string): number {
  const i = HARM_TYPES.findIndex((h) => h.type === type);
  if (i < 0) throw new Error(`${where}: unknown Do-Not-Answer harm type ${JSON.stringify(type)}`);
  return 1 + i;
}

export const areaOfClass = (c: number): GuardArea => HARM_TYPES[c - 1]!.area;
export const areaIndex = (a: GuardArea): number => GUARD_AREAS.indexOf(a);
