import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InvalidConfigError } from "../errors.ts";
import { parseCidr, netContains } from "../ip/cidr.ts";
import { bigIntToIp } from "../ip/ip-math.ts";
import { aggregateCidrs, clusterCidrsFor, clusterCidrsFromNodes, masqueradeMode, parseCidrList, planEgressMasq } from "./egress-plan.ts";

describe("planEgressMasq", () => {
  it("masquerades this node's pods to anything outside the cluster's pod network and multicast", () => {
    expect(planEgressMasq({ podCidrs: ["10.244.1.0/24"], clusterCidrs: ["10.244.0.0/16"], nonMasqCidrs: [] })).toEqual([
      { family: 4, source: "10.244.1.0/24", exempt: ["10.244.0.0/16", "224.0.0.0/4"] },
    ]);
  });

  it("plans both families of a dual-stack node, each with its own exemptions", () => {
    const plans = planEgressMasq({
      podCidrs: ["10.244.1.0/24", "fd00:10:244:1::/64"],
      clusterCidrs: ["10.244.0.0/24", "10.244.1.0/24", "fd00:10:244::/64", "fd00:10:244:1::/64"],
      nonMasqCidrs: ["192.168.0.0/16"],
    });
    expect(plans).toEqual([
      { family: 4, source: "10.244.1.0/24", exempt: ["10.244.0.0/23", "192.168.0.0/16", "224.0.0.0/4"] },
      { family: 6, source: "fd00:10:244:1::/64", exempt: ["fd00:10:244::/63", "ff00::/8"] },
    ]);
  });

  it("always keeps the node's own pod CIDR un-NATed, even when the cluster list lacks it", () => {
    expect(planEgressMasq({ podCidrs: ["10.244.7.0/24"], clusterCidrs: [], nonMasqCidrs: [] })[0]!.exempt).toEqual(["10.244.7.0/24", "224.0.0.0/4"]);
  });

  it("plans nothing for a family an admin exempted entirely, or for a /0 pod CIDR", () => {
    expect(planEgressMasq({ podCidrs: ["10.244.1.0/24"], clusterCidrs: [], nonMasqCidrs: ["0.0.0.0/0"] })).toEqual([]);
    expect(planEgressMasq({ podCidrs: ["0.0.0.0/0"], clusterCidrs: [], nonMasqCidrs: [] })).toEqual([]);
  });
});

describe("aggregateCidrs", () => {
  it("merges aligned neighbours and drops contained prefixes", () => {
    expect(aggregateCidrs(["10.244.1.0/24", "10.244.0.0/24", "10.244.1.128/25", "10.244.3.0/24"])).toEqual(["10.244.0.0/23", "10.244.3.0/24"]);
    expect(aggregateCidrs(["10.244.1.0/24", "10.244.2.0/24"])).toEqual(["10.244.1.0/24", "10.244.2.0/24"]); // not aligned
  });

  it("turns 256 node /24s of a /16 into that /16", () => {
    const nodes = Array.from({ length: 256 }, (_, i) => `10.244.${255 - i}.0/24`);
    expect(aggregateCidrs(nodes)).toEqual(["10.244.0.0/16"]);
  });

  it("covers exactly the addresses of its input", () => {
    const cidr = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 20, max: 28 })).map(([b, p]) => `10.0.${b}.0/${p}`);
    fc.assert(
      fc.property(fc.array(cidr, { maxLength: 12 }), fc.integer({ min: 0, max: 65535 }), (list, probe) => {
        const ip = bigIntToIp((10n << 24n) | BigInt(probe), 4);
        const inside = (nets: string[]) => nets.some((c) => netContains(parseCidr(c)!, ip));
        expect(inside(aggregateCidrs(list))).toBe(inside(list));
      }),
    );
  });
});

describe("clusterCidrsFromNodes", () => {
  it("takes every Node's CIDRs, normalised, and never a /0", () => {
    expect(clusterCidrsFromNodes([["10.244.0.7/24"], ["0.0.0.0/0", "fd00::/64"], ["junk"]])).toEqual(["10.244.0.0/24", "fd00::/64"]);
  });
});

describe("clusterCidrsFor", () => {
  it("takes the admin's CIDRs for the families they name and the Nodes' for the others", () => {
    const nodes = ["10.244.1.0/24", "fd00:10:244:1::/64"];
    expect(clusterCidrsFor(["10.244.0.0/16"], nodes)).toEqual(["10.244.0.0/16", "fd00:10:244:1::/64"]);
    expect(clusterCidrsFor([], nodes)).toEqual(nodes);
    expect(clusterCidrsFor(["10.244.0.0/16", "fd00:10:244::/56"], nodes)).toEqual(["10.244.0.0/16", "fd00:10:244::/56"]);
  });
});

describe("parseCidrList", () => {
  it("normalises and refuses what is not a CIDR", () => {
    expect(parseCidrList(["10.96.0.1/12"], "x")).toEqual(["10.96.0.0/12"]);
    expect(() => parseCidrList(["10.96.0.1"], "cluster CIDR")).toThrow(InvalidConfigError);
  });
});

describe("masqueradeMode", () => {
  it("is node-level under the agent or with --cluster-cidr, the bridge's for a bare one-shot install", () => {
    expect(masqueradeMode({ ipMasq: true, watch: true, clusterCidrs: [] })).toBe("node");
    expect(masqueradeMode({ ipMasq: true, watch: false, clusterCidrs: ["10.244.0.0/16"] })).toBe("node");
    expect(masqueradeMode({ ipMasq: true, watch: false, clusterCidrs: [] })).toBe("bridge");
    expect(masqueradeMode({ ipMasq: false, watch: true, clusterCidrs: [] })).toBe("off");
  });
});
