import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TryAgainLaterError } from "../errors.ts";
import { nodeInternalIps, nodePodCidrs, ownPodCidrs, peerRoutes, summarizeNode, type NodeSummary } from "./kube-nodes.ts";

const NODES = JSON.parse(readFileSync(join(import.meta.dirname, "../../test/fixtures/kind-nodelist.json"), "utf8"));

function summaries(list: { items: unknown[] }): NodeSummary[] {
  return list.items.map(summarizeNode).filter((n) => n !== undefined);
}

describe("Node JSON", () => {
  it("reads a node's pod CIDRs and InternalIPs", () => {
    expect(nodePodCidrs(NODES.items[1])).toEqual(["10.244.1.0/24", "fd00:10:244:1::/64"]);
    expect(nodeInternalIps(NODES.items[1])).toEqual(["172.18.0.3", "fc00:f853:ccd:e793::3"]);
  });

  it("falls back to spec.podCIDR, and skips malformed entries", () => {
    expect(nodePodCidrs({ spec: { podCIDR: "10.244.3.7/24" } })).toEqual(["10.244.3.0/24"]);
    expect(nodePodCidrs({ spec: { podCIDRs: ["nonsense", 7, "10.1.0.0/16"] } })).toEqual(["10.1.0.0/16"]);
    expect(nodePodCidrs(null)).toEqual([]);
  });

  it("says to try again while the node has no pod CIDR", () => {
    expect(() => ownPodCidrs(summarizeNode({ metadata: { name: "n" }, spec: {} })!)).toThrow(TryAgainLaterError);
    expect(ownPodCidrs(summarizeNode(NODES.items[0])!)).toEqual(["10.244.0.0/24", "fd00:10:244::/64"]);
  });

  it("keeps a slim summary, and none for a Node without a valid name", () => {
    expect(summarizeNode(NODES.items[1])).toEqual({
      name: "kind-worker",
      podCidrs: ["10.244.1.0/24", "fd00:10:244:1::/64"],
      internalIps: ["172.18.0.3", "fc00:f853:ccd:e793::3"],
      resourceVersion: NODES.items[1].metadata.resourceVersion,
    });
    expect(summarizeNode({ metadata: { name: "../etc" } })).toBeUndefined();
    expect(summarizeNode({ metadata: {} })).toBeUndefined();
    const many = Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    expect(summarizeNode({ metadata: { name: "n", resourceVersion: 7 }, spec: { podCIDRs: many } })).toMatchObject({ podCidrs: many.slice(0, 8), resourceVersion: "" });
  });

  it("routes every other node's pod CIDRs via its InternalIP of the same family", () => {
    expect(peerRoutes(summaries(NODES), "kind-control-plane")).toEqual([
      { dst: "10.244.1.0/24", via: "172.18.0.3", node: "kind-worker" },
      { dst: "10.244.2.0/24", via: "172.18.0.4", node: "kind-worker2" },
      { dst: "fd00:10:244:1::/64", via: "fc00:f853:ccd:e793::3", node: "kind-worker" },
      { dst: "fd00:10:244:2::/64", via: "fc00:f853:ccd:e793::4", node: "kind-worker2" },
    ]);
  });

  it("skips a node without an address of the CIDR's family, and keeps the first claimant of a CIDR", () => {
    const list = {
      items: [
        { metadata: { name: "b" }, spec: { podCIDRs: ["10.0.1.0/24"] }, status: { addresses: [{ type: "InternalIP", address: "192.0.2.2" }] } },
        { metadata: { name: "a" }, spec: { podCIDRs: ["10.0.1.0/24", "fd00::/64"] }, status: { addresses: [{ type: "InternalIP", address: "192.0.2.1" }] } },
        { metadata: { name: "c" }, spec: { podCIDRs: ["10.0.3.0/24"] }, status: { addresses: [{ type: "ExternalIP", address: "198.51.100.1" }] } },
      ],
    };
    expect(peerRoutes(summaries(list), "self")).toEqual([{ dst: "10.0.1.0/24", via: "192.0.2.1", node: "a" }]);
  });

  it("never routes this node's own pod CIDRs, a CIDR overlapping one already routed, or a default route", () => {
    const peer = (name: string, cidrs: string[], ip: string) => ({
      metadata: { name },
      spec: { podCIDRs: cidrs },
      status: { addresses: [{ type: "InternalIP", address: ip }] },
    });
    const list = {
      items: [
        peer("self", ["10.244.0.0/24"], "192.0.2.1"),
        peer("a", ["10.244.0.0/23"], "192.0.2.2"), // covers self's CIDR
        peer("b", ["10.244.4.0/24"], "192.0.2.3"),
        peer("c", ["10.244.4.128/25", "10.244.5.0/24"], "192.0.2.4"), // inside b's
        peer("d", ["0.0.0.0/0"], "192.0.2.5"),
      ],
    };
    expect(peerRoutes(summaries(list), "self")).toEqual([
      { dst: "10.244.4.0/24", via: "192.0.2.3", node: "b" },
      { dst: "10.244.5.0/24", via: "192.0.2.4", node: "c" },
    ]);
  });
});
