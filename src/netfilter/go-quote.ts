/**
 * Go's `%q` formatting of a string, which the reference uses for the
 * iptables rule comment (`name: "<net>" id: "<cid>"`). Reproducing it
 * exactly keeps our comments identical to the reference's, so either
 * implementation recognises the other's rules.
 *
 * Go escapes every rune `strconv.IsPrint` rejects (controls, format
 * characters such as U+00AD, spaces other than U+0020, private use,
 * unassigned code points). That set comes from Go's Unicode tables, so it
 * is taken from Go itself (./go-printable.ts, generated) rather than from
 * the JavaScript engine's own, newer, Unicode version.
 *
 * @module
 */
import { GO_PRINTABLE_RANGES } from "./go-printable.ts";

const SIMPLE_ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  "\\": "\\\\",
  '"': '\\"',
};

/** Whether Go prints `cp` as itself (binary search over the generated ranges). */
function isGoPrintable(cp: number): boolean {
  let low = 0;
  let high = GO_PRINTABLE_RANGES.length / 2 - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (cp < GO_PRINTABLE_RANGES[2 * mid]!) high = mid - 1;
    else if (cp > GO_PRINTABLE_RANGES[2 * mid + 1]!) low = mid + 1;
    else return true;
  }
  return false;
}

const hex = (cp: number, digits: number) => cp.toString(16).padStart(digits, "0");

/**
 * Quote `text` the way Go's `strconv.Quote` (and `fmt` `%q`) does, for the
 * string Go's JSON decoder would have made of the same config: a lone
 * surrogate (which `JSON.parse` keeps and Go's decoder replaces) counts as
 * U+FFFD. Bytes that are not UTF-8 (possible in an environment variable
 * such as CNI_ARGS) reach JavaScript already replaced by U+FFFD, so Go's
 * `\xNN` for them cannot be reproduced.
 *
 * @param text the string to quote
 * @returns the quoted string, quotes included
 * @example goQuote('a"b\u00ad') // '"a\\"b\\u00ad"'
 */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) out += "\ufffd";
    else if (isGoPrintable(cp)) out += ch;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}
