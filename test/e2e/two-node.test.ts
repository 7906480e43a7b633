/**
 * Two nodes, four pods: what a kind cluster's conformance run checks of the
 * pod network, on a machine without Docker. Pods reach pods on their node,
 * pods on the other node, and their node; deleting them leaves nothing.
 * CNITS_IMPL=reference runs the same topology with /usr/lib/cni.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIST_BIN, REFERENCE_BIN } from "../helpers/run-plugin.ts";
import { probe, startResponder, type Responder } from "./probe.ts";
import { createTopology, type ClusterPod, type Topology } from "./topology.ts";

const BIN = process.env.CNITS_IMPL === "reference" ? REFERENCE_BIN : DIST_BIN;

function nodeVeths(topo: Topology, id: string): string[] {
  const node = topo.nodes.find((n) => n.id === id)!;
  const links = node.ns.ipJson<{ ifname: string; linkinfo?: { info_kind?: string } }[]>("-d", "link", "show");
  return links.filter((l) => l.linkinfo?.info_kind === "veth" && !l.ifname.startsWith("cnits-ul-")).map((l) => l.ifname);
}

function netfilter(ns: string): string {
  const opts = { encoding: "utf8" as const, stdio: ["ignore", "pipe", "ignore"] as ["ignore", "pipe", "ignore"] };
  return execFileSync("ip", ["netns", "exec", ns, "iptables-save"], opts) + execFileSync("ip", ["netns", "exec", ns, "nft", "list", "ruleset"], opts);
}

describe("two-node topology (kind-like)", () => {
  let topo: Topology;
  const pods: Record<string, ClusterPod> = {};

  const responders: Responder[] = [];
  /** Reachability from a namespace-holding thing to an address (TCP handshake). */
  const reach = (from: { ns: { name: string } }, address: string) => probe(from.ns.name, address);

  beforeAll(async () => {
    topo = createTopology({ binDir: BIN });
    const [a, b] = topo.nodes;
    pods.a1 = topo.addPod(a, "a1");
    pods.a2 = topo.addPod(a, "a2");
    pods.b1 = topo.addPod(b, "b1");
    pods.b2 = topo.addPod(b, "b2");
    for (const ns of [a.ns, b.ns, ...Object.values(pods).map((p) => p.ns)]) responders.push(await startResponder(ns.name));
  });
  afterAll(() => {
    for (const r of responders) r.stop();
    topo?.destroy();
  });

  it("each pod got an address from its node's pod CIDR, lo up and eth0 configured", () => {
    expect(pods.a1!.ip).toBe("10.244.1.2");
    expect(pods.a2!.ip).toBe("10.244.1.3");
    expect(pods.b1!.ip).toBe("10.244.2.2");
    expect(pods.b2!.ip).toBe("10.244.2.3");
    for (const pod of Object.values(pods)) {
      const lo = pod.ns.ipJson<{ flags: string[] }[]>("link", "show", "lo")[0];
      expect(lo?.flags).toContain("UP");
      const routes = pod.ns.exec("ip", "-4", "route", "show", "default");
      expect(routes).toContain(`via ${pod.node.gateway} dev eth0`);
    }
    expect(nodeVeths(topo, "a")).toHaveLength(2);
    expect(nodeVeths(topo, "b")).toHaveLength(2);
  });

  it("pods reach pods on the same node", () => {
    expect(reach(pods.a1!, pods.a2!.ip)).not.toBeNull();
    expect(reach(pods.b2!, pods.b1!.ip)).not.toBeNull();
  });

  it("pods reach pods on the other node through the underlay", () => {
    expect(reach(pods.a1!, pods.b1!.ip)).not.toBeNull();
    expect(reach(pods.b2!, pods.a2!.ip)).not.toBeNull();
    // The probe is not vacuous: an address no pod holds stays unreachable.
    expect(reach(pods.a1!, "10.244.2.99")).toBeNull();
  });

  it("pods reach their node (gateway and underlay address) and the other node", () => {
    const [a, b] = topo.nodes;
    expect(reach(pods.a1!, a.gateway)).not.toBeNull();
    expect(reach(pods.a1!, a.underlayIp)).not.toBeNull();
    expect(reach(pods.b1!, b.underlayIp)).not.toBeNull();
    expect(reach(pods.b1!, a.underlayIp)).not.toBeNull();
    // And the node reaches its pods, as kubelet's probes need.
    expect(reach(a, pods.a1!.ip)).not.toBeNull();
  });

  it("deleting the pods leaves no veth, no allocation file and no rule", () => {
    const [a, b] = topo.nodes;
    for (const r of responders.splice(0)) r.stop();
    for (const key of ["a1", "a2", "b1", "b2"]) {
      const pod = pods[key]!;
      topo.deletePod(pod);
      delete pods[key];
    }
    expect(nodeVeths(topo, "a")).toEqual([]);
    expect(nodeVeths(topo, "b")).toEqual([]);
    for (const node of [a, b]) {
      const files = readdirSync(join(node.dataDir, "cnits-podnet"));
      expect(files.filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f))).toEqual([]);
      const rules = netfilter(node.ns.name);
      expect(rules).not.toMatch(/10\.244\.\d+\.[2-9]\b/);
      expect(rules).not.toContain("cnits-pod-");
    }
  });
});
