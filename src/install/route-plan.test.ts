import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidConfigError } from "../errors.ts";
import type { HostView } from "./host-view.ts";
import { summarizeNode } from "./kube-nodes.ts";
import { checkOwnPodCidrs, DEFAULT_PREFIX_FLOORS, planPeerRoutes, type NodeClaim, type PlanContext } from "./route-plan.ts";

const NODES = JSON.parse(readFileSync(join(import.meta.dirname, "../../test/fixtures/kind-nodelist.json"), "utf8"));

/** kind-control-plane as kind makes it: eth0 on the docker network, lo, and our bridge holding its pod gateway. */
const KIND_HOST: HostView = {
  addresses: [
    { address: "127.0.0.1", prefixLength: 8, ifname: "lo", mtu: 65536 },
    { address: "::1", prefixLength: 128, ifname: "lo", mtu: 65536 },
    { address: "172.18.0.2", prefixLength: 16, ifname: "eth0", mtu: 1500 },
    { address: "fc00:f853:ccd:e793::2", prefixLength: 64, ifname: "eth0", mtu: 1500 },
    { address: "fe80::42:acff:fe12:2", prefixLength: 64, ifname: "eth0", mtu: 1500 },
    { address: "10.244.0.1", prefixLength: 24, ifname: "cni-ts0", mtu: 1500 },
  ],
  defaultRoutes: [
    { family: 4, gw: "172.18.0.1", ifname: "eth0", mtu: 1500, metric: 0 },
    { family: 6, gw: "fc00:f853:ccd:e793::1", ifname: "eth0", mtu: 1500, metric: 1024 },
  ],
};
const CONTEXT: PlanContext = { host: KIND_HOST, bridge: "cni-ts0", floors: DEFAULT_PREFIX_FLOORS };
const OWN = ["10.244.0.0/24", "fd00:10:244::/64"];

function peer(name: string, podCidrs: string[], ...internalIps: string[]): NodeClaim {
  return { name, podCidrs, internalIps: internalIps.length > 0 ? internalIps : ["172.18.0.9"] };
}

function plan(...peers: NodeClaim[]) {
  return planPeerRoutes("kind-control-plane", OWN, peers, CONTEXT);
}

