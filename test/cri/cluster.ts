/**
 * A kind-like two-node cluster driven only through CRI: two CriNodes joined
 * by an underlay veth (192.0.2.0/24), a pod CIDR per node with routes
 * between them, and an "external" namespace hanging off node A
 * (198.51.100.0/24) to play a client outside the cluster. Each node's CNI
 * bin directory holds either cni-ts (installed with `cni-ts install`, which
 * also writes the conflist for the node's pod CIDR) or the reference
 * plugins with the same conflist, plus the reference `portmap` for
 * hostPorts. Pods are made the way kubelet makes them:
 * RunPodSandbox with metadata, labels, a cgroup parent and port mappings;
 * their IP and sandbox pid are read back from PodSandboxStatus.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { conflistText, nodeConflist } from "../../src/install/conflist.ts";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { DIST_BIN, REFERENCE_BIN } from "../helpers/run-plugin.ts";
import type { PortMapping } from "./client.ts";
import { CriNode } from "./node.ts";
import { buildPauseImage } from "./pause-image.ts";

/** Which plugins the nodes run. */
export type Implementation = "cni-ts" | "reference";

/** The cluster's pod network (kube-proxy's --cluster-cidr). */
export const CLUSTER_CIDR = "10.244.0.0/16";
/** The external client's view of node A. */
export const EXTERNAL_NODE_IP = "198.51.100.1";
const EXTERNAL_CLIENT_IP = "198.51.100.2";

/** A node plus its place in the cluster. */
export interface ClusterNode {
  name: string;
  cri: CriNode;
  underlayIp: string;
  podCidr: string;
  gateway: string;
}

/** A pod sandbox as kubelet knows it. */
export interface Pod {
  name: string;
  uid: string;
  node: ClusterNode;
  id: string;
  /** From PodSandboxStatus.network.ip. */
  ip: string;
  /** The sandbox process (verbose PodSandboxStatus). */
  pid: number;
  /** Its network namespace, reachable from the machine's mount namespace. */
  netns: string;
}

/** Options for a pod beyond its name. */
export interface PodOptions {
  /** Kubernetes namespace. @default "default" */
  namespace?: string;
  portMappings?: PortMapping[];
}

function netnsExec(ns: TestNetns, ...args: string[]): void {
  ns.exec(args[0]!, ...args.slice(1));
}

/** A running cluster. Create with `createCluster`; always `destroy()` it. */
export class Cluster {
  readonly implementation: Implementation;
  readonly nodes: ClusterNode[] = [];
  readonly pods: Pod[] = [];
  external!: TestNetns;
  readonly #dirs: string[] = [];

  constructor(implementation: Implementation) {
    this.implementation = implementation;
  }

  /** Build nodes, underlay and external client, start containerd on each node. */
  async up(): Promise<void> {
    const imageDir = mkdtempSync(join(tmpdir(), "cnits-cri-image-"));
    this.#dirs.push(imageDir);
    const pauseArchive = buildPauseImage(imageDir);
    for (const [i, name] of ["a", "b"].entries()) {
      const dir = mkdtempSync(join(tmpdir(), `cnits-cri-${name}-`));
      this.#dirs.push(dir);
      const cri = await CriNode.create({ name, dir, pauseArchive });
      this.nodes.push({ name, cri, underlayIp: `192.0.2.${i + 1}`, podCidr: `10.244.${i + 1}.0/24`, gateway: `10.244.${i + 1}.1` });
    }
    this.external = createNetns("cri-ext");
    for (const node of this.nodes) {
      this.#installPlugins(node);
    }
    this.#wire();
    for (const node of this.nodes) {
      await node.cri.startContainerd();
      await node.cri.waitNetworkReady();
    }
  }

