import { describe, expect, test } from "vitest";
import { quantile, ratio, summarize } from "./stats.ts";

describe("summarize()", () => {
  test("summarize() gives median and quartiles of an odd sample", () => {
    expect(summarize([5, 1, 3, 2, 4])).toEqual({ n: 5, median: 3, p25: 2, p75: 4, min: 1, max: 5 });
  });
  test("quantile() interpolates between neighbours", () => {
    expect(quantile([10, 20], 0.5)).toBe(15);
  });
  test("summarize() of nothing is NaN, not a crash", () => {
    expect(Number.isNaN(summarize([]).median)).toBe(true);
  });
  test("ratio() rounds to two decimals", () => {
    expect(ratio(25, 10)).toBe(2.5);
    expect(ratio(1, 3)).toBe(0.33);
  });
});