describe("planPeerRoutes", () => {
  it("routes every other node's pod CIDRs via its InternalIP of the same family", () => {
    expect(
      planPeerRoutes(
        "kind-control-plane",
        OWN,
        NODES.items.map((item: unknown) => summarizeNode(item)!),
        CONTEXT,
      ),
    ).toEqual({
      routes: [
        { dst: "10.244.1.0/24", via: "172.18.0.3", node: "kind-worker" },
        { dst: "10.244.2.0/24", via: "172.18.0.4", node: "kind-worker2" },
        { dst: "fd00:10:244:1::/64", via: "fc00:f853:ccd:e793::3", node: "kind-worker" },
        { dst: "fd00:10:244:2::/64", via: "fc00:f853:ccd:e793::4", node: "kind-worker2" },
      ],
      refused: [],
    });
  });

  it.each([
    ["128.0.0.0/1", /it is wider than the IPv4 floor \/16/],
    ["0.0.0.0/0", /it is wider than the IPv4 floor \/16/],
    ["fd00::/32", /it is wider than the IPv6 floor \/48/],
    ["172.18.0.1/32", /it overlaps the node's network 172\.18\.0\.0\/16 on eth0/],
    ["169.254.169.254/32", /it overlaps the link-local block 169\.254\.0\.0\/16/],
    ["127.0.0.0/24", /it overlaps the loopback block/],
    ["224.1.0.0/16", /it overlaps the multicast block 224\.0\.0\.0\/4/],
    ["fe80::/64", /it overlaps the link-local block fe80::\/10/],
    ["ff02::/64", /it overlaps the multicast block ff00::\/8/],
    ["fc00:f853:ccd:e793::/64", /it overlaps the node's network fc00:f853:ccd:e793::\/64 on eth0/],
  ])("refuses a pod CIDR of %s", (cidr, reason) => {
    const { routes, refused } = plan(peer("evil", [cidr], cidr.includes(":") ? "fc00:f853:ccd:e793::9" : "172.18.0.9"));
    expect(routes).toEqual([]);
    expect(refused).toEqual([{ node: "evil", dst: cidr, reason: expect.stringMatching(reason) }]);
  });

  it("refuses a pod CIDR holding the node's default gateway or a /32 address of the node", () => {
    const host: HostView = {
      addresses: [{ address: "192.0.2.10", prefixLength: 32, ifname: "eth0", mtu: 1500 }],
      defaultRoutes: [{ family: 4, gw: "198.51.100.1", ifname: "eth0", mtu: 1500, metric: 0 }],
    };
    const onLink = { ...host, addresses: [...host.addresses, { address: "203.0.113.2", prefixLength: 24, ifname: "eth1", mtu: 1500 }] };
    const { refused } = planPeerRoutes("self", [], [peer("a", ["198.51.100.0/24"], "203.0.113.3"), peer("b", ["192.0.2.0/24"], "203.0.113.4")], {
      ...CONTEXT,
      host: onLink,
    });
    expect(refused).toEqual([
      { node: "b", dst: "192.0.2.0/24", reason: "it overlaps the node's network 192.0.2.10/32 on eth0" },
      { node: "a", dst: "198.51.100.0/24", reason: "it holds the node's default gateway 198.51.100.1" },
    ]);
  });

  it("refuses a next hop that is loopback, link-local, multicast, the node's own, off-link or inside a pod CIDR", () => {
    const { routes, refused } = plan(
      peer("a", ["10.244.1.0/24"], "127.0.0.1"),
      peer("b", ["10.244.2.0/24"], "172.18.0.2"),
      peer("c", ["10.244.3.0/24"], "10.244.0.7"),
      peer("d", ["10.244.4.0/24"], "198.51.100.7"),
      peer("e", ["fd00:10:244:5::/64"], "fe80::1"),
      peer("f", ["10.244.6.0/24"], "10.244.6.1"),
      peer("g", ["10.244.7.0/24"], "224.0.0.1"),
      peer("h", ["10.244.8.0/24"], "fc00:f853:ccd:e793::8"),
    );
    expect(routes).toEqual([]);
    expect(refused.map((r) => `${r.node}: ${r.reason}`)).toEqual([
      "a: its InternalIP 127.0.0.1 is a loopback address",
      "b: its InternalIP 172.18.0.2 is this node's own address",
      "c: its InternalIP 10.244.0.7 lies in the pod CIDR 10.244.0.0/24 of node kind-control-plane",
      "d: its InternalIP 198.51.100.7 is on none of this node's networks",
      "f: its InternalIP 10.244.6.1 lies in the pod CIDR 10.244.6.0/24 of node f",
      "g: its InternalIP 224.0.0.1 is a multicast address",
      "h: the node has no IPv4 InternalIP",
      "e: its InternalIP fe80::1 is a link-local address",
    ]);
  });

  it("takes the first usable InternalIP of the family", () => {
    expect(plan(peer("a", ["10.244.1.0/24"], "127.0.0.1", "172.18.0.3")).routes).toEqual([{ dst: "10.244.1.0/24", via: "172.18.0.3", node: "a" }]);
  });

  it("refuses every CIDR of a family where a node claims more than one", () => {
    const { routes, refused } = plan(
      peer("a", ["10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24", "fd00:10:244:1::/64"], "172.18.0.3", "fc00:f853:ccd:e793::3"),
    );
    expect(routes).toEqual([{ dst: "fd00:10:244:1::/64", via: "fc00:f853:ccd:e793::3", node: "a" }]);
    expect(refused.map((r) => r.dst)).toEqual(["10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"]);
    expect(refused[0]!.reason).toBe("it is one of 3 IPv4 pod CIDRs of the node (at most one per family)");
  });

  it("refuses a CIDR claimed by two nodes for both, whichever sorts first, and a peer's CIDR overlapping this node's", () => {
    const { routes, refused } = plan(
      peer("b", ["10.244.4.0/24"], "172.18.0.3"),
      peer("a", ["10.244.4.0/24"], "172.18.0.4"),
      peer("c", ["10.244.5.0/24"], "172.18.0.5"),
      peer("d", ["10.244.5.128/25"], "172.18.0.6"),
      peer("e", ["10.244.0.0/23"], "172.18.0.7"),
      peer("f", ["10.244.9.0/24"], "172.18.0.8"),
    );
    expect(routes).toEqual([{ dst: "10.244.9.0/24", via: "172.18.0.8", node: "f" }]);
    expect(refused.map((r) => `${r.node} ${r.dst}: ${r.reason}`).sort()).toEqual([
      "a 10.244.4.0/24: it overlaps 10.244.4.0/24 of node b: refused for both",
      "b 10.244.4.0/24: it overlaps 10.244.4.0/24 of node a: refused for both",
      "c 10.244.5.0/24: it overlaps 10.244.5.128/25 of node d: refused for both",
      "d 10.244.5.128/25: it overlaps 10.244.5.0/24 of node c: refused for both",
      "e 10.244.0.0/23: it overlaps this node's own pod CIDR 10.244.0.0/24",
    ]);
  });

  it("lets a below-floor claim block no one else's route", () => {
    const { routes } = plan(peer("evil", ["10.0.0.0/8"], "172.18.0.3"), peer("good", ["10.244.1.0/24"], "172.18.0.4"));
    expect(routes).toEqual([{ dst: "10.244.1.0/24", via: "172.18.0.4", node: "good" }]);
  });

  it("follows a configured floor", () => {
    const wide = { ...CONTEXT, floors: { 4: 12, 6: 48 } };
    expect(planPeerRoutes("self", [], [peer("a", ["10.16.0.0/12"], "172.18.0.3")], wide).routes).toHaveLength(1);
    expect(planPeerRoutes("self", [], [peer("a", ["10.16.0.0/12"], "172.18.0.3")], CONTEXT).routes).toHaveLength(0);
  });

  it("stays quick with 5,000 nodes", () => {
    const peers = Array.from({ length: 5000 }, (_, i) => peer(`n${i}`, [`10.${100 + (i >> 8)}.${i & 255}.0/24`], `172.18.${1 + (i >> 8)}.${i & 255 || 1}`));
    const started = Date.now();
    const { routes } = plan(...peers);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(routes.length).toBeGreaterThan(4900);
  });
});

describe("checkOwnPodCidrs", () => {
  it("accepts the node's CIDRs even though its bridge holds the gateway address", () => {
    expect(() => checkOwnPodCidrs(OWN, CONTEXT)).not.toThrow();
  });

  it.each([
    ["0.0.0.0/0", /it is wider than the IPv4 floor/],
    ["127.0.0.0/24", /loopback/],
    ["224.0.0.0/4", /it is wider than the IPv4 floor/],
    ["224.0.0.0/24", /multicast/],
    ["172.18.5.0/24", /it overlaps the node's network 172\.18\.0\.0\/16 on eth0/],
  ])("refuses %s", (cidr, message) => {
    expect(() => checkOwnPodCidrs([cidr], CONTEXT)).toThrow(InvalidConfigError);
    expect(() => checkOwnPodCidrs([cidr], CONTEXT)).toThrow(message);
  });
});
