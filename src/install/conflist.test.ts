import { describe, expect, it } from "vitest";
import { InvalidConfigError } from "../errors.ts";
import { conflistText, nodeConflist, normalisePodCidrs, type NodeConflistOptions } from "./conflist.ts";

const base: NodeConflistOptions = {
  networkName: "cni-ts",
  bridge: "cni-ts0",
  podCidrs: ["10.244.1.0/24"],
  portmap: false,
  hairpin: true,
  ipMasq: true,
};

describe("nodeConflist", () => {
  it("is bridge + host-local over the node's pod CIDR, with a default route through the bridge", () => {
    expect(nodeConflist(base)).toEqual({
      cniVersion: "1.0.0",
      name: "cni-ts",
      plugins: [
        {
          type: "bridge",
          bridge: "cni-ts0",
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: { type: "host-local", ranges: [[{ subnet: "10.244.1.0/24" }]], routes: [{ dst: "0.0.0.0/0" }] },
        },
      ],
    });
  });

  it("gives dual stack one range set and one default route per family, and chains portmap when asked", () => {
    const list = nodeConflist({ ...base, podCidrs: ["10.244.1.0/24", "fd00:10:244:1::/64"], portmap: true, mtu: 1450 }) as any;
    expect(list.plugins[0].ipam.ranges).toEqual([[{ subnet: "10.244.1.0/24" }], [{ subnet: "fd00:10:244:1::/64" }]]);
    expect(list.plugins[0].ipam.routes).toEqual([{ dst: "0.0.0.0/0" }, { dst: "::/0" }]);
    expect(list.plugins[0].mtu).toBe(1450);
    expect(list.plugins[1]).toEqual({ type: "portmap", capabilities: { portMappings: true }, snat: true });
  });

  it.each([
    [{ networkName: "bad name" }, /network name/],
    [{ bridge: "a-bridge-name-too-long" }, /bridge name/],
    [{ bridge: "a/b" }, /bridge name/],
    [{ mtu: 40 }, /MTU/],
    [{ podCidrs: [] }, /no pod CIDR/],
  ])("refuses %j", (change, message) => {
    expect(() => nodeConflist({ ...base, ...change })).toThrow(InvalidConfigError);
    expect(() => nodeConflist({ ...base, ...change })).toThrow(message);
  });

  it("renders the same bytes for the same settings", () => {
    expect(conflistText(nodeConflist(base))).toBe(conflistText(nodeConflist({ ...base })));
    expect(conflistText(nodeConflist(base)).endsWith("}\n")).toBe(true);
  });
});

describe("normalisePodCidrs", () => {
  it("clears host bits", () => {
    expect(normalisePodCidrs(["10.244.1.7/24", "fd00::1/64"])).toEqual(["10.244.1.0/24", "fd00::/64"]);
  });
  it.each([
    [["10.244.1.0"], /not an IPv4 or IPv6 CIDR/],
    [["10.244.1.0/33"], /not an IPv4 or IPv6 CIDR/],
    [["10.0.0.0/24", "10.1.0.0/24"], /more than one IPv4/],
    [["10.0.0.0/31"], /no address/],
  ])("refuses %j", (cidrs, message) => {
    expect(() => normalisePodCidrs(cidrs)).toThrow(message);
  });
});
