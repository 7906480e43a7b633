// Go's `%q`, exactly: the reference quotes the iptables rule comment with it, and identical
// comments let either implementation recognise the other's rules. Printable runes come from
// Go's Unicode tables (./go-printable.ts, generated), not the JS engine's newer ones.
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

/** Whether Go prints `cp` as itself. */
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
 * A lone surrogate counts as U+FFFD, as Go's JSON decoder makes it. Non-UTF-8 bytes (CNI_ARGS)
 * arrive already replaced by U+FFFD, so Go's `\xNN` for them cannot be reproduced.
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
