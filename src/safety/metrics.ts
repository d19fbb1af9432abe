// Classification metrics from a confusion matrix: accuracy, per-class precision/recall/F1, macro-F1 and Cohen's
// kappa, and the matrix itself as SVG. Rows are the reference (human) label, columns the prediction, as in
// scikit-learn's confusion_matrix. Not here: what the classes mean (dna.ts), or any model.

import { KotodamaError } from "../util/errors.js";

export interface ClassMetrics {
  readonly label: string;
  /** How many reference items have this label (the row sum). */
  readonly support: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface ClassificationReport {
  readonly labels: readonly string[];
  /** matrix[reference][predicted]: counts. */
  readonly matrix: readonly (readonly number[])[];
  readonly n: number;
  readonly accuracy: number;
  /** Unweighted mean of the per-class F1 over classes that occur in the reference or the predictions
   *  (scikit-learn's f1_score(average="macro") over the labels present). */
  readonly macroF1: number;
  /** Cohen's kappa: (p_o − p_e) / (1 − p_e), p_e from the row and column marginals (1 when p_e = 1 and p_o = 1). */
  readonly kappa: number;
  readonly perClass: readonly ClassMetrics[];
}

/** counts[r][p] of reference r and prediction p over K classes; every label must lie in [0, K). */
export function confusionMatrix(reference: readonly number[], predicted: readonly number[], k: number): number[][] {
  if (reference.length !== predicted.length) throw new KotodamaError(`confusionMatrix: ${reference.length} reference labels but ${predicted.length} predictions`);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  reference.forEach((r, i) => {
    const p = predicted[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= k || !Number.isInteger(p) || p < 0 || p >= k) throw new KotodamaError(`confusionMatrix: item ${i} has reference ${r}, prediction ${p}; expected integers in [0, ${k})`);
    m[r]![p]!++;
  });
  return m;
}

/** 0 when the denominator is 0 (scikit-learn's zero_division=0). */
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** The report of a K×K confusion matrix. */
export function reportFromMatrix(matrix: readonly (readonly number[])[], labels: readonly string[]): ClassificationReport {
  const k = labels.length;
  if (matrix.length !== k || matrix.some((row) => row.length !== k)) throw new KotodamaError(`classification report: the matrix must be ${k}×${k} for labels ${labels.join(", ")}`);
  const rowSum = matrix.map((row) => row.reduce((s, v) => s + v, 0));
  const colSum = labels.map((_, j) => matrix.reduce((s, row) => s + row[j]!, 0));
  const n = rowSum.reduce((s, v) => s + v, 0);
  const diag = labels.reduce((s, _, i) => s + matrix[i]![i]!, 0);
  const perClass = labels.map((label, i) => {
    const tp = matrix[i]![i]!;
    const precision = ratio(tp, colSum[i]!);
    const recall = ratio(tp, rowSum[i]!);
    return { label, support: rowSum[i]!, precision, recall, f1: ratio(2 * precision * recall, precision + recall) };
  });
  const present = perClass.filter((_, i) => rowSum[i]! + colSum[i]! > 0);
  const po = ratio(diag, n);
  const pe = n === 0 ? 0 : labels.reduce((s, _, i) => s + (rowSum[i]! / n) * (colSum[i]! / n), 0);
  const kappa = pe === 1 ? (po === 1 ? 1 : 0) : (po - pe) / (1 - pe);
  return {
    labels: [...labels], matrix: matrix.map((r) => [...r]), n, accuracy: po,
    macroF1: present.length === 0 ? 0 : present.reduce((s, c) => s + c.f1, 0) / present.length, kappa, perClass,
  };
}

/** The report of reference labels against predictions (indices into labels). */
export function classificationReport(reference: readonly number[], predicted: readonly number[], labels: readonly string[]): ClassificationReport {
  return reportFromMatrix(confusionMatrix(reference, predicted, labels.length), labels);
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The confusion matrix as a self-contained SVG heat map: counts in cells shaded by their share of the row. */
export function confusionSvg(r: ClassificationReport, title: string): string {
  const k = r.labels.length;
  const cell = 88, left = 170, top = 70, W = left + k * cell + 20, H = top + k * cell + 90;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<text x="${left + (k * cell) / 2}" y="${top - 30}" text-anchor="middle">predicted</text>`,
    `<text x="14" y="${top + (k * cell) / 2}" transform="rotate(-90 14 ${top + (k * cell) / 2})" text-anchor="middle">reference (human)</text>`,
  ];
  r.labels.forEach((l, j) => parts.push(`<text x="${left + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${esc(l)}</text>`));
  r.matrix.forEach((row, i) => {
    const rs = row.reduce((s, v) => s + v, 0);
    parts.push(`<text x="${left - 8}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${esc(r.labels[i]!)}</text>`);
    row.forEach((v, j) => {
      const share = rs === 0 ? 0 : v / rs;
      const shade = Math.round(255 - 200 * share);
      parts.push(`<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#888"/>`);
      parts.push(`<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle" fill="${share > 0.6 ? "white" : "black"}">${v}</text>`);
    });
  });
  const y = top + k * cell + 28;
  parts.push(`<text x="${left}" y="${y}">n ${r.n}   accuracy ${r.accuracy.toFixed(3)}   macro-F1 ${r.macroF1.toFixed(3)}   κ ${r.kappa.toFixed(3)}</text>`);
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
