import { describe, expect, it } from "vitest";
import {
  AF_BRIDGE,
  AF_INET,
  AF_INET6,
  BRIDGE_VLAN_INFO_PVID,
  BRIDGE_VLAN_INFO_RANGE_BEGIN,
  BRIDGE_VLAN_INFO_RANGE_END,
  BRIDGE_VLAN_INFO_UNTAGGED,
  IFA_BROADCAST,
  IFA_F_TENTATIVE,
  IFA_FLAGS,
  IFA_LOCAL,
  IFLA_ADDRESS,
  IFLA_AF_SPEC,
  IFLA_BRIDGE_VLAN_INFO,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_VLAN_ID,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  RTA_DST,
  RTA_GATEWAY,
  RTA_METRICS,
  RTA_OIF,
  RTA_TABLE,
  RTAX_MTU,
  RTM_DELADDR,
  RTM_DELROUTE,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
} from "./constants.ts";
import { MessageBuilder, parseAttrs } from "./message.ts";
import { formatMac, ifinfomsg, parseLink, parseMac } from "./link-codec.ts";
import { encodeAddress, ifaddrmsg, parseAddress } from "./address-codec.ts";
import { encodeRoute, parseRoute, rtmsg } from "./route-codec.ts";
import { parseBridgeVlans } from "./bridge-port.ts";

/** The payload (after the nlmsghdr) of a built message, as the kernel would send it back. */
const payloadOf = (b: MessageBuilder) => Buffer.from(b.finish(1, 0).subarray(16));

describe("link codec", () => {
  it("parseMac()/formatMac() round-trip and reject junk", () => {
    expect(formatMac(parseMac("0A:58:00:ff:10:01"))).toBe("0a:58:00:ff:10:01");
    expect(() => parseMac("0a:58:00:ff:10")).toThrow(/invalid MAC address/);
    expect(() => parseMac("0a:58:00:ff:10:zz")).toThrow(/invalid MAC address/);
  });

  it("parseLink() decodes flags, attributes and linkinfo", () => {
    const payload = payloadOf(
      new MessageBuilder(RTM_NEWLINK, 0, ifinfomsg(0, 7, 0x1 | 0x100, 0))
        .str(IFLA_IFNAME, "eth0.5")
        .bytes(IFLA_ADDRESS, parseMac("0a:58:00:00:00:01"))
        .u32(IFLA_MTU, 1450)
        .u32(IFLA_MASTER, 3)
        .u8(IFLA_OPERSTATE, 6)
        .begin(IFLA_LINKINFO)
        .str(IFLA_INFO_KIND, "vlan")
        .begin(IFLA_INFO_DATA)
        .u16(IFLA_VLAN_ID, 5)
        .end()
        .end(),
    );
    expect(parseLink(RTM_NEWLINK, payload)).toMatchObject({
      index: 7,
      name: "eth0.5",
      kind: "vlan",
      mac: "0a:58:00:00:00:01",
      mtu: 1450,
      up: true,
      promisc: true,
      operState: "up",
      masterIndex: 3,
      linkIndex: undefined,
    });
    expect(parseLink(2, payload)).toBeUndefined();
  });
});

describe("address codec", () => {
  it("encodeAddress() adds IFA_LOCAL, IFA_ADDRESS and the IPv4 broadcast", () => {
    const p = payloadOf(encodeAddress(RTM_NEWADDR, 4, "10.1.2.3", 24));
    expect([...p.subarray(0, 8)]).toEqual([...ifaddrmsg(AF_INET, 24, 0, 4)]);
    const a = parseAttrs(p, 8);
    expect([...a.get(IFA_LOCAL)!]).toEqual([10, 1, 2, 3]);
    expect([...a.get(IFA_BROADCAST)!]).toEqual([10, 1, 2, 255]);
    expect(parseAttrs(payloadOf(encodeAddress(RTM_NEWADDR, 4, "10.1.2.3", 31)), 8).has(IFA_BROADCAST)).toBe(false);
    expect(parseAttrs(payloadOf(encodeAddress(RTM_DELADDR, 4, "10.1.2.3", 24)), 8).has(IFA_BROADCAST)).toBe(false);
  });

  it("encodeAddress() rejects bad addresses and prefixes", () => {
    expect(() => encodeAddress(RTM_NEWADDR, 1, "10.1.2", 24)).toThrow(/invalid address/);
    expect(() => encodeAddress(RTM_NEWADDR, 1, "10.1.2.3", 33)).toThrow(/invalid address/);
    expect(() => encodeAddress(RTM_NEWADDR, 1, "fd00::1", 129)).toThrow(/invalid address/);
  });

  it("parseAddress() reads the 32-bit IFA_FLAGS (tentative) over the 8-bit header flags", () => {
    const built = encodeAddress(RTM_NEWADDR, 9, "fd00::1", 64).u32(IFA_FLAGS, IFA_F_TENTATIVE);
    expect(parseAddress(RTM_NEWADDR, payloadOf(built))).toMatchObject({
      index: 9,
      family: 6,
      address: "fd00::1",
      prefixLength: 64,
      tentative: true,
      dadFailed: false,
    });
  });
});

