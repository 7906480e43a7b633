import { describe, expect, it } from "vitest";
import { type HostView, uplinkMtu } from "./host-view.ts";

const addresses: HostView["addresses"] = [
  { address: "127.0.0.1", prefixLength: 8, ifname: "lo", mtu: 65536 },
  { address: "172.18.0.2", prefixLength: 16, ifname: "eth0", mtu: 1450 },
  { address: "10.0.0.2", prefixLength: 24, ifname: "eth1", mtu: 9000 },
];

describe("uplinkMtu", () => {
  it("takes the interface of the default route with the lowest metric, IPv4 first on a tie", () => {
    const view: HostView = {
      addresses,
      defaultRoutes: [
        { family: 6, gw: "fd00::1", ifname: "eth1", mtu: 9000, metric: 0 },
        { family: 4, gw: "172.18.0.1", ifname: "eth0", mtu: 1450, metric: 0 },
        { family: 4, gw: "10.0.0.1", ifname: "eth1", mtu: 9000, metric: 100 },
      ],
    };
    expect(uplinkMtu(view, [])).toBe(1450);
    expect(uplinkMtu({ addresses, defaultRoutes: view.defaultRoutes.slice(2) }, [])).toBe(9000);
  });

  it("falls back to the interface holding the node's InternalIP, else to nothing", () => {
    const multipath: HostView = { addresses, defaultRoutes: [{ family: 4, gw: undefined, ifname: undefined, mtu: undefined, metric: 0 }] };
    expect(uplinkMtu(multipath, ["10.0.0.2"])).toBe(9000);
    expect(uplinkMtu({ addresses, defaultRoutes: [] }, ["192.0.2.9"])).toBeUndefined();
  });
});
