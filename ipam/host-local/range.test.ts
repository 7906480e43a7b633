import { describe, expect, it } from "vitest";
import { InvalidConfigError } from "../../src/errors.ts";
import { formatIp, parseIp } from "../../src/ip/ip-bytes.ts";
import { canonicalizeRange, formatRange, rangeContains, rangeSize, rangesOverlap } from "./range.ts";
import type { RangeInput } from "./range.ts";

const canon = (input: RangeInput) => canonicalizeRange(input, "ipam.ranges[0][0]");

describe("canonicalizeRange()", () => {
  it("fills the reference defaults (IPv4: .1 to broadcast-1, gateway .1)", () => {
    const r = canon({ subnet: "10.1.2.0/24" });
    expect(formatRange(r)).toBe("10.1.2.1-10.1.2.254");
    expect(formatIp(r.gateway)).toBe("10.1.2.1");
  });

  it("fills the reference defaults (IPv6: end = last address)", () => {
    const r = canon({ subnet: "fd00::/120" });
    expect(formatRange(r)).toBe("fd00::1-fd00::ff");
  });

  it("keeps explicit start, end and gateway", () => {
    const r = canon({ subnet: "10.1.0.0/16", rangeStart: "10.1.1.20", rangeEnd: "10.1.3.50", gateway: "10.1.0.254" });
    expect(formatRange(r)).toBe("10.1.1.20-10.1.3.50");
    expect(formatIp(r.gateway)).toBe("10.1.0.254");
  });

  it.each<[RangeInput, string]>([
    [{ subnet: "10.0.0.0/31" }, "Network 10.0.0.0/31 too small to allocate from (ipam.ranges[0][0].subnet)"],
    [{ subnet: "fd00::/127" }, "Network fd00::/127 too small to allocate from"],
    [{ subnet: "10.1.2.3/24" }, "Network has host bits set. For a subnet mask of length 24 the network address is 10.1.2.0"],
    [{ subnet: "10.1.2.0/24", rangeStart: "10.1.3.1" }, "RangeStart 10.1.3.1 not in network 10.1.2.0/24 (ipam.ranges[0][0].rangeStart)"],
    [{ subnet: "10.1.2.0/24", rangeEnd: "10.1.3.1" }, "RangeEnd 10.1.3.1 not in network 10.1.2.0/24 (ipam.ranges[0][0].rangeEnd)"],
    [{ subnet: "10.1.2.0/24", rangeStart: "10.1.2.50", rangeEnd: "10.1.2.40" }, "RangeStart 10.1.2.50 is after RangeEnd 10.1.2.40"],
    [{ subnet: "10.1.2.0/24", gateway: "10.9.9.9" }, "gateway 10.9.9.9 not in network 10.1.2.0/24 (ipam.ranges[0][0].gateway)"],
    [{ subnet: "10.1.2.0/24", gateway: "nope" }, "invalid IP address: nope (ipam.ranges[0][0].gateway)"],
    [{ subnet: "10.1.2.0" }, "invalid CIDR address: 10.1.2.0"],
  ])("refuses %j", (input, message) => {
    expect(() => canon(input)).toThrow(InvalidConfigError);
    expect(() => canon(input)).toThrow(message);
  });
});

describe("range helpers", () => {
  const r = canon({ subnet: "10.1.2.0/24", rangeStart: "10.1.2.10", rangeEnd: "10.1.2.20" });

  it("rangeContains() covers only the pool", () => {
    expect(rangeContains(r, parseIp("10.1.2.10")!)).toBe(true);
    expect(rangeContains(r, parseIp("10.1.2.20")!)).toBe(true);
    expect(rangeContains(r, parseIp("10.1.2.9")!)).toBe(false);
    expect(rangeContains(r, parseIp("::1")!)).toBe(false);
  });

  it("rangesOverlap() compares pools", () => {
    expect(rangesOverlap(r, canon({ subnet: "10.1.2.0/24", rangeStart: "10.1.2.20" }))).toBe(true);
    expect(rangesOverlap(r, canon({ subnet: "10.1.2.0/24", rangeStart: "10.1.2.21" }))).toBe(false);
  });

  it("rangeSize() excludes the gateway when it is in the pool", () => {
    expect(rangeSize(r)).toBe(11n);
    expect(rangeSize(canon({ subnet: "10.1.2.0/24" }))).toBe(253n);
  });
});
