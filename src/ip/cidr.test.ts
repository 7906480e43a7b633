import { describe, expect, it } from "vitest";
import { formatCidr, lastAddress, netContains, netsOverlap, networkAddress, parseCidr } from "./cidr.ts";
import { formatIp, parseIp } from "./ip-bytes.ts";
import { addToIp, compareIp, nextIp, prevIp } from "./ip-math.ts";

const ip = (s: string) => parseIp(s)!;
const net = (s: string) => parseCidr(s)!;

describe("cidr", () => {
  it("parseCidr() parses both families and refuses junk", () => {
    expect(formatCidr(net("10.1.2.3/24"))).toBe("10.1.2.3/24");
    expect(formatCidr(net("2001:DB8::1/64"))).toBe("2001:db8::1/64");
    expect(net("fd00::1/64")).toEqual({ ip: ip("fd00::1"), prefixLength: 64, family: 6 });
    expect(formatCidr(net("::ffff:10.1.2.3/120"))).toBe("::ffff:10.1.2.3/120");
    const bad = ["10.0.0.0", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "x/8", "10.0.0.0/08", "10.0.0.0/8/8", "fe80::1%eth0/64", "10.0.0.0/ 8"];
    for (const text of bad) expect(parseCidr(text)).toBeUndefined();
  });

  it("networkAddress() and lastAddress() mask the host bits", () => {
    expect(formatIp(networkAddress(net("10.1.2.3/23")))).toBe("10.1.2.0");
    expect(formatIp(lastAddress(net("10.1.2.3/23")))).toBe("10.1.3.255");
    expect(formatIp(networkAddress(net("fd00::1:2/112")))).toBe("fd00::1:0");
    expect(formatIp(lastAddress(net("fd00::1:2/112")))).toBe("fd00::1:ffff");
    expect(formatIp(lastAddress(net("0.0.0.0/0")))).toBe("255.255.255.255");
    expect(formatIp(networkAddress(net("::ffff:10.1.2.3/120")))).toBe("::ffff:10.1.2.0");
  });

  it("netContains() and netsOverlap() respect family and prefix", () => {
    expect(netContains(net("10.0.0.0/8"), ip("10.255.0.1"))).toBe(true);
    expect(netContains(net("10.0.0.0/8"), ip("11.0.0.1"))).toBe(false);
    expect(netContains(net("::/0"), ip("10.0.0.1"))).toBe(false);
    expect(netContains(net("fd00::/64"), ip("fd00::ffff"))).toBe(true);
    expect(netContains(net("fd00::/64"), ip("fd00:0:0:1::1"))).toBe(false);
    expect(netsOverlap(net("10.0.0.0/8"), net("10.2.0.0/16"))).toBe(true);
    expect(netsOverlap(net("10.0.0.0/16"), net("10.1.0.0/16"))).toBe(false);
    expect(netContains(net("10.1.2.0/23"), ip("10.1.3.254"))).toBe(true);
    expect(netContains(net("10.1.2.0/23"), ip("10.1.4.0"))).toBe(false);
    expect(netContains(net("0.0.0.0/0"), ip("203.0.113.9"))).toBe(true);
    expect(netContains(net("fd00::8000/113"), ip("fd00::ffff"))).toBe(true);
    expect(netContains(net("fd00::8000/113"), ip("fd00::7fff"))).toBe(false);
  });
});

describe("ip-math", () => {
  it("nextIp() / prevIp() carry across bytes and wrap", () => {
    expect(formatIp(nextIp(ip("10.0.0.255")))).toBe("10.0.1.0");
    expect(formatIp(prevIp(ip("10.0.1.0")))).toBe("10.0.0.255");
    expect(formatIp(nextIp(ip("255.255.255.255")))).toBe("0.0.0.0");
    expect(formatIp(nextIp(ip("fd00::ffff")))).toBe("fd00::1:0");
  });

  it("compareIp() orders numerically, IPv4 first", () => {
    expect(compareIp(ip("10.0.0.2"), ip("10.0.0.10"))).toBeLessThan(0);
    expect(compareIp(ip("10.0.0.2"), ip("::1"))).toBeLessThan(0);
    expect(compareIp(ip("::2"), ip("::2"))).toBe(0);
  });

  it("addToIp() adds with wrap-around", () => {
    expect(formatIp(addToIp(ip("10.0.0.250"), 10n))).toBe("10.0.1.4");
    expect(formatIp(addToIp(ip("0.0.0.1"), -2n))).toBe("255.255.255.255");
  });
});
