/**
 * A kind-like two-node cluster in network namespaces: two "node" namespaces
 * joined by an underlay veth (192.0.2.0/24), each with its own pod CIDR,
 * bridge, host-local data dir and a route to the other node's pod CIDR.
 * Pods are attached the way kubelet's runtime does it: loopback for `lo`,
 * then bridge (+ host-local) for `eth0`, each plugin exec'd inside the node
 * namespace with `ip netns exec`. Used by test/e2e/two-node.test.ts and by
 * `npm run demo`; nothing here touches the root network namespace.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { runPlugin, type PluginRun } from "../helpers/run-plugin.ts";

/** One node of the cluster. */
interface ClusterNode {
  /** "a" or "b". */
  id: string;
  ns: TestNetns;
  underlayIf: string;
  underlayIp: string;
  podCidr: string;
  gateway: string;
  bridge: string;
  dataDir: string;
}

/** One pod attached to a node. */
export interface ClusterPod {
  name: string;
  node: ClusterNode;
  ns: TestNetns;
  containerId: string;
  /** eth0's address without prefix. */
  ip: string;
  loResult: unknown;
  ethResult: any;
  /** Wall time of the loopback and bridge ADDs, ms. */
  addMs: { lo: number; eth0: number };
}

/** What to build the cluster from. */
export interface TopologyOptions {
  /** Directory holding `bridge`, `loopback`, `host-local` (our dist/bin, or /usr/lib/cni). */
  binDir: string;
  /** Namespace tag prefix: "" gives `cnits-node-a-…`, "demo-" gives `cnits-demo-node-a-…`. */
  tagPrefix?: string;
  /** @default "1.0.0" */
  cniVersion?: string;
  /** @default true */
  ipMasq?: boolean;
}

/** A running two-node cluster. */
export interface Topology {
  nodes: [ClusterNode, ClusterNode];
  pods: ClusterPod[];
  /** ADD a pod (loopback then bridge); throws with the plugin's error on failure. */
  addPod(node: ClusterNode, name: string): ClusterPod;
  /** DEL a pod (bridge then loopback) and delete its namespace; returns DEL times in ms. */
  deletePod(pod: ClusterPod): { eth0: number; lo: number };
  /** Tear down everything: pods (DEL), namespaces, data dirs. Idempotent, never throws. */
  destroy(): void;
}

const NET_NAME = "cnits-podnet";

function ip(ns: TestNetns, ...args: string[]): void {
  ns.exec("ip", ...args);
}

/**
 * Build the two nodes and the underlay between them.
 *
 * @param options where the plugins are and how to name things.
 * @returns the cluster; call `destroy()` in a `finally`.
 * @throws Error when a namespace or link cannot be made (what was made is removed).
 */
