import { test } from "node:test";
import assert from "node:assert/strict";
import { scrubPii, luhnValid, isCreditCard } from "./pii.js";

test("Luhn checksum against known valid and invalid numbers", () => {
  for (const ok of ["4111111111111111", "5500005555555559", "378282246310005", "6011111111111117", "3530111333300000", "79927398713"]) assert.equal(luhnValid(ok), true, ok);
  for (const bad of ["4111111111111112", "1234567812345678", "79927398710"]) assert.equal(luhnValid(bad), false, bad);
});

test("a Luhn-valid credit card is masked; a random 16-digit number failing Luhn is not", () => {
  const r = scrubPii("Card: 4111 1111 1111 1111, exp 12/29. Order id 4111 1111 1111 1112. Amex 3782-822463-10005.");
  assert.equal(r.text, "Card: [CREDIT_CARD], exp 12/29. Order id 4111 1111 1111 1112. Amex [CREDIT_CARD].");
  assert.equal(r.counts.credit_card, 2);
  // Passes Luhn but no card network starts with 1: not a card.
  assert.equal(luhnValid("1000000000000008"), true);
  assert.equal(isCreditCard("1000000000000008"), false);
});

test("e-mail, Japanese and international phone numbers, IPv4 and IPv6 get typed placeholders", () => {
  const text = [
    "Mail taro.yamada+news@example.co.jp or bob@mail.example.com.",
    "電話は03-1234-5678、携帯は090-1234-5678か09012345678、または(03)1234-5678へ。",
    "Call +81 3 1234 5678 or +1 (555) 123-4567 or 555-123-4567.",
    "Server 192.168.0.1 and 2001:db8::8a2e:370:7334 and fe80:0000:0000:0000:0202:b3ff:fe1e:8329.",
  ].join("\n");
  const r = scrubPii(text);
  assert.equal(
    r.text,
    [
      "Mail [EMAIL] or [EMAIL].",
      "電話は[PHONE]、携帯は[PHONE]か[PHONE]、または[PHONE]へ。",
      "Call [PHONE] or [PHONE] or [PHONE].",
      "Server [IP_ADDRESS] and [IP_ADDRESS] and [IP_ADDRESS].",
    ].join("\n"),
  );
  assert.deepEqual(r.counts, { email: 2, credit_card: 0, phone: 7, ipv4: 1, ipv6: 2 });
});

test("look-alikes are left alone: times, versions, years, prices, ratios, out-of-range octets", () => {
  const s = "At 12:30:45 on 2024-01-15 version 1.2.3 cost ¥12,800 (3:2 ratio), 999.1.1.1 is no IP, pi is 3.14159265358979.";
  assert.equal(scrubPii(s).text, s);
  // A year or a word of hex letters before "::" (the Brown corpus writes "wrote in 1961::" before a quotation) is a
  // valid one-group IPv6 address, but nobody's; two groups and more still count.
  const t = "As Pearson wrote in 1955:: NATO; add:: it; loopback ::1; C++ std::vector.";
  assert.equal(scrubPii(t).text, t);
  assert.equal(scrubPii("prefix 2001:db8:: and fe80::1").text, "prefix [IP_ADDRESS] and [IP_ADDRESS]");
});
