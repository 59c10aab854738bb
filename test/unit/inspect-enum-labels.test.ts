// MySQL/MariaDB ENUM labels read back from COLUMN_TYPE text, including labels built to confuse a
// comma split: quotes, commas, parentheses, backslashes and control characters.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { mysqlEnumLabels } from "../../compiler/inspect/mysql-enum.ts";

// How MariaDB 10.11 prints a label in COLUMN_TYPE (observed): quote doubled; backslash, newline,
// carriage return and NUL backslash-escaped; everything else as it is.
function printedLabel(label: string): string {
  return `'${label.replace(/[\\'\n\r\0]/g, (c) => ({ "\\": "\\\\", "'": "''", "\n": "\\n", "\r": "\\r", "\0": "\\0" })[c]!)}'`;
}

test("reads plain and hostile labels in declaration order", () => {
  assert.deepEqual(mysqlEnumLabels("enum('scheduled','completed','cancelled')"), ["scheduled", "completed", "cancelled"]);
  assert.deepEqual(mysqlEnumLabels("ENUM('a')"), ["a"]);
  assert.deepEqual(
    mysqlEnumLabels("enum('it''s','back\\\\slash','a,b)','','q\"x','ünï','tab\there','nl\\nx','cr\\rx','nul\\0x','z\x1ax')"),
    ["it's", "back\\slash", "a,b)", "", 'q"x', "ünï", "tab\there", "nl\nx", "cr\rx", "nul\0x", "z\x1ax"],
  );
  // Escapes MySQL may use elsewhere decode as in a string literal; an unknown one is the character.
  assert.deepEqual(mysqlEnumLabels("enum('\\'x','\\Z','\\t','\\q')"), ["'x", "\x1a", "\t", "q"]);
  assert.deepEqual(mysqlEnumLabels("enum('\\e[31mred')"), ["e[31mred"]);
  assert.deepEqual(mysqlEnumLabels("enum('\x1b[31mred')"), ["\x1b[31mred"]);
});

test("anything that is not an ENUM type as the server prints it is no labels, never a guess", () => {
  for (const text of [
    "varchar(32)", "set('a','b')", "enum", "enum(", "enum('a'", "enum('a',)", "enum('a') ", "enum(a,b)",
    "enum('a''", "enum('a\\", "enum('a')x", " enum('a')", "enum('a' ,'b')",
  ]) {
    assert.equal(mysqlEnumLabels(text), undefined, text);
  }
  assert.deepEqual(mysqlEnumLabels("enum()"), []);
});

test("property: every label list survives the server's printing", () => {
  const label = fc.string({ unit: fc.constantFrom("a", "'", "\\", ",", "(", ")", "\n", "\r", "\0", "\t", " ", "é", "\u202e", '"') });
  fc.assert(
    fc.property(fc.array(label, { minLength: 1, maxLength: 8 }), (labels) => {
      assert.deepEqual(mysqlEnumLabels(`enum(${labels.map(printedLabel).join(",")})`), labels);
    }),
    { seed: 20261130, numRuns: 500 },
  );
});
