import { describe, expect, test } from "vitest";
import { goQuote } from "./go-quote.ts";

// Expected strings printed by Go 1.19's strconv.Quote (Debian 12's golang-go).
describe("goQuote()", () => {
  test.each([
    ['a"b\\c\n\x01\x7fé\u0085☃\t', '"a\\"b\\\\c\\n\\x01\\x7fé\\u0085☃\\t"'],
    ["mynet", '"mynet"'],
    ["soft\u00adhyphen", '"soft\\u00adhyphen"'],
    ["nbsp\u00a0x", '"nbsp\\u00a0x"'],
    ["zw\u200bsp", '"zw\\u200bsp"'],
    ["bom\ufeff", '"bom\\ufeff"'],
    ["line\u2028sep", '"line\\u2028sep"'],
    ["rtl\u202e", '"rtl\\u202e"'],
    ["pua\ue000", '"pua\\ue000"'],
    ["unassigned\u0378", '"unassigned\\u0378"'],
    ["max\u{10ffff}", '"max\\U0010ffff"'],
    ["tag\u{e0001}", '"tag\\U000e0001"'],
    // Assigned in Unicode 15, after Go 1.19's Unicode 13: Go escapes it.
    ["new\u{1fae8}", '"new\\U0001fae8"'],
    ["emoji😀", '"emoji😀"'],
    ["mark e\u0301", '"mark e\u0301"'],
  ])("%j", (text, quoted) => {
    expect(goQuote(text)).toBe(quoted);
  });

  test("a lone surrogate is U+FFFD, as Go's JSON decoder makes it", () => {
    expect(goQuote(JSON.parse('"a\\ud800b"') as string)).toBe('"a\ufffdb"');
  });
});
