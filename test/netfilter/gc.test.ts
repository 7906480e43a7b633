import { afterEach, beforeEach, expect, test } from "vitest";
import { iptablesChainName } from "../../src/netfilter/names.ts";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { ip, mustInNode, natRules, nftRules } from "./harness.ts";

let node: TestNetns;
beforeEach(() => {
  node = createNetns("nfnode");
});
afterEach(() => node.remove());

test("gcNetfilter() removes only this network's invalid attachments, in both backends and the spoof check", () => {
  ip(node, "link", "add", "cnits-br0", "type", "bridge");
  ip(node, "link", "add", "cnits-br1", "type", "bridge");
  for (const [veth, br] of [
    ["cnits-v1", "cnits-br0"],
    ["cnits-v2", "cnits-br0"],
    ["cnits-v4", "cnits-br1"],
  ]) {
    ip(node, "link", "add", veth!, "type", "veth", "peer", "name", `${veth}p`);
    ip(node, "link", "set", veth!, "master", br!);
  }
  const att = (network: string, containerId: string) => ({ network, containerId, ifName: "eth0" });
  // net-a: c1 valid, c2 stale (veth still on our bridge), c3 stale (veth gone); net-b: c4 (other bridge), c5.
  mustInNode(node, "setupMasquerade", att("net-a", "c1"), "iptables", ["10.44.0.2/24", "fd44::2/64"]);
  mustInNode(node, "setupMasquerade", att("net-a", "c2"), "iptables", ["10.44.0.3/24"]);
  mustInNode(node, "setupMasquerade", att("net-a", "c3"), "nftables", ["10.44.0.4/24", "fd44::4/64"]);
  mustInNode(node, "setupMasquerade", att("net-a", "c1"), "nftables", ["10.44.0.2/24"]);
  mustInNode(node, "setupMasquerade", att("net-b", "c5"), "iptables", ["10.45.0.5/24"]);
  mustInNode(node, "setupMasquerade", att("net-b", "c5"), "nftables", ["10.45.0.5/24"]);
  const spoof = (containerId: string, hostVeth: string) => ({ containerId, ifName: "eth0", hostVeth, mac: "02:00:00:00:00:01" });
  mustInNode(node, "setupMacSpoofCheck", spoof("c1", "cnits-v1"));
  mustInNode(node, "setupMacSpoofCheck", spoof("c2", "cnits-v2"));
  mustInNode(node, "setupMacSpoofCheck", spoof("c3", "cnits-v3")); // no such link
  mustInNode(node, "setupMacSpoofCheck", spoof("c4", "cnits-v4"));

  mustInNode(node, "gcNetfilter", { network: "net-a", bridgeName: "cnits-br0", valid: [{ containerId: "c1", ifName: "eth0" }] });

  const chains4 = natRules(node, 4).filter((l) => l.startsWith(":"));
  expect(chains4.sort()).toEqual([`:${iptablesChainName("net-a", "c1")} - [0:0]`, `:${iptablesChainName("net-b", "c5")} - [0:0]`].sort());
  expect(natRules(node, 4).filter((l) => l.startsWith("-A POSTROUTING"))).toHaveLength(2);
  expect(natRules(node, 6).filter((l) => l.startsWith("-A POSTROUTING"))).toHaveLength(1);
  const masq = nftRules(node, "inet", "cni_plugins_masquerade").filter((r) => r.chain === "masq_checks");
  expect(masq.map((r) => r.comment!.replace(/^.*id: /, "")).sort()).toEqual(["c1", "c5"]);
  const spoofComments = new Set(nftRules(node, "bridge", "nat").map((r) => r.comment));
  expect([...spoofComments].sort()).toEqual(["macspoofchk-c1-eth0", "macspoofchk-c4-eth0"]);

  // Idempotent.
  mustInNode(node, "gcNetfilter", { network: "net-a", bridgeName: "cnits-br0", valid: [{ containerId: "c1", ifName: "eth0" }] });
  expect(natRules(node, 4).filter((l) => l.startsWith(":"))).toHaveLength(2);
});
