import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TryAgainLaterError } from "../errors.ts";
import { nodeInternalIps, nodePodCidrs, ownPodCidrs, summarizeNode } from "./kube-nodes.ts";

const NODES = JSON.parse(readFileSync(join(import.meta.dirname, "../../test/fixtures/kind-nodelist.json"), "utf8"));

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
    expect(summarizeNode({ metadata: { name: "n", resourceVersion: 7 }, spec: { podCIDRs: many } })).toMatchObject({
      podCidrs: many.slice(0, 8),
      resourceVersion: "",
    });
  });
});
