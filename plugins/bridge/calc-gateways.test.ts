import { describe, expect, test } from "vitest";
import { InvalidConfigError } from "../../src/errors.ts";
import { calcGateways } from "./calc-gateways.ts";

const gw = { isGateway: true, isDefaultGateway: false };
const dgw = { isGateway: true, isDefaultGateway: true };
const none = { isGateway: false, isDefaultGateway: false };

describe("calcGateways()", () => {
  test("points every address at the container interface", () => {
    const p = calcGateways([{ address: "10.1.2.5/24" }], [], none);
    expect(p.ips).toEqual([{ address: "10.1.2.5/24", interface: 2 }]);
    expect(p.gateways).toEqual([]);
  });

  test("isGateway: missing gateway = subnet + 1; IPAM's gateway kept", () => {
    const p = calcGateways([{ address: "10.1.2.5/24" }, { address: "fd00:1::9/64", gateway: "fd00:1::fe" }], [], gw);
    expect(p.ips.map((i) => i.gateway)).toEqual(["10.1.2.1", "fd00:1::fe"]);
    expect(p.gateways).toEqual([
      { family: 4, address: "10.1.2.1", prefixLength: 24 },
      { family: 6, address: "fd00:1::fe", prefixLength: 64 },
    ]);
    expect(p.routes).toEqual([]);
  });

  test("isDefaultGateway adds one default route per family", () => {
    const p = calcGateways([{ address: "10.1.2.5/24" }, { address: "10.9.0.5/16" }, { address: "fd00::5/64" }], [], dgw);
    expect(p.routes).toEqual([
      { dst: "0.0.0.0/0", gw: "10.1.2.1" },
      { dst: "::/0", gw: "fd00::1" },
    ]);
    expect(p.gateways.map((g) => g.family)).toEqual([4, 4, 6]);
  });

  test("an IPAM default route with a gw is kept and no other is added", () => {
    const p = calcGateways([{ address: "10.1.2.5/24" }], [{ dst: "0.0.0.0/0", gw: "10.1.2.254" }], dgw);
    expect(p.routes).toEqual([{ dst: "0.0.0.0/0", gw: "10.1.2.254" }]);
  });

  test("docs/REFERENCE.md gap 9: an IPAM default route WITHOUT gw counts and gets the gateway (no duplicate)", () => {
    const p = calcGateways([{ address: "10.1.2.5/24" }], [{ dst: "0.0.0.0/0" }, { dst: "192.168.0.0/16" }], dgw);
    expect(p.routes).toEqual([{ dst: "0.0.0.0/0", gw: "10.1.2.1" }, { dst: "192.168.0.0/16" }]);
  });

  test("does not modify its inputs", () => {
    const ips = [{ address: "10.1.2.5/24" }];
    const routes = [{ dst: "0.0.0.0/0" }];
    calcGateways(ips, routes, dgw);
    expect(ips).toEqual([{ address: "10.1.2.5/24" }]);
    expect(routes).toEqual([{ dst: "0.0.0.0/0" }]);
  });

  test("rejects an address without prefix", () => {
    expect(() => calcGateways([{ address: "10.1.2.5" }], [], gw)).toThrow(/Unknown IP object/);
  });

  test.each([
    [[{ address: "10.1.2.5/24", gateway: "10.1.3.1" }], gw, "gateway 10.1.3.1 lies outside 10.1.2.0/24, the subnet of 10.1.2.5/24"],
    [[{ address: "10.1.2.5/24", gateway: "10.1.3.1" }], none, "gateway 10.1.3.1 lies outside 10.1.2.0/24, the subnet of 10.1.2.5/24"],
    [[{ address: "10.1.2.5/24", gateway: "fd00::1" }], gw, "gateway fd00::1 lies outside 10.1.2.0/24, the subnet of 10.1.2.5/24"],
    [[{ address: "10.1.2.5/24", gateway: "10.1.2.5" }], gw, "gateway 10.1.2.5 of 10.1.2.5/24 is the pod's own address"],
    [[{ address: "169.254.169.7/16", gateway: "169.254.169.254" }], gw, "gateway 169.254.169.254 of 169.254.169.7/16 is link-local"],
    [[{ address: "169.254.0.9/16" }], gw, "gateway 169.254.0.1 of 169.254.0.9/16 is link-local"],
    [[{ address: "fe80::9/64" }], gw, "gateway fe80::1 of fe80::9/64 is link-local"],
    [[{ address: "127.0.0.1/8" }], gw, "IPAM returned 127.0.0.1/8, whose subnet overlaps the IPv4 loopback block 127.0.0.0/8"],
    [[{ address: "10.0.0.1/0" }], none, "IPAM returned 10.0.0.1/0, whose subnet is a /0: it covers every address"],
    [[{ address: "::1/128" }], none, "IPAM returned ::1/128, whose subnet holds the IPv6 loopback address ::1"],
    [[{ address: "224.0.0.9/24" }], gw, "IPAM returned 224.0.0.9/24, whose subnet overlaps the IPv4 multicast block 224.0.0.0/4"],
  ])("refuses %j from any IPAM (code 7)", (ips, opts, msg) => {
    let caught: unknown;
    try {
      calcGateways(ips, [], opts);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidConfigError);
    expect((caught as InvalidConfigError).message).toBe(msg);
  });

  test("a gateway inside the subnet, not the pod's address, is kept whatever its place", () => {
    const p = calcGateways([{ address: "10.1.2.5/24", gateway: "10.1.2.254" }], [], gw);
    expect(p.gateways).toEqual([{ family: 4, address: "10.1.2.254", prefixLength: 24 }]);
  });
});
