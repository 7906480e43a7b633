/**
 * src/netfilter/go-quote.ts against Go itself (Debian's golang-go, the Go
 * that built Debian's reference plugins): the generated table of printable
 * runes is what scripts/go-printable prints today, and goQuote agrees with
 * strconv.Quote on every Unicode scalar value. Needs `go`, no root.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { goQuote } from "../../src/netfilter/go-quote.ts";
import { goEnv } from "../helpers/go.ts";
import { ROOT } from "../helpers/run-plugin.ts";

function goRun(dir: string): string {
  return execFileSync("go", ["run", "."], { cwd: join(ROOT, dir), env: goEnv(), encoding: "utf8", maxBuffer: 64 << 20 });
}

describe("goQuote() against Go's strconv.Quote", () => {
  beforeAll(() => mkdirSync(goEnv().GOCACHE!, { recursive: true }));

  it("the printable-rune table is up to date (regenerate with scripts/go-printable when this fails)", () => {
    expect(goRun("scripts/go-printable")).toBe(readFileSync(join(ROOT, "src/netfilter/go-printable.ts"), "utf8"));
  });

  it("agrees on every Unicode scalar value", () => {
    const expected = goRun("test/netfilter/quote-all").split("\n");
    let line = 0;
    const mismatches: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ours = goQuote(String.fromCodePoint(cp));
      if (ours !== expected[line]) mismatches.push(`U+${cp.toString(16)}: go ${expected[line]} ours ${ours}`);
      line++;
    }
    expect(line).toBe(0x110000 - 0x800);
    expect(mismatches.slice(0, 20)).toEqual([]);
  }, 120_000);
});
