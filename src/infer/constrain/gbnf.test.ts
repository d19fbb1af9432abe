// GBNF: the parser's errors (file:line:column, what was expected), and the recognizer on llama.cpp's example
// grammars (grammars/arithmetic.gbnf, list.gbnf) and on repetition forms, against texts whose membership is known
// by hand. Not here: token masks (mask.test.ts), JSON Schema (json-schema.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseGbnf } from "./gbnf.js";
import { Recognizer } from "./recognizer.js";

const rec = (src: string): Recognizer => new Recognizer(parseGbnf(src, "g.gbnf"));
const errorOf = (src: string): string => {
  try {
    parseGbnf(src, "g.gbnf");
  } catch (e) {
    return (e as Error).message;
  }
  return "(no error)";
};

test("parser errors name the file, line and column and say what was expected", () => {
  assert.equal(errorOf('root ::= "a"\nitem ::= "b" missing\n'), "g.gbnf:2:14: rule missing is used but never defined");
  assert.equal(errorOf('root "a"\n'), "g.gbnf:1:6: expected ::= after the rule name root");
  assert.equal(errorOf('root ::= "abc\n'), "g.gbnf:1:14: newline inside a literal or character class (write \\n)");
  assert.equal(errorOf('root ::= "\\q"'), 'g.gbnf:1:11: unknown escape \\q (expected \\x.. \\u.... \\U........ \\n \\r \\t \\\\ \\" \\[ \\] \\- \\^)');
  assert.equal(errorOf('root ::= [z-a]'), "g.gbnf:1:10: character range z-a is reversed");
  assert.equal(errorOf('item ::= "a"'), "g.gbnf: the grammar has no root rule (root ::= ...)");
  assert.equal(errorOf('root ::= "a"\nroot ::= "b"'), "g.gbnf:2:1: rule root is defined twice (first at line 1)");
  assert.equal(errorOf('root ::= ( "a" '), "g.gbnf:1:10: expected ) to close the group");
  assert.equal(errorOf('root ::= "a"{3,1}'), "g.gbnf:1:13: repetition {3,1}: the maximum is below the minimum");
  assert.match(errorOf('root ::= expr\nexpr ::= expr "+" "1" | "1"'), /^g\.gbnf: left recursion through rule expr/);
  // Left recursion through a nullable prefix is still left recursion.
  assert.match(errorOf('root ::= a\na ::= b? a "x" | "y"\nb ::= "b"'), /left recursion through rule a/);
});

test("llama.cpp's arithmetic.gbnf accepts equations and rejects near misses", () => {
  const r = rec(`root  ::= (expr "=" ws term "\\n")+
expr  ::= term ([-+*/] term)*
term  ::= ident | num | "(" ws expr ")" ws
ident ::= [a-z] [a-z0-9_]* ws
num   ::= [0-9]+ ws
ws    ::= [ \\t\\n]*
`);
  assert.ok(r.matches("1+2=3\n"));
  assert.ok(r.matches("(x_1 *2)/y = 10\nz=0\n"));
  assert.ok(!r.matches("1+2=3")); // each equation ends with a newline
  assert.ok(!r.matches("1++2=3\n"));
  assert.ok(!r.matches("(1+2=3\n"));
  assert.ok(!r.matches("X=1\n")); // identifiers are lower case
});

test("llama.cpp's list.gbnf: one or more '- ' items, each on its own line", () => {
  const r = rec(`root ::= item+
# Excludes various line break characters
item ::= "- " [^\\r\\n\\x0b\\x0c\\x85\\u2028\\u2029]+ "\\n"
`);
  assert.ok(r.matches("- milk\n- 卵\n"));
  assert.ok(!r.matches(""));
  assert.ok(!r.matches("- \n"));
  assert.ok(!r.matches("- a\u2028b\n"));
});

test("repetitions: * + ? {m} {m,} {m,n}, classes, ranges, . and escapes", () => {
  const r = rec('root ::= "a"{2} "b"{1,3} "c"{2,} [^x-z]? . "\\u00e9" ( "p" | "q" )*');
  assert.ok(r.matches("aabccw!é"));
  assert.ok(r.matches("aabbbcccc!épqqp"));
  assert.ok(!r.matches("abccw!é")); // one a
  assert.ok(!r.matches("aabbbbccw!é")); // four b
  assert.ok(!r.matches("aabcw!é")); // one c
  assert.ok(!r.matches("aabccyw!é") && r.matches("aabcc!!é")); // y is excluded from the optional class
  assert.ok(r.matches("aabcc😀é"));
  // A character class over astral code points, given with \U.
  assert.ok(rec('root ::= [\\U0001F600-\\U0001F64F]+').matches("😀🙏"));
});

test("multi-line rules (as llama.cpp's json.gbnf writes them): a body after ::= and |, groups over lines, comments", () => {
  const r = rec(`root ::=
  "x" | # a comment
  (
    "y"
    "z"
  )
`);
  assert.ok(r.matches("x") && r.matches("yz") && !r.matches("y"));
});
