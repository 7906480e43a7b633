import { describe, expect, test } from "vitest";
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
});
