import { describe, expect, test } from "vitest";
import type { Addr } from "../../src/netlink/address.ts";
import { parseCidr } from "../../src/ip/cidr.ts";
import { calcGatewayIp, subnetsOverlap } from "./calc-gateways.ts";
import { podSysctls, routeGateway } from "./configure-iface.ts";
import { decideGatewayAddr } from "./gateway-addr.ts";
import { buildResult } from "./result.ts";
import { planPortVlans, randomVethName } from "./links.ts";

const addr = (address: string, prefixLength: number): Addr => ({
  index: 1,
  family: address.includes(":") ? 6 : 4,
  address,
  prefixLength,
  scope: 0,
  flags: 0,
  tentative: false,
  dadFailed: false,
});

describe("cidr", () => {
  test("calcGatewayIp() is the network + 1", () => {
    expect(calcGatewayIp(parseCidr("10.1.2.77/24")!)).toBe("10.1.2.1");
    expect(calcGatewayIp(parseCidr("fd00:1:2::77/64")!)).toBe("fd00:1:2::1");
    expect(calcGatewayIp(parseCidr("10.1.2.77/31")!)).toBe("10.1.2.77");
  });
  test("subnetsOverlap()", () => {
    expect(subnetsOverlap(parseCidr("fd00::1/64")!, parseCidr("fd00::7/48")!)).toBe(true);
    expect(subnetsOverlap(parseCidr("fd00:1::1/64")!, parseCidr("fd00:2::1/64")!)).toBe(false);
  });
});

describe("planPortVlans()", () => {
  test("no vlan, no trunk: nothing", () => {
    expect(planPortVlans(0, undefined, false)).toEqual({ flushExisting: false, native: undefined, tagged: [] });
    expect(planPortVlans(0, [], false)).toEqual({ flushExisting: false, native: undefined, tagged: [] });
  });
  test("vlan: PVID untagged, defaults flushed unless preserved", () => {
    expect(planPortVlans(100, undefined, false)).toEqual({ flushExisting: true, native: 100, tagged: [] });
    expect(planPortVlans(100, undefined, true).flushExisting).toBe(false);
  });
  test("trunk without vlan: VID 1 native; the native VID is never re-added tagged", () => {
    expect(planPortVlans(0, [1, 10, 20], false)).toEqual({ flushExisting: true, native: 1, tagged: [10, 20] });
    expect(planPortVlans(10, [10, 20], false)).toEqual({ flushExisting: true, native: 10, tagged: [20] });
  });
});

describe("decideGatewayAddr()", () => {
  const gw4 = { family: 4 as const, address: "10.1.2.1", prefixLength: 24 };
  test("exact address present: nothing to do", () => {
    expect(decideGatewayAddr(gw4, [addr("10.1.2.1", 24)], [gw4], false).present).toBe(true);
  });
  test("IPv4: any other address conflicts; forceAddress removes it", () => {
    const other = addr("10.9.9.9", 16);
    expect(decideGatewayAddr(gw4, [other], [gw4], false).conflict).toEqual(other);
    expect(decideGatewayAddr(gw4, [other], [gw4], true).remove).toEqual([other]);
  });
  test("docs/REFERENCE.md gap 10: another gateway of the same ADD is no conflict", () => {
    const second = { family: 4 as const, address: "10.3.0.1", prefixLength: 16 };
    const d = decideGatewayAddr(gw4, [addr("10.3.0.1", 16)], [gw4, second], false);
    expect(d).toEqual({ present: false, remove: [], conflict: undefined });
  });
  test("IPv6: only overlapping subnets conflict, link-local never", () => {
    const gw6 = { family: 6 as const, address: "fd00:1::1", prefixLength: 64 };
    expect(decideGatewayAddr(gw6, [addr("fe80::1", 64), addr("fd00:2::1", 64)], [gw6], false).conflict).toBeUndefined();
    expect(decideGatewayAddr(gw6, [addr("fd00:1::99", 64)], [gw6], false).conflict?.address).toBe("fd00:1::99");
  });
});

