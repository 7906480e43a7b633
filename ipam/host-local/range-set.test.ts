import { describe, expect, it } from "vitest";
import { parseIp } from "../../src/ip/ip-bytes.ts";
import { canonicalizeRangeSet, formatRangeSet, rangeSetContains, rangeSetSize, rangeSetsOverlap } from "./range-set.ts";
import type { RangeInput } from "./range.ts";

const set = (index: number, ...inputs: RangeInput[]) =>
  canonicalizeRangeSet(
    inputs.map((input, j) => ({ input, key: `ipam.ranges[${index}][${j}]` })),
    index,
  );

describe("canonicalizeRangeSet()", () => {
  it("accepts disjoint ranges of one family", () => {
    const s = set(0, { subnet: "10.1.2.0/24" }, { subnet: "10.1.3.0/24", rangeStart: "10.1.3.100" });
    expect(formatRangeSet(s)).toBe("10.1.2.1-10.1.2.254,10.1.3.100-10.1.3.254");
    expect(rangeSetSize(s)).toBe(253n + 155n);
  });

  it("refuses an empty set", () => {
    expect(() => set(2)).toThrow("invalid range set 2: empty range set");
  });

  it("refuses mixed families, naming the key", () => {
    expect(() => set(1, { subnet: "10.1.2.0/24" }, { subnet: "fd00::/64" })).toThrow(
      "invalid range set 1: mixed address families (ipam.ranges[1][1].subnet = fd00::/64)",
    );
  });

  it("refuses overlapping ranges", () => {
    expect(() => set(0, { subnet: "10.1.0.0/16" }, { subnet: "10.1.2.0/24" })).toThrow("invalid range set 0: subnets 10.1.0.0/16 and 10.1.2.0/24 overlap");
  });

  it("prefixes range errors with the set index", () => {
    expect(() => set(3, { subnet: "10.0.0.0/32" })).toThrow("invalid range set 3: Network 10.0.0.0/32 too small to allocate from");
  });
});

describe("range set helpers", () => {
  it("rangeSetContains() looks at every range", () => {
    const s = set(0, { subnet: "10.1.2.0/24" }, { subnet: "10.1.4.0/24" });
    expect(rangeSetContains(s, parseIp("10.1.4.9")!)).toBe(true);
    expect(rangeSetContains(s, parseIp("10.1.3.9")!)).toBe(false);
  });

  it("rangeSetsOverlap() finds shared pools", () => {
    expect(rangeSetsOverlap(set(0, { subnet: "10.1.0.0/16" }), set(1, { subnet: "10.1.2.0/24" }))).toBe(true);
    expect(rangeSetsOverlap(set(0, { subnet: "10.1.0.0/16" }), set(1, { subnet: "fd00::/64" }))).toBe(false);
  });
});
