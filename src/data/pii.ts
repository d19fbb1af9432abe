// PII scrubbing with typed placeholders: e-mail addresses, phone numbers (Japanese and international), IPv4 and
// IPv6 addresses, and credit-card numbers (only when the Luhn checksum and an issuer prefix match). Not here:
// names or street addresses (no reliable regex exists; that needs a NER model).
//
// Order matters: card numbers are replaced before phone numbers (a 16-digit card would otherwise partly look
// like a phone number), e-mails before IPs (an e-mail's domain can be a literal IP).
import { isIPv6 } from "node:net";

export type PiiKind = "email" | "credit_card" | "phone" | "ipv4" | "ipv6";

export interface PiiConfig {
  readonly kinds: readonly PiiKind[];
}

export const PII_DEFAULTS: PiiConfig = { kinds: ["email", "credit_card", "phone", "ipv4", "ipv6"] };

/** The placeholder that replaces each kind. */
export const PII_PLACEHOLDER: Readonly<Record<PiiKind, string>> = {
  email: "[EMAIL]",
  credit_card: "[CREDIT_CARD]",
  phone: "[PHONE]",
  ipv4: "[IP_ADDRESS]",
  ipv6: "[IP_ADDRESS]",
};

export interface PiiResult {
  readonly text: string;
  readonly counts: Readonly<Record<PiiKind, number>>;
}

const EMAIL = /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?![\w-])/g;
// 13-19 digits, optionally grouped by single spaces or hyphens.
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g;
// Japanese numbers: 0X-XXXX-XXXX, 0X(XXXX)XXXX or (0X)XXXX-XXXX (10-11 digits), or 0[5789]0 mobiles/IP
// phones written without separators; international: +CC then 6-14 more digits in groups.
const PHONE_JP = /(?<![\d+-])0\d{1,4}(?:-|\(|（)\d{1,4}(?:-|\)|）)\d{3,4}(?![\d-])|(?<![\d+-])0[5789]0\d{8}(?!\d)|[(（]0\d{1,4}[)）] ?\d{1,4}-\d{4}(?![\d-])/g;
const PHONE_INTL = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\d])/g;
// North-American style (555) 123-4567 / 555-123-4567.
const PHONE_NA = /(?<![\d-])(?:\(\d{3}\)\s?|\d{3}[-.])\d{3}[-.]\d{4}(?![\d-])/g;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]|\.\d)/g;
const IPV6_CANDIDATE = /(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])/g;

/** Luhn (mod 10) checksum over a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes (IIN) of the major networks: Visa 4, Mastercard 51-55 / 2221-2720, Amex 34/37, Discover
 *  6011/65/644-649, JCB 3528-3589, Diners 300-305/36/38, UnionPay 62. */
function knownIssuer(d: string): boolean {
  const p2 = Number(d.slice(0, 2));
  const p4 = Number(d.slice(0, 4));
  const p3 = Number(d.slice(0, 3));
  if (d[0] === "4") return true;
  if (p2 >= 51 && p2 <= 55) return true;
  if (p4 >= 2221 && p4 <= 2720) return true;
  if (p2 === 34 || p2 === 37 || p2 === 36 || p2 === 38 || p2 === 65 || p2 === 62) return true;
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649)) return true;
  if (p4 >= 3528 && p4 <= 3589) return true;
  return p3 >= 300 && p3 <= 305;
}

export function isCreditCard(candidate: string): boolean {
  const d = candidate.replace(/[ -]/g, "");
  return d.length >= 13 && d.length <= 19 && knownIssuer(d) && luhnValid(d);
}

/** Replaces PII in text by typed placeholders and counts each kind. */
export function scrubPii(text: string, cfg: PiiConfig = PII_DEFAULTS): PiiResult {
  const counts: Record<PiiKind, number> = { email: 0, credit_card: 0, phone: 0, ipv4: 0, ipv6: 0 };
  const on = new Set(cfg.kinds);
  let t = text;
  // Cheap gates: most documents hold no '@', no digit run and no colon pair, and skip the regexes.
  if (on.has("email") && t.includes("@")) {
    t = t.replace(EMAIL, () => (counts.email++, PII_PLACEHOLDER.email));
  }
  const hasDigits = /\d/.test(t);
  if (on.has("credit_card") && hasDigits) {
    t = t.replace(CARD, (m) => (isCreditCard(m) ? (counts.credit_card++, PII_PLACEHOLDER.credit_card) : m));
  }
  if (on.has("ipv6") && t.includes(":")) {
    // One group and "::" ("1961::" after a year in tokenised text, "add::", "::1") is a valid address but never a
    // person's: at least two groups are required.
    const groups = (m: string): number => m.split(":").filter((g) => g !== "").length;
    t = t.replace(IPV6_CANDIDATE, (m) => (groups(m) >= 2 && m.replace(/[^0-9A-Fa-f]/g, "").length >= 3 && isIPv6(m) ? (counts.ipv6++, PII_PLACEHOLDER.ipv6) : m));
  }
  if (on.has("ipv4") && hasDigits && t.includes(".")) {
    t = t.replace(IPV4, () => (counts.ipv4++, PII_PLACEHOLDER.ipv4));
  }
  if (on.has("phone") && hasDigits) {
    const phone = (): string => (counts.phone++, PII_PLACEHOLDER.phone);
    t = t.replace(PHONE_INTL, (m) => (digitCount(m) >= 8 && digitCount(m) <= 15 ? phone() : m));
    t = t.replace(PHONE_JP, (m) => (digitCount(m) >= 10 && digitCount(m) <= 11 ? phone() : m));
    t = t.replace(PHONE_NA, phone);
  }
  return { text: t, counts };
}

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) n++;
  return n;
}