describe("configure-iface decisions", () => {
  test("podSysctls(): IPv4-only touches no fatal IPv6 key", () => {
    const keys = podSysctls("eth0", false, false);
    expect(keys.filter((k) => k.fatal)).toEqual([]);
    expect(keys.map((k) => k.key)).toEqual(["net/ipv6/conf/eth0/accept_dad", "net/ipv4/conf/eth0/arp_notify"]);
  });
  test("podSysctls(): IPv6 with enabledad", () => {
    const keys = podSysctls("eth0", true, true).map((k) => `${k.key}=${k.value}`);
    expect(keys).toEqual([
      "net/ipv6/conf/eth0/enhanced_dad=1",
      "net/ipv6/conf/eth0/accept_dad=1",
      "net/ipv4/conf/eth0/arp_notify=1",
      "net/ipv6/conf/lo/disable_ipv6=0",
      "net/ipv6/conf/eth0/disable_ipv6=0",
      "net/ipv6/conf/eth0/keep_addr_on_down=1",
    ]);
  });
  test("routeGateway(): own gw, else the first gateway of the family", () => {
    const ips = [
      { address: "10.1.2.5/24", gateway: "10.1.2.1" },
      { address: "fd00::5/64", gateway: "fd00::1" },
    ];
    expect(routeGateway({ dst: "10.0.0.0/8" }, ips)).toBe("10.1.2.1");
    expect(routeGateway({ dst: "::/0" }, ips)).toBe("fd00::1");
    expect(routeGateway({ dst: "10.0.0.0/8", gw: "10.1.2.9" }, ips)).toBe("10.1.2.9");
    expect(routeGateway({ dst: "10.0.0.0/8" }, [])).toBeUndefined();
  });
});

describe("buildResult()", () => {
  const parts = {
    bridge: { name: "cni0", mac: "aa:00:00:00:00:01" },
    hostVeth: { name: "veth01234567", mac: "aa:00:00:00:00:02" },
    container: { name: "eth0", mac: "aa:00:00:00:00:03", sandbox: "/var/run/netns/x" },
    ips: [{ address: "10.1.2.5/24", gateway: "10.1.2.1", interface: 2 }],
    routes: [{ dst: "0.0.0.0/0", gw: "10.1.2.1" }],
    ipamDns: { nameservers: ["10.1.2.53"] },
    confDns: undefined,
  };
  test("interfaces are [bridge, host veth, container with sandbox]", () => {
    const r = buildResult(parts);
    expect(r.interfaces).toEqual([
      { name: "cni0", mac: "aa:00:00:00:00:01" },
      { name: "veth01234567", mac: "aa:00:00:00:00:02" },
      { name: "eth0", mac: "aa:00:00:00:00:03", sandbox: "/var/run/netns/x" },
    ]);
    expect(r.ips).toEqual(parts.ips);
    expect(r.dns).toEqual({ nameservers: ["10.1.2.53"] });
  });
  test("the vlan gateway interface is 4th; config dns replaces IPAM's; L2 has no ips", () => {
    const r = buildResult({ ...parts, ips: [], routes: [], vlanIface: { name: "cni0.100", mac: "aa:00:00:00:00:04" }, confDns: { search: ["x"] } });
    expect(r.interfaces?.[3]).toEqual({ name: "cni0.100", mac: "aa:00:00:00:00:04" });
    expect(r.ips).toBeUndefined();
    expect(r.routes).toBeUndefined();
    expect(r.dns).toEqual({ search: ["x"] });
  });
});

test("randomVethName() is veth + 8 lowercase hex digits", () => {
  expect(randomVethName()).toMatch(/^veth[0-9a-f]{8}$/);
});

test("isUsableMac() rejects the zero MAC of a port-less bridge and multicast MACs", async () => {
  const { isUsableMac } = await import("./gateway-addr.ts");
  expect(isUsableMac("00:00:00:00:00:00")).toBe(false);
  expect(isUsableMac("01:00:5e:00:00:01")).toBe(false);
  expect(isUsableMac(undefined)).toBe(false);
  expect(isUsableMac("8e:d1:c3:c7:b3:69")).toBe(true);
});