  /**
   * The node's CNI DaemonSet step. cni-ts: `cni-ts install` puts the plugins
   * into the bin dir and writes the conflist for the node's pod CIDR
   * (portmap chained because the bin dir has it). Reference: the reference
   * binaries and the same conflist document, from the same code.
   */
  #installPlugins(node: ClusterNode): void {
    const { binDir, confDir } = node.cri.paths;
    symlinkSync(join(REFERENCE_BIN, "portmap"), join(binDir, "portmap"));
    if (this.implementation === "cni-ts") {
      // In the node's namespace: install judges the pod CIDR against the node's networks and takes its uplink's MTU.
      execFileSync(
        "ip",
        // Pod-to-pod traffic must keep pod source addresses: no masquerade between pods.
        ["netns", "exec", node.cri.ns.name, join(DIST_BIN, "cni-ts"),
          "install", "--cni-bin-dir", binDir, "--cni-conf-dir", confDir, "--pod-cidr", node.podCidr, "--no-ip-masq", "--portmap", "auto"],
        { stdio: "ignore" },
      );
      return;
    }
    for (const plugin of ["bridge", "loopback", "host-local"]) symlinkSync(join(REFERENCE_BIN, plugin), join(binDir, plugin));
    const conflist = nodeConflist({ networkName: "cni-ts", bridge: "cni-ts0", podCidrs: [node.podCidr], portmap: true, hairpin: true, ipMasq: false });
    writeFileSync(join(confDir, "10-cni-ts.conflist"), conflistText(conflist));
  }

  /** (Re)make every link and route: node sysctls, underlay, pod CIDR routes, the external client's link to node A. */
  #wire(): void {
    const [a, b] = this.nodes as [ClusterNode, ClusterNode];
    for (const node of this.nodes) {
      // kube-proxy needs bridged pod traffic to pass netfilter (per netns on this kernel).
      netnsExec(node.cri.ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.bridge.bridge-nf-call-iptables=1");
    }
    netnsExec(a.cri.ns, "ip", "link", "add", "ul0", "type", "veth", "peer", "name", "ul0", "netns", b.cri.ns.name);
    for (const [node, peer] of [[a, b], [b, a]] as const) {
      netnsExec(node.cri.ns, "ip", "addr", "add", `${node.underlayIp}/24`, "dev", "ul0");
      netnsExec(node.cri.ns, "ip", "link", "set", "ul0", "up");
      netnsExec(node.cri.ns, "ip", "route", "add", peer.podCidr, "via", peer.underlayIp);
    }
    netnsExec(b.cri.ns, "ip", "route", "add", "198.51.100.0/24", "via", a.underlayIp);
    netnsExec(a.cri.ns, "ip", "link", "add", "ext0", "type", "veth", "peer", "name", "eth0", "netns", this.external.name);
    netnsExec(a.cri.ns, "ip", "addr", "add", `${EXTERNAL_NODE_IP}/24`, "dev", "ext0");
    netnsExec(a.cri.ns, "ip", "link", "set", "ext0", "up");
    for (const args of [["link", "set", "lo", "up"], ["addr", "add", `${EXTERNAL_CLIENT_IP}/24`, "dev", "eth0"], ["link", "set", "eth0", "up"], ["route", "add", "default", "via", EXTERNAL_NODE_IP]]) {
      netnsExec(this.external, "ip", ...args);
    }
  }

  /** RunPodSandbox as kubelet sends it, then read IP and pid back from PodSandboxStatus. */
  async runPod(node: ClusterNode, name: string, options: PodOptions = {}): Promise<Pod> {
    const uid = randomUUID();
    const namespace = options.namespace ?? "default";
    const id = await node.cri.cri.runPodSandbox({
      metadata: { name, uid, namespace, attempt: 0 },
      hostname: name,
      logDirectory: join(node.cri.paths.root, "..", "pods", `${namespace}_${name}_${uid}`),
      portMappings: options.portMappings ?? [],
      labels: { "io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": namespace, "io.kubernetes.pod.uid": uid, app: name },
      annotations: { "kubernetes.io/config.source": "api" },
      linux: { cgroupParent: `${node.cri.cgroupParent}/pod${uid}` },
    });
    const pod = { name, uid, node, id, ...(await this.sandboxNetwork(node, id)) };
    this.pods.push(pod);
    return pod;
  }

  /** The IP and sandbox pid CRI reports for sandbox `id`. */
  async sandboxNetwork(node: ClusterNode, id: string): Promise<{ ip: string; pid: number; netns: string }> {
    const response = await node.cri.cri.podSandboxStatus(id, true);
    const pid = Number(JSON.parse(response.info.info ?? "{}").pid);
    return { ip: response.status.network?.ip ?? "", pid, netns: `/proc/${pid}/ns/net` };
  }

  /** What kubelet does to a deleted pod: StopPodSandbox (its GC repeats it), then RemovePodSandbox. */
  async deletePod(pod: Pod): Promise<void> {
    await pod.node.cri.cri.stopPodSandbox(pod.id);
    await pod.node.cri.cri.stopPodSandbox(pod.id);
    await pod.node.cri.cri.removePodSandbox(pod.id);
    const i = this.pods.indexOf(pod);
    if (i >= 0) this.pods.splice(i, 1);
  }

  /**
   * Power-cycle a node: all its processes and its netns die, its disk
   * (containerd root, host-local store, CNI cache) stays; then the netns,
   * links and containerd come back. Its pods are gone from the kernel but
   * still known to containerd (as after a real reboot).
   */
  async reboot(node: ClusterNode): Promise<void> {
    // Unplug the node's cables first: a deleted netns takes its veths down only asynchronously.
    for (const other of this.nodes) if (other !== node) netnsExec(other.cri.ns, "ip", "link", "del", "ul0");
    netnsExec(this.external, "ip", "link", "del", "eth0");
    await node.cri.powerOff();
    await node.cri.powerOn();
    this.#wire();
    await node.cri.startContainerd();
    await node.cri.waitNetworkReady();
  }

  /** Stop and remove every sandbox through CRI, then power the nodes off and remove everything made. Never throws. */
  async destroy(): Promise<void> {
    for (const node of this.nodes) {
      try {
        for (const sandbox of await node.cri.cri.listPodSandbox()) {
          await node.cri.cri.stopPodSandbox(sandbox.id);
          await node.cri.cri.removePodSandbox(sandbox.id);
        }
      } catch {
        // containerd down or broken: powerOff below still kills what is left.
      }
      await node.cri.powerOff();
    }
    this.pods.length = 0;
    this.external?.remove();
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Bring a cluster up on `implementation`; on failure, what was made is removed before the error is thrown. */
export async function createCluster(implementation: Implementation): Promise<Cluster> {
  const cluster = new Cluster(implementation);
  try {
    await cluster.up();
    return cluster;
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
}
