import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { iptablesChainName, iptablesComment } from "../../src/netfilter/names.ts";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { reference, runPlugin } from "../helpers/run-plugin.ts";
import { eventually } from "../helpers/wait.ts";
import { ip, mustInNode, natRules, nftChains, nftRules } from "./harness.ts";

let node: TestNetns;
let pod: TestNetns;
let dataDir: string;
beforeEach(() => {
  node = createNetns("nfnode");
  pod = createNetns("nfpod");
  dataDir = mkdtempSync(join(tmpdir(), "cnits-nf-ipam-"));
});
afterEach(() => {
  pod.remove();
  node.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

const NET = "cnits-net";
const CID = "cnits-ctr-1";

function conf() {
  return {
    cniVersion: "1.0.0",
    name: NET,
    type: "bridge",
    bridge: "cnits-br0",
    isGateway: true,
    ipMasq: true,
    macspoofchk: true,
    ipam: { type: "host-local", dataDir, ranges: [[{ subnet: "10.44.0.0/24" }], [{ subnet: "fd44::/64" }]] },
  };
}

function refBridge(command: "ADD" | "DEL") {
  const env = { CNI_COMMAND: command, CNI_CONTAINERID: CID, CNI_NETNS: pod.path, CNI_IFNAME: "eth0", CNI_PATH: "/usr/lib/cni" };
  const run = runPlugin(reference("bridge"), env, conf(), { hostNetns: node.name });
  expect(run.status, run.stdout + run.stderr).toBe(0);
  return run.json;
}

function expectNoTrace() {
  expect(natRules(node, 4)).toEqual([]);
  expect(natRules(node, 6)).toEqual([]);
  expect(nftRules(node, "bridge", "nat")).toEqual([]);
  expect(nftChains(node, "bridge", "nat").filter((c) => c !== "PREROUTING")).toEqual([]);
}

describe("interop with the reference bridge (v1.1.1)", () => {
  test("our teardown removes the reference's rules, and the reference's DEL removes ours", () => {
    const result = refBridge("ADD");
    const chain = iptablesChainName(NET, CID);
    expect(natRules(node, 4)).toContain(`:${chain} - [0:0]`);
    expect(natRules(node, 6)).toContain(`:${chain} - [0:0]`);
    expect(nftRules(node, "bridge", "nat")).toHaveLength(4);
    const before4 = natRules(node, 4);
    const before6 = natRules(node, 6);
    const beforeSpoof = node.exec("nft", "list", "table", "bridge", "nat");

    // Ours, without addresses (as a DEL with an empty netns would).
    mustInNode(node, "teardownMasquerade", { network: NET, containerId: CID, ifName: "eth0" });
    mustInNode(node, "teardownMacSpoofCheck", { containerId: CID, ifName: "eth0" });
    expectNoTrace();

    // Recreate them with ours: identical to what the reference made.
    const addresses = (result.ips as { address: string }[]).map((i) => i.address);
    const hostVeth = result.interfaces[1].name as string;
    const mac = result.interfaces[2].mac as string;
    mustInNode(node, "setupMasquerade", { network: NET, containerId: CID, ifName: "eth0" }, "iptables", addresses);
    mustInNode(node, "setupMacSpoofCheck", { containerId: CID, ifName: "eth0", hostVeth, mac });
    expect(natRules(node, 4)).toEqual(before4);
    expect(natRules(node, 6)).toEqual(before6);
    expect(node.exec("nft", "list", "table", "bridge", "nat")).toBe(beforeSpoof);

    // The reference's DEL finds and removes ours.
    refBridge("DEL");
    expectNoTrace();
  });

  test("over nfnetlink (iptables-nft, no tool run) our rules are byte for byte the reference's, and each side deletes the other's", () => {
    const result = refBridge("ADD");
    const chain = iptablesChainName(NET, CID);
    const comment = iptablesComment(NET, CID);
    const snapshot = () => ({
      save4: natRules(node, 4),
      save6: natRules(node, 6),
      // Expressions as nft decodes them, and the listing, handles left out (chain by chain: a
      // chain deleted and made again is listed after the chains made before it).
      debug: (["ip", "ip6"] as const).flatMap((family) =>
        [chain, "POSTROUTING"].map((c) => node.exec("nft", "--debug=netlink", "list", "chain", family, "nat", c).replace(/^(ip6? nat \S+)( \d+)+$/gm, "$1")),
      ),
      raw: (["ip", "ip6"] as const).flatMap((family) => [chain, "POSTROUTING"].map((c) => mustInNode(node, "rawRules", family, "nat", c))),
    });
    const reference = snapshot();
    expect(reference.raw.flat()).toHaveLength(6); // 2 rules in each chain, 1 jump in each POSTROUTING

    // Ours deletes the reference's chain and jump over nfnetlink.
    expect(mustInNode(node, "teardownIptablesMasqOverNetlink", chain, 4)).toBe(true);
    expect(mustInNode(node, "teardownIptablesMasqOverNetlink", chain, 6)).toBe(true);
    expect(natRules(node, 4)).toEqual([]);
    expect(natRules(node, 6)).toEqual([]);

    // Ours recreates them over nfnetlink: identical in every attribute the kernel keeps.
    const addresses = (result.ips as { address: string }[]).map((i) => i.address);
    expect(
      mustInNode(
        node,
        "setupIptablesMasqOverNetlink",
        chain,
        comment,
        4,
        addresses.filter((a) => !a.includes(":")),
      ),
    ).toBe(true);
    expect(
      mustInNode(
        node,
        "setupIptablesMasqOverNetlink",
        chain,
        comment,
        6,
        addresses.filter((a) => a.includes(":")),
      ),
    ).toBe(true);
    expect(snapshot()).toEqual(reference);

    // A second setup over nfnetlink refuses (the chain exists) and changes nothing: the tool path replaces.
    expect(mustInNode(node, "setupIptablesMasqOverNetlink", chain, comment, 4, ["10.44.0.9/24"])).toBe(false);
    expect(snapshot()).toEqual(reference);

    // The reference's DEL finds and removes ours.
    refBridge("DEL");
    expectNoTrace();
  });

  test("over nfnetlink, setup declines when iptables has no nat POSTROUTING yet (the tool path creates it as iptables would)", () => {
    const chain = iptablesChainName(NET, CID);
    expect(mustInNode(node, "setupIptablesMasqOverNetlink", chain, iptablesComment(NET, CID), 4, ["10.44.0.2/24"])).toBe(false);
    expect(nftChains(node, "ip", "nat")).toEqual([]);
  });
});

describe("real NAT through the node", () => {
  // pod (10.44.0.2) -- cnits-br0 [node] cnits-vout (192.168.77.1) -- outside (192.168.77.2, no route back to the pod)
  let outside: TestNetns;
  beforeEach(() => {
    outside = createNetns("nfout");
    ip(node, "link", "add", "cnits-br0", "type", "bridge");
    ip(node, "addr", "add", "10.44.0.1/24", "dev", "cnits-br0");
    ip(node, "link", "set", "cnits-br0", "up");
    ip(node, "link", "add", "cnits-vpod", "type", "veth", "peer", "name", "eth0", "netns", pod.name);
    ip(node, "link", "set", "cnits-vpod", "master", "cnits-br0", "up");
    ip(pod, "addr", "add", "10.44.0.2/24", "dev", "eth0");
    ip(pod, "link", "set", "eth0", "up");
    ip(pod, "route", "add", "default", "via", "10.44.0.1");
    ip(node, "link", "add", "cnits-vout", "type", "veth", "peer", "name", "eth0", "netns", outside.name);
    ip(node, "addr", "add", "192.168.77.1/24", "dev", "cnits-vout");
    ip(node, "link", "set", "cnits-vout", "up");
    ip(outside, "addr", "add", "192.168.77.2/24", "dev", "eth0");
    ip(outside, "link", "set", "eth0", "up");
    node.exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
  });
  afterEach(() => outside.remove());

  const ping = () => pod.exec("ping", "-c", "1", "-W", "1", "192.168.77.2");
  const target = { network: NET, containerId: CID, ifName: "eth0" };

  const podFlows = () =>
    node
      .exec("cat", "/proc/net/nf_conntrack")
      .split("\n")
      .filter((l) => l.includes("src=10.44.0.2 dst=192.168.77.2"));

  test.each(["iptables", "nftables"] as const)("%s: the outside answers only while the pod is masqueraded", async (backend) => {
    expect(ping).toThrow(); // no route back to 10.44.0.0/24
    mustInNode(node, "setupMasquerade", target, backend, ["10.44.0.2/24"]);
    ping();
    // conntrack: the reply tuple goes to the node's address, i.e. the source was rewritten.
    expect(podFlows().some((l) => l.includes("src=192.168.77.2 dst=192.168.77.1"))).toBe(true);
    if (backend === "iptables") {
      const counters = node.exec("iptables", "-t", "nat", "-L", iptablesChainName(NET, CID), "-v", "-n", "-x");
      const masq = counters.split("\n").find((l) => l.includes("MASQUERADE"))!;
      expect(Number(masq.trim().split(/\s+/)[0])).toBeGreaterThan(0);
    }
    mustInNode(node, "teardownMasquerade", target);
    node.exec("sysctl", "-qw", "net.netfilter.nf_conntrack_icmp_timeout=1");
    const answers = () => {
      try {
        ping();
        return true;
      } catch {
        return false;
      }
    };
    await eventually(() => !answers(), "the outside to stop answering");
    expect(ping).toThrow();
  });
});
