/**
 * Go's `%q` formatting of a string, which the reference uses for the
 * iptables rule comment (`name: "<net>" id: "<cid>"`). Reproducing it byte
 * for byte keeps our comments identical to the reference's, so either
 * implementation recognises the other's rules.
 *
 * @module
 */

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

/**
 * Quote `text` the way Go's `strconv.Quote` (and `fmt` `%q`) does: double
 * quotes, backslash escapes for quotes, backslashes and control characters,
 * printable Unicode kept as is.
 *
 * @param text the string to quote
 * @returns the quoted string, quotes included
 * @example goQuote('a"b') // '"a\\"b"'
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
    if (cp === 0xfffd) {
      // Go prints a literal U+FFFD only when it was valid UTF-8; JS strings
      // cannot tell, so keep the character.
      out += ch;
    } else if (cp < 0x20 || cp === 0x7f) {
      out += `\\x${cp.toString(16).padStart(2, "0")}`;
    } else if (cp >= 0x80 && cp < 0xa0) {
      out += `\\u${cp.toString(16).padStart(4, "0")}`;
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate is not valid UTF-8: Go would see bytes and print U+FFFD.
      out += "\\ufffd";
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}
