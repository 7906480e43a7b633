import { describe, expect, test } from "vitest";
import { parseCidr } from "./cidr.ts";
import { parseIp } from "./ip-bytes.ts";
import { unusableGatewayReason, unusableSubnetReason } from "./reserved-blocks.ts";

describe("unusableGatewayReason()", () => {
  test.each([
    ["0.0.0.0", "is unspecified"],
    ["0.1.2.3", "lies in 0.0.0.0/8 (this host)"],
    ["127.0.0.1", "is loopback"],
    ["127.255.0.1", "is loopback"],
    ["169.254.169.254", "is link-local"],
    ["224.0.0.1", "is multicast"],
    ["239.255.255.255", "is multicast"],
    ["255.255.255.255", "is the broadcast address"],
    ["::", "is unspecified"],
    ["::1", "is loopback"],
    ["fe80::1", "is link-local"],
    ["febf::1", "is link-local"],
    ["ff02::1", "is multicast"],
    ["::ffff:10.0.0.1", "is IPv4-mapped"],
  ])("%s %s", (ip, why) => {
    expect(unusableGatewayReason(parseIp(ip)!)).toBe(why);
  });
  test.each(["10.0.0.1", "192.168.1.1", "100.64.0.1", "240.0.0.1", "fd00::1", "2001:db8::1", "fec0::1", "::2"])("%s is usable", (ip) => {
    expect(unusableGatewayReason(parseIp(ip)!)).toBeUndefined();
  });
});

describe("unusableSubnetReason()", () => {
  test("refuses /0 and the loopback, multicast and IPv4-mapped blocks; accepts private networks", () => {
    expect(unusableSubnetReason(parseCidr("0.0.0.0/0")!)).toBe("is a /0: it covers every address");
    expect(unusableSubnetReason(parseCidr("127.0.0.0/16")!)).toMatch(/loopback/);
    expect(unusableSubnetReason(parseCidr("ff02::/64")!)).toMatch(/multicast/);
    expect(unusableSubnetReason(parseCidr("::ffff:10.0.0.0/120")!)).toMatch(/IPv4-mapped/);
    expect(unusableSubnetReason(parseCidr("10.0.0.0/8")!)).toBeUndefined();
    expect(unusableSubnetReason(parseCidr("fd00::/64")!)).toBeUndefined();
  });
});
