/**
 * Faults on the kubelet → CRI → CNI path, on a two-node cluster of real
 * containerd nodes running cni-ts: containerd SIGKILLed and restarted under
 * running pods, a sandbox that dies while containerd is down, a node
 * power-cycled with its disk kept. And what Services need from the CNI: the
 * hairpin and bridge-netfilter checks fail when the bridge port's hairpin
 * flag or `bridge-nf-call-iptables` is off (so the conformance checks are
 * not vacuous). And the node agent: it reports a wrong sysctl on its next
 * resync and puts a flushed masquerade back.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCluster, type Cluster, type ClusterNode, type Pod } from "./cluster.ts";
import { CLUSTER_IP_A, inNode, program, proxyInput } from "./conformance.ts";
import { HTTP_PORT, request, startServer, type Server } from "./workload.ts";
import { eventually } from "../helpers/wait.ts";

let cluster: Cluster;
let a: ClusterNode;
let b: ClusterNode;
const servers: Server[] = [];

/** Addresses host-local holds on `node` (one file per reserved IP). */
function reserved(node: ClusterNode): string[] {
  const dir = join(node.cri.paths.varLibCni, "networks", "cni-ts");
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f))
        .sort()
    : [];
}

/** The pods' host-side veths on `node`'s bridge. */
function bridgePorts(node: ClusterNode): string[] {
  const links = JSON.parse(inNode(node, "ip", ["-j", "link", "show", "master", "cni-ts0"])) as { ifname: string }[];
  return links.map((l) => l.ifname);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function serve(pod: Pod): Promise<void> {
  servers.push(await startServer(pod.netns, pod.name));
}

beforeAll(async () => {
  cluster = await createCluster("cni-ts");
  [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
}, 120_000);
afterAll(async () => {
  for (const server of servers) server.stop();
  await cluster?.destroy();
}, 120_000);

describe("containerd killed with SIGKILL under running pods", () => {
  it("keeps the pods on the network; after restart status reports the same IP and pid, and StopPodSandbox cleans up", async () => {
    const pod = await cluster.runPod(a, "survivor");
    const peer = await cluster.runPod(b, "peer");
    await serve(pod);
    await a.cri.killContainerd("SIGKILL");
    // No runtime: the pod still answers across nodes.
    expect(request(peer.netns, "http", pod.ip, HTTP_PORT)).toMatchObject({ name: "survivor" });
    await a.cri.startContainerd();
    const after = await cluster.sandboxNetwork(a, pod.id);
    expect(after).toMatchObject({ ip: pod.ip, pid: pod.pid });
    expect((await a.cri.cri.podSandboxStatus(pod.id)).status.state).toBe("SANDBOX_READY");
    expect(reserved(a)).toContain(pod.ip);
    await cluster.deletePod(pod);
    await cluster.deletePod(peer);
    expect(reserved(a)).not.toContain(pod.ip);
    expect(bridgePorts(a)).toEqual([]);
    expect(alive(pod.pid)).toBe(false);
  });
});

describe("a sandbox that dies while containerd is down", () => {
  it("is NOTREADY after the restart; Stop and Remove release its address and port; a Remove sent while down fails and is retried", async () => {
    const pod = await cluster.runPod(a, "doomed");
    await a.cri.killContainerd("SIGKILL");
    process.kill(pod.pid, "SIGKILL");
    await expect(a.cri.cri.removePodSandbox(pod.id)).rejects.toThrow();
    await a.cri.startContainerd();
    // containerd learns of the exit from the shim as it recovers; give it a moment.
    let state = "";
    for (let i = 0; i < 50 && state !== "SANDBOX_NOTREADY"; i++) {
      state = (await a.cri.cri.podSandboxStatus(pod.id)).status.state;
      if (state !== "SANDBOX_NOTREADY") await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe("SANDBOX_NOTREADY");
    expect(reserved(a)).toContain(pod.ip);
    await cluster.deletePod(pod);
    expect(reserved(a)).not.toContain(pod.ip);
    expect(bridgePorts(a)).toEqual([]);
    expect(await a.cri.cri.listPodSandbox()).toEqual([]);
  });
});

describe("a node power-cycled with its disk kept", () => {
  it("gives new pods working addresses; kubelet's cleanup of the old sandboxes (DEL without a netns) releases theirs; nothing leaks", async () => {
    const old1 = await cluster.runPod(b, "before-1");
    const old2 = await cluster.runPod(b, "before-2");
    const client = await cluster.runPod(a, "client");
    expect(reserved(b)).toEqual([old1.ip, old2.ip].sort());

    await cluster.reboot(b);
    expect(alive(old1.pid) || alive(old2.pid)).toBe(false);
    // containerd still knows the old sandboxes; their netns died with the node.
    const known = await b.cri.cri.listPodSandbox();
    expect(known.map((s) => s.id).sort()).toEqual([old1.id, old2.id].sort());
    expect(known.every((s) => s.state === "SANDBOX_NOTREADY")).toBe(true);

    const fresh = await cluster.runPod(b, "after");
    expect(fresh.ip).toMatch(/^10\.244\.2\./);
    expect([old1.ip, old2.ip]).not.toContain(fresh.ip);
    await serve(fresh);
    expect(request(client.netns, "http", fresh.ip, HTTP_PORT)).toMatchObject({ name: "after", client: client.ip });

    await cluster.deletePod(old1);
    await cluster.deletePod(old2);
    expect(reserved(b)).toEqual([fresh.ip]);
    expect(bridgePorts(b)).toHaveLength(1);
    await cluster.deletePod(fresh);
    await cluster.deletePod(client);
    expect(reserved(b)).toEqual([]);
    expect(bridgePorts(b)).toEqual([]);
    expect(b.cri.podProcesses()).toEqual([]);
  });
});

describe("what Services need from the CNI (iptables mode)", () => {
  let a1: Pod;
  let a2: Pod;

  beforeAll(async () => {
    a1 = await cluster.runPod(a, "svc-a1");
    a2 = await cluster.runPod(a, "svc-a2");
    const b1 = await cluster.runPod(b, "svc-b1");
    for (const pod of [a1, a2, b1]) await serve(pod);
    program("iptables", [a, b], proxyInput(a1, b1));
    program("iptables", [a, b], proxyInput(a1, b1, 6));
  }, 60_000);

  it("hairpin works only while the bridge port's hairpin flag (hairpinMode) is on", () => {
    expect(request(a1.netns, "http", CLUSTER_IP_A, 80)).toMatchObject({ name: "svc-a1" });
    for (const port of bridgePorts(a)) inNode(a, "bridge", ["link", "set", "dev", port, "hairpin", "off"]);
    expect(request(a1.netns, "http", CLUSTER_IP_A, 80)).toBeInstanceOf(Error);
    for (const port of bridgePorts(a)) inNode(a, "bridge", ["link", "set", "dev", port, "hairpin", "on"]);
    expect(request(a1.netns, "http", CLUSTER_IP_A, 80)).toMatchObject({ name: "svc-a1" });
  });

  it("pod to a ClusterIP on the same node works only with bridge-nf-call-iptables=1", () => {
    expect(request(a2.netns, "http", CLUSTER_IP_A, 80)).toMatchObject({ name: "svc-a1", client: a2.ip });
    inNode(a, "sysctl", ["-q", "-w", "net.bridge.bridge-nf-call-iptables=0"]);
    try {
      expect(request(a2.netns, "http", CLUSTER_IP_A, 80)).toBeInstanceOf(Error);
    } finally {
      inNode(a, "sysctl", ["-q", "-w", "net.bridge.bridge-nf-call-iptables=1"]);
    }
    expect(request(a2.netns, "http", CLUSTER_IP_A, 80)).toMatchObject({ name: "svc-a1", client: a2.ip });
  });

  it("and in IPv6 only with bridge-nf-call-ip6tables=1", () => {
    const clusterIp6 = proxyInput(a1, a1, 6).services[0]!.clusterIp;
    expect(request(a2.netns, "http", clusterIp6, 80)).toMatchObject({ name: "svc-a1", client: a2.ip6 });
    inNode(a, "sysctl", ["-q", "-w", "net.bridge.bridge-nf-call-ip6tables=0"]);
    try {
      expect(request(a2.netns, "http", clusterIp6, 80)).toBeInstanceOf(Error);
    } finally {
      inNode(a, "sysctl", ["-q", "-w", "net.bridge.bridge-nf-call-ip6tables=1"]);
    }
    expect(request(a2.netns, "http", clusterIp6, 80)).toMatchObject({ name: "svc-a1", client: a2.ip6 });
  });
});

describe("what the agent keeps and reports on its node", () => {
  // Waits allow 25 s: the agent resyncs every 10 s (the DaemonSet's interval).
  it("reports bridge-nf-call-iptables=0 as not ready on a resync, and ready once it is back", async () => {
    // Earlier tests flip these sysctls too: start from a ready agent, read only what it logs from here.
    await eventually(() => a.agent!.ready(), "ready before", 25_000);
    const from = a.agent!.output.length;
    inNode(a, "sysctl", ["-q", "-w", "net.bridge.bridge-nf-call-iptables=0"]);
    try {
      await eventually(
        () => a.agent!.output.slice(from).includes("sysctls: NOT READY: net.bridge.bridge-nf-call-iptables=0, needs 1"),
        "sysctls NOT READY",
        25_000,
      );
      expect(a.agent!.condition("sysctls")).toBe(false);
    } finally {
      inNode(a, "sysctl", ["-q", "-w", "net.bridge.bridge-nf-call-iptables=1"]);
    }
    await eventually(() => a.agent!.ready(), "ready again", 25_000);
  }, 60_000);

  it("puts its egress masquerade back after someone flushes it", async () => {
    inNode(a, "nft", ["flush", "table", "ip", "cni_ts_egress"]);
    expect(inNode(a, "nft", ["list", "table", "ip", "cni_ts_egress"])).not.toContain("masquerade");
    await eventually(() => inNode(a, "nft", ["list", "table", "ip", "cni_ts_egress"]).includes("masquerade"), "the rules back", 25_000);
  }, 60_000);
});
