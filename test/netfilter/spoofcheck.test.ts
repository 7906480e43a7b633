import { afterEach, beforeEach, expect, test } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { ip, mustInNode, nftChains, nftRules, nftTable } from "./harness.ts";

let node: TestNetns;
beforeEach(() => {
  node = createNetns("nfnode");
});
afterEach(() => node.remove());

const target = { containerId: "ctr1", ifName: "eth0", hostVeth: "veth9f09820d", mac: "C6:20:A1:EE:75:5B" };

test("setupMacSpoofCheck() creates the reference's table, chains and rules", () => {
  mustInNode(node, "setupMacSpoofCheck", target);
  const text = node.exec("nft", "list", "table", "bridge", "nat");
  // The reference v1.1.1 printed exactly this for the same attachment (MAC aside).
  expect(text.replace(/\s+/g, " ").trim()).toBe(
    [
      "table bridge nat {",
      "chain PREROUTING { type filter hook prerouting priority dstnat; policy accept;",
      'iifname "veth9f09820d" jump cni-br-iface-ctr1-eth0 comment "macspoofchk-ctr1-eth0" }',
      'chain cni-br-iface-ctr1-eth0 { jump cni-br-iface-ctr1-eth0-mac comment "macspoofchk-ctr1-eth0" }',
      "chain cni-br-iface-ctr1-eth0-mac {",
      'ether saddr c6:20:a1:ee:75:5b return comment "macspoofchk-ctr1-eth0"',
      'drop comment "macspoofchk-ctr1-eth0" } }',
    ].join(" "),
  );
});

test("a retried setupMacSpoofCheck() keeps one PREROUTING jump and the latest MAC", () => {
  mustInNode(node, "setupMacSpoofCheck", target);
  mustInNode(node, "setupMacSpoofCheck", { ...target, mac: "02:00:00:00:00:01" });
  const rules = nftRules(node, "bridge", "nat");
  expect(rules.filter((r) => r.chain === "PREROUTING")).toHaveLength(1);
  expect(rules).toHaveLength(4);
  expect(node.exec("nft", "list", "chain", "bridge", "nat", "cni-br-iface-ctr1-eth0-mac")).toContain("ether saddr 02:00:00:00:00:01 return");
});

test("teardownMacSpoofCheck() removes only this attachment, idempotently", () => {
  mustInNode(node, "setupMacSpoofCheck", target);
  mustInNode(node, "setupMacSpoofCheck", { ...target, containerId: "ctr2", hostVeth: "veth00000002" });
  mustInNode(node, "teardownMacSpoofCheck", { containerId: "ctr1", ifName: "eth0" });
  expect(nftChains(node, "bridge", "nat").sort()).toEqual(["PREROUTING", "cni-br-iface-ctr2-eth0", "cni-br-iface-ctr2-eth0-mac"]);
  expect(nftRules(node, "bridge", "nat").every((r) => r.comment === "macspoofchk-ctr2-eth0")).toBe(true);
  mustInNode(node, "teardownMacSpoofCheck", { containerId: "ctr1", ifName: "eth0" });
  mustInNode(node, "teardownMacSpoofCheck", { containerId: "ctr2", ifName: "eth0" });
  expect(nftChains(node, "bridge", "nat")).toEqual(["PREROUTING"]);
  expect(nftRules(node, "bridge", "nat")).toEqual([]);
});

test("teardownMacSpoofCheck() with no table at all succeeds and creates nothing", () => {
  mustInNode(node, "teardownMacSpoofCheck", { containerId: "ctr1", ifName: "eth0" });
  expect(nftTable(node, "bridge", "nat")).toBeUndefined();
});

test("the spoof check drops frames with a forged source MAC", () => {
  // A bridge in the node with two ports: a "pod" veth whose peer lives in a pod namespace, and a peer namespace.
  const pod = createNetns("nfpod");
  const peer = createNetns("nfpeer");
  try {
    ip(node, "link", "add", "cnits-br0", "type", "bridge");
    ip(node, "link", "set", "cnits-br0", "up");
    for (const [ns, veth, addr] of [
      [pod, "cnits-vpod", "10.46.0.2/24"],
      [peer, "cnits-vpeer", "10.46.0.3/24"],
    ] as const) {
      ip(node, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns.name);
      ip(node, "link", "set", veth, "master", "cnits-br0", "up");
      ip(ns, "addr", "add", addr, "dev", "eth0");
      ip(ns, "link", "set", "eth0", "up");
    }
    const mac = pod.ipJson<{ address: string }[]>("link", "show", "eth0")[0]!.address;
    mustInNode(node, "setupMacSpoofCheck", { containerId: "ctr1", ifName: "eth0", hostVeth: "cnits-vpod", mac });
    pod.exec("ping", "-c", "1", "-W", "2", "10.46.0.3");
    ip(pod, "link", "set", "eth0", "address", "02:aa:bb:cc:dd:ee");
    pod.exec("ip", "neigh", "flush", "all");
    expect(() => pod.exec("ping", "-c", "1", "-W", "1", "10.46.0.3")).toThrow();
    // Back to the real MAC: traffic flows again, so the drop was the spoof check's.
    ip(pod, "link", "set", "eth0", "address", mac);
    pod.exec("ip", "neigh", "flush", "all");
    pod.exec("ping", "-c", "1", "-W", "2", "10.46.0.3");
  } finally {
    pod.remove();
    peer.remove();
  }
});
