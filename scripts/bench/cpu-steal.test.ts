import { describe, expect, test } from "vitest";
import { parseCpuTimes, stealPercent } from "./cpu-steal.ts";

const STAT = "cpu  2529907 0 1321770 8166712 39270 0 9743 151053 0 0\ncpu0 1217163 0 637913 4166585 9681 0 1750 75734 0 0\nintr 1 2 3\n";

describe("CPU steal", () => {
  test("parseCpuTimes() reads the aggregate line, not a per-CPU one", () => {
    expect(parseCpuTimes(STAT)).toEqual({ total: 2529907 + 1321770 + 8166712 + 39270 + 9743 + 151053, steal: 151053 });
  });
  test("stealPercent() is the stolen share of the CPU time between two readings", () => {
    expect(stealPercent({ total: 1000, steal: 10 }, { total: 1400, steal: 30 })).toBe(5);
  });
  test("no time elapsed reads as no steal, not NaN", () => {
    expect(stealPercent({ total: 5, steal: 1 }, { total: 5, steal: 1 })).toBe(0);
  });
  test("a text without the aggregate line is refused", () => {
    expect(() => parseCpuTimes("cpu0 1 2 3\n")).toThrow(/no aggregate cpu line/);
  });
});
