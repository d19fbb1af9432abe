// Rendering a task's templates against one document: "{{field}}" is replaced by the document's field (a string or a
// number); nothing else is interpreted (no expressions, no filters), so a template file cannot run code. A missing
// field is an error naming the task file, the template and the field. Not here: the templates' schema
// (definition.ts), assembling shots (fewshot.ts).
import { KotodamaError } from "../../util/errors.js";
import type { TaskDefinition } from "./definition.js";

/** A document: the fields of one JSON line, SQuAD question, CEFR-SP sentence or instruction example. */
export type Doc = Readonly<Record<string, unknown>>;

const FIELD = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** `template` with every {{field}} replaced; `where` names the template in errors ("jcqa.json template.context"). */
export function render(template: string, doc: Doc, where: string): string {
  return template.replace(FIELD, (_m, name: string) => {
    const v = doc[name];
    if (typeof v === "string") return v;
    if (typeof v === "number" && Number.isFinite(v)) return String(v);
    throw new KotodamaError(`${where}: {{${name}}} ${v === undefined ? "is not a field of the document" : `is ${JSON.stringify(v)}, not a string or number`}; the document has: ${Object.keys(doc).join(", ")}`);
  });
}

/** The context of a document (no answer). */
export const renderContext = (task: TaskDefinition, doc: Doc): string => render(task.template.context, doc, `${task.file} template.context`);

/** The choices of a multiple-choice document, in order. */
export function renderChoices(task: TaskDefinition, doc: Doc): string[] {
  const t = task.template;
  if (t.choicesField === "") return t.choices.map((c, i) => render(c, doc, `${task.file} template.choices[${i}]`));
  const v = doc[t.choicesField];
  if (!Array.isArray(v) || v.length < 2 || v.some((x) => typeof x !== "string")) throw new KotodamaError(`${task.file} template.choicesField: field '${t.choicesField}' is ${JSON.stringify(v)}; expected at least two strings`);
  return v as string[];
}

/** The gold choice's index: the rendered target is an index ("2") or one of the choices' texts. */
export function goldIndex(task: TaskDefinition, doc: Doc, choices: readonly string[]): number {
  const s = render(task.template.target, doc, `${task.file} template.target`);
  const byText = choices.indexOf(s);
  if (byText >= 0) return byText;
  const i = /^\d+$/.test(s) ? Number(s) : -1;
  if (i < 0 || i >= choices.length) throw new KotodamaError(`${task.file} template.target: ${JSON.stringify(s)} is neither a choice index in [0, ${choices.length}) nor one of the choices (${choices.join(" | ")})`);
  return i;
}

/** The gold answers of a generation document: the target names a field of strings ("answers") or is a template. */
export function goldAnswers(task: TaskDefinition, doc: Doc): string[] {
  const t = task.template.target;
  const m = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(t);
  const v = m === null ? undefined : doc[m[1]!];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string")) return v as string[];
  return [render(t, doc, `${task.file} template.target`)];
}

/** A solved document as a shot: its context, the delimiter and its gold answer (the first, for generation). */
export function renderShot(task: TaskDefinition, doc: Doc): string {
  const answer = task.kind === "multiple_choice" ? (() => {
    const choices = renderChoices(task, doc);
    return choices[goldIndex(task, doc, choices)]!;
  })() : goldAnswers(task, doc)[0]!;
  return `${renderContext(task, doc)}${task.template.delimiter}${answer}`;
}