describe("route codec", () => {
  it("encodeRoute() refuses a destination that is not a CIDR", () => {
    expect(payloadOf(encodeRoute(RTM_NEWROUTE, { dst: "::/0", index: 2 }))[1]).toBe(0);
    for (const dst of ["10.0.0.0/33", "nope/8", "10.0.0.1"]) {
      expect(() => encodeRoute(RTM_NEWROUTE, { dst, index: 2 })).toThrow(/invalid CIDR/);
    }
  });

  it("encodeRoute() picks the scope: link without a gateway (IPv4), universe with one, nowhere on delete", () => {
    expect(payloadOf(encodeRoute(RTM_NEWROUTE, { dst: "10.0.0.0/8", index: 2 }))[6]).toBe(RT_SCOPE_LINK);
    expect(payloadOf(encodeRoute(RTM_NEWROUTE, { dst: "0.0.0.0/0", gw: "10.0.0.1" }))[6]).toBe(RT_SCOPE_UNIVERSE);
    expect(payloadOf(encodeRoute(RTM_NEWROUTE, { dst: "fd00::/64", index: 2 }))[6]).toBe(RT_SCOPE_UNIVERSE);
    expect(payloadOf(encodeRoute(RTM_DELROUTE, { dst: "0.0.0.0/0" }))[6]).toBe(RT_SCOPE_NOWHERE);
  });

  it("encodeRoute() omits RTA_DST for default routes and puts big table ids in RTA_TABLE", () => {
    const p = payloadOf(encodeRoute(RTM_NEWROUTE, { dst: "0.0.0.0/0", gw: "10.0.0.1", index: 3, table: 1000, mtu: 1400 }));
    expect(p[4]).toBe(0);
    const a = parseAttrs(p, 12);
    expect(a.has(RTA_DST)).toBe(false);
    expect(a.get(RTA_TABLE)!.readUInt32LE(0)).toBe(1000);
    expect(a.get(RTA_OIF)!.readUInt32LE(0)).toBe(3);
    expect([...a.get(RTA_GATEWAY)!]).toEqual([10, 0, 0, 1]);
    expect(parseAttrs(a.get(RTA_METRICS)!).get(RTAX_MTU)!.readUInt32LE(0)).toBe(1400);
    expect(() => encodeRoute(RTM_NEWROUTE, { dst: "0.0.0.0/0", gw: "fd00::1" })).toThrow(/invalid gateway/);
  });

  it("parseRoute() turns a message back into a RouteEntry", () => {
    const b = new MessageBuilder(RTM_NEWROUTE, 0, rtmsg(AF_INET6, 0, 254, 3, 0, 1))
      .u32(RTA_TABLE, 254)
      .bytes(RTA_GATEWAY, Buffer.from("fd000000000000000000000000000001", "hex"))
      .u32(RTA_OIF, 5);
    expect(parseRoute(RTM_NEWROUTE, payloadOf(b))).toEqual({ family: 6, dst: "::/0", gw: "fd00::1", index: 5, table: 254, protocol: 3, scope: 0, type: 1 });
  });
});

describe("bridge VLAN decoding", () => {
  const info = (flags: number, vid: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt16LE(flags, 0);
    b.writeUInt16LE(vid, 2);
    return b;
  };

  it("parseBridgeVlans() reads entries and expands ranges", () => {
    const b = new MessageBuilder(RTM_NEWLINK, 0, ifinfomsg(AF_BRIDGE, 4))
      .begin(IFLA_AF_SPEC, false)
      .bytes(IFLA_BRIDGE_VLAN_INFO, info(BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, 1))
      .bytes(IFLA_BRIDGE_VLAN_INFO, info(BRIDGE_VLAN_INFO_RANGE_BEGIN, 10))
      .bytes(IFLA_BRIDGE_VLAN_INFO, info(BRIDGE_VLAN_INFO_RANGE_END, 12))
      .end();
    expect(parseBridgeVlans(RTM_NEWLINK, payloadOf(b))).toEqual({
      index: 4,
      vlans: [
        { vid: 1, pvid: true, untagged: true },
        { vid: 10, pvid: false, untagged: false },
        { vid: 11, pvid: false, untagged: false },
        { vid: 12, pvid: false, untagged: false },
      ],
    });
    expect(parseBridgeVlans(RTM_NEWLINK, payloadOf(new MessageBuilder(RTM_NEWLINK, 0, ifinfomsg(AF_INET6, 4))))).toBeUndefined();
  });
});