export function createTopology(options: TopologyOptions): Topology {
  const cniVersion = options.cniVersion ?? "1.0.0";
  const tag = options.tagPrefix ?? "";
  const made: TestNetns[] = [];
  const dirs: string[] = [];
  const pods: ClusterPod[] = [];

  const makeNode = (id: string, n: number): ClusterNode => {
    const ns = createNetns(`${tag}node-${id}`);
    made.push(ns);
    const dataDir = mkdtempSync(join(tmpdir(), `cnits-${tag}ipam-${id}-`));
    dirs.push(dataDir);
    return {
      id,
      ns,
      underlayIf: `cnits-ul-${id}`,
      underlayIp: `192.0.2.${n}`,
      podCidr: `10.244.${n}.0/24`,
      gateway: `10.244.${n}.1`,
      bridge: "cnits-cbr0",
      dataDir,
    };
  };

  const destroy = () => {
    for (const pod of [...pods].reverse()) {
      try {
        deletePod(pod);
      } catch {
        pod.ns.remove();
      }
    }
    for (const ns of made.reverse()) ns.remove();
    made.length = 0;
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };

  let a: ClusterNode;
  let b: ClusterNode;
  try {
    a = makeNode("a", 1);
    b = makeNode("b", 2);
    // Underlay: one veth pair, created in A with its peer moved straight into B.
    ip(a.ns, "link", "add", a.underlayIf, "type", "veth", "peer", "name", b.underlayIf, "netns", b.ns.name);
    for (const [node, peer] of [
      [a, b],
      [b, a],
    ] as const) {
      ip(node.ns, "link", "set", "lo", "up");
      ip(node.ns, "addr", "add", `${node.underlayIp}/24`, "dev", node.underlayIf);
      ip(node.ns, "link", "set", node.underlayIf, "up");
      ip(node.ns, "route", "add", peer.podCidr, "via", peer.underlayIp, "dev", node.underlayIf);
      node.ns.exec("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
    }
  } catch (err) {
    destroy();
    throw err;
  }

  const netConf = (node: ClusterNode) => ({
    cniVersion,
    name: NET_NAME,
    type: "bridge",
    bridge: node.bridge,
    isGateway: true,
    ipMasq: options.ipMasq ?? true,
    hairpinMode: true,
    ipam: {
      type: "host-local",
      ranges: [[{ subnet: node.podCidr, gateway: node.gateway }]],
      routes: [{ dst: "0.0.0.0/0" }],
      dataDir: node.dataDir,
    },
  });
  const loConf = { cniVersion, name: "cni-loopback", type: "loopback" };

  const exec = (node: ClusterNode, plugin: string, command: string, pod: { ns: TestNetns; containerId: string }, ifName: string, conf: unknown) => {
    const started = performance.now();
    const run: PluginRun = runPlugin(
      join(options.binDir, plugin),
      {
        CNI_COMMAND: command,
        CNI_CONTAINERID: pod.containerId,
        CNI_NETNS: pod.ns.path,
        CNI_IFNAME: ifName,
        CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod.containerId};K8S_POD_INFRA_CONTAINER_ID=${pod.containerId}`,
        CNI_PATH: options.binDir,
      },
      conf,
      { hostNetns: node.ns.name },
    );
    const ms = performance.now() - started;
    if (run.status !== 0) {
      throw new Error(`${plugin} ${command} for ${pod.containerId} failed: ${run.stdout.trim() || run.stderr.trim()}`);
    }
    return { run, ms };
  };

  const addPod = (node: ClusterNode, name: string): ClusterPod => {
    const ns = createNetns(`${tag}pod-${name}`);
    const containerId = ns.name; // unique, valid container-ID characters
    const partial = { ns, containerId };
    try {
      const lo = exec(node, "loopback", "ADD", partial, "lo", loConf);
      const eth = exec(node, "bridge", "ADD", partial, "eth0", netConf(node));
      const pod: ClusterPod = {
        name,
        node,
        ns,
        containerId,
        ip: String(eth.run.json.ips[0].address).split("/")[0] ?? "",
        loResult: lo.run.json,
        ethResult: eth.run.json,
        addMs: { lo: lo.ms, eth0: eth.ms },
      };
      pods.push(pod);
      return pod;
    } catch (err) {
      // As kubelet does after a failed sandbox setup: DEL, then drop the sandbox.
      try {
        exec(node, "bridge", "DEL", partial, "eth0", netConf(node));
      } catch {
        // best effort
      }
      ns.remove();
      throw err;
    }
  };

  const deletePod = (pod: ClusterPod) => {
    const i = pods.indexOf(pod);
    if (i >= 0) pods.splice(i, 1);
    try {
      const eth = exec(pod.node, "bridge", "DEL", pod, "eth0", { ...netConf(pod.node), prevResult: pod.ethResult });
      const lo = exec(pod.node, "loopback", "DEL", pod, "lo", { ...loConf, prevResult: pod.loResult });
      return { eth0: eth.ms, lo: lo.ms };
    } finally {
      pod.ns.remove();
    }
  };

  return { nodes: [a, b], pods, addPod, deletePod, destroy };
}
