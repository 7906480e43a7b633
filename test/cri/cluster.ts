/**
 * A kind-like two-node cluster driven only through CRI: two CriNodes joined
 * by an underlay veth (192.0.2.0/24) and an "external" namespace hanging
 * off node A (198.51.100.0/24) playing a host outside the cluster, where
 * the Kubernetes API server (the fake one) also runs. Each node is set up
 * the way deploy/cni-ts.yaml sets up a node (./daemonset.ts): the init
 * container's command, then the agent (`cni-ts install --watch`) with the
 * DaemonSet's own environment, which installs the plugins, writes the
 * conflist from its Node's pod CIDR, adds the routes to the other node's
 * pods and programs the egress masquerade; the harness itself sets no
 * sysctl, route or rule on a node. With the reference implementation the
 * agent is the same and the reference plugins replace ours in the bin
 * directory. The reference `portmap` is there for hostPorts. Pods are made
 * the way kubelet makes them: RunPodSandbox with metadata, labels, a cgroup
 * parent and port mappings; their IP and sandbox pid are read back from
 * PodSandboxStatus.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { REFERENCE_BIN } from "../helpers/run-plugin.ts";
import { NodeAgent } from "./agent.ts";
import { startApiServer, type ApiServer } from "./api-server.ts";
import type { PortMapping } from "./client.ts";
import { readDaemonSet, type DaemonSetPlan } from "./daemonset.ts";
import { CriNode } from "./node.ts";
import { buildPauseImage } from "./pause-image.ts";

/** Which plugins the nodes run. */
export type Implementation = "cni-ts" | "reference";

/** The cluster's pod network (kube-proxy's --cluster-cidr), per family. */
export const CLUSTER_CIDR = "10.244.0.0/16";
export const CLUSTER_CIDR6 = "fd00:10:244::/56";
/** The external client's view of node A. */
export const EXTERNAL_NODE_IP = "198.51.100.1";
export const EXTERNAL_NODE_IP6 = "2001:db8:100::1";
/** The host outside the cluster (client, server, and the API server's address). */
export const EXTERNAL_HOST_IP = "198.51.100.2";
export const EXTERNAL_HOST_IP6 = "2001:db8:100::2";

/** How the cluster is built. */
export interface ClusterOptions {
  /** The cni-ts whose agent sets the nodes up (default: dist/bin's). */
  agentExecutable?: string | undefined;
  /** IPv4 only; default: dual stack, every pod and node with an IPv4 and an IPv6 address. */
  ipv4Only?: boolean | undefined;
  /** Egress masquerade in the iptables backend (the image has no iptables: the agent gets the machine's PATH). */
  iptablesMasquerade?: boolean | undefined;
}

/** A node plus its place in the cluster. */
export interface ClusterNode {
  name: string;
  /** Its Node object's name. */
  nodeName: string;
  cri: CriNode;
  /** The DaemonSet's agent on this node (replaced on a reboot). */
  agent?: NodeAgent;
  underlayIp: string;
  podCidr: string;
  gateway: string;
  /** IPv6 (dual stack only). */
  underlayIp6?: string | undefined;
  podCidr6?: string | undefined;
  gateway6?: string | undefined;
}

/** A pod sandbox as kubelet knows it. */
export interface Pod {
  name: string;
  uid: string;
  node: ClusterNode;
  id: string;
  /** From PodSandboxStatus.network.ip. */
  ip: string;
  /** From PodSandboxStatus.network.additionalIps (dual stack). */
  ip6?: string | undefined;
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
  readonly ipv6: boolean;
  readonly #iptablesMasquerade: boolean;
  readonly nodes: ClusterNode[] = [];
  readonly pods: Pod[] = [];
  external!: TestNetns;
  readonly #dirs: string[] = [];
  #api: ApiServer | undefined;
  readonly #daemonSet: DaemonSetPlan;

  constructor(implementation: Implementation, options: ClusterOptions = {}) {
    this.implementation = implementation;
    this.ipv6 = !options.ipv4Only;
    this.#iptablesMasquerade = options.iptablesMasquerade === true;
    this.#daemonSet = readDaemonSet(options.agentExecutable);
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
      const n = i + 1;
      this.nodes.push({
        name,
        nodeName: `node-${name}`,
        cri,
        underlayIp: `192.0.2.${n}`,
        podCidr: `10.244.${n}.0/24`,
        gateway: `10.244.${n}.1`,
        ...(this.ipv6 ? { underlayIp6: `2001:db8:2::${n}`, podCidr6: `fd00:10:244:${n}::/64`, gateway6: `fd00:10:244:${n}::1` } : {}),
      });
    }
    this.external = createNetns("cri-ext");
    this.#wire();
    for (const node of this.nodes) symlinkSync(join(REFERENCE_BIN, "portmap"), join(node.cri.paths.binDir, "portmap"));
    const apiDir = mkdtempSync(join(tmpdir(), "cnits-cri-api-"));
    this.#dirs.push(apiDir);
    const nodeObjects = this.nodes.map((n) => ({
      name: n.nodeName,
      podCidrs: [n.podCidr, ...(n.podCidr6 ? [n.podCidr6] : [])],
      internalIps: [n.underlayIp, ...(n.underlayIp6 ? [n.underlayIp6] : [])],
    }));
    this.#api = await startApiServer(apiDir, this.external.path, EXTERNAL_HOST_IP, nodeObjects);
    // Init containers first: node A forwards node B's requests to the API server.
    for (const node of this.nodes) this.#initContainer(node);
    for (const node of this.nodes) await this.#startAgent(node);
    for (const node of this.nodes) {
      await node.cri.startContainerd();
      await node.cri.waitNetworkReady();
    }
  }

  /** The DaemonSet's init container, with the node's own tools, in the node's network namespace. */
  #initContainer(node: ClusterNode): void {
    execFileSync("nsenter", [`--net=${node.cri.ns.path}`, ...this.#daemonSet.initCommand], { stdio: "ignore" });
  }

  /**
   * The DaemonSet's container: the agent installs the plugins, writes the
   * conflist and owns routes and masquerade; ready once it says so and its
   * route to every other node's pods is in. Reference: the reference
   * plugins then take our plugins' names (the conflist is the same).
   */
  async #startAgent(node: ClusterNode): Promise<void> {
    const api = this.#api!;
    const { binDir, confDir } = node.cri.paths;
    const env = this.#daemonSet.agentEnv({
      nodeName: node.nodeName,
      hostDirs: { "/opt/cni/bin": binDir, "/etc/cni/net.d": confDir },
      apiHost: api.host,
      apiPort: api.port,
      serviceAccountDir: api.serviceAccountDir,
    });
    if (this.#iptablesMasquerade) Object.assign(env, { CNI_TS_MASQ_BACKEND: "iptables", PATH: "/usr/sbin:/usr/bin:/sbin:/bin" });
    node.agent = new NodeAgent(node.cri.ns.path, this.#daemonSet.agentArgv, env);
    await node.agent.waitReady(() => this.#hasPeerRoutes(node));
    if (this.implementation === "reference") {
      for (const plugin of ["bridge", "loopback", "host-local"]) {
        symlinkSync(join(REFERENCE_BIN, plugin), join(binDir, `.${plugin}.reference`));
        renameSync(join(binDir, `.${plugin}.reference`), join(binDir, plugin));
      }
    }
  }

  /** Whether the node's agent has its routes to every other node's pods (both families in dual stack). */
  #hasPeerRoutes(node: ClusterNode): boolean {
    const routes = node.cri.ns.exec("ip", "route", "show", "proto", "177") + node.cri.ns.exec("ip", "-6", "route", "show", "proto", "177");
    return this.nodes.every(
      (peer) =>
        peer === node ||
        (routes.includes(`${peer.podCidr} via ${peer.underlayIp}`) && (!peer.podCidr6 || routes.includes(`${peer.podCidr6} via ${peer.underlayIp6}`))),
    );
  }

  /** (Re)make every link and underlay route: the underlay between the nodes, the external host's link to node A. */
  #wire(): void {
    const [a, b] = this.nodes as [ClusterNode, ClusterNode];
    netnsExec(a.cri.ns, "ip", "link", "add", "ul0", "type", "veth", "peer", "name", "ul0", "netns", b.cri.ns.name);
    for (const node of [a, b]) {
      netnsExec(node.cri.ns, "ip", "addr", "add", `${node.underlayIp}/24`, "dev", "ul0");
      if (node.underlayIp6) netnsExec(node.cri.ns, "ip", "addr", "add", `${node.underlayIp6}/64`, "dev", "ul0", "nodad");
      netnsExec(node.cri.ns, "ip", "link", "set", "ul0", "up");
    }
    netnsExec(a.cri.ns, "ip", "link", "add", "ext0", "type", "veth", "peer", "name", "eth0", "netns", this.external.name);
    netnsExec(a.cri.ns, "ip", "addr", "add", `${EXTERNAL_NODE_IP}/24`, "dev", "ext0");
    if (this.ipv6) netnsExec(a.cri.ns, "ip", "addr", "add", `${EXTERNAL_NODE_IP6}/64`, "dev", "ext0", "nodad");
    netnsExec(a.cri.ns, "ip", "link", "set", "ext0", "up");
    // The data centre's routing, not the CNI's: node A's default route leads outside, node B's through node A.
    netnsExec(a.cri.ns, "ip", "route", "add", "default", "via", EXTERNAL_HOST_IP);
    netnsExec(b.cri.ns, "ip", "route", "add", "default", "via", a.underlayIp);
    if (this.ipv6) {
      netnsExec(a.cri.ns, "ip", "-6", "route", "add", "default", "via", EXTERNAL_HOST_IP6);
      netnsExec(b.cri.ns, "ip", "-6", "route", "add", "default", "via", a.underlayIp6!);
    }
    const external = [
      ["link", "set", "lo", "up"],
      ["addr", "add", `${EXTERNAL_HOST_IP}/24`, "dev", "eth0"],
      ["link", "set", "eth0", "up"],
      ["route", "add", "default", "via", EXTERNAL_NODE_IP],
    ];
    if (this.ipv6)
      external.push(["addr", "add", `${EXTERNAL_HOST_IP6}/64`, "dev", "eth0", "nodad"], ["-6", "route", "add", "default", "via", EXTERNAL_NODE_IP6]);
    for (const args of external) netnsExec(this.external, "ip", ...args);
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

  /** The IPs and sandbox pid CRI reports for sandbox `id`. */
  async sandboxNetwork(node: ClusterNode, id: string): Promise<{ ip: string; ip6: string | undefined; pid: number; netns: string }> {
    const response = await node.cri.cri.podSandboxStatus(id, true);
    const pid = Number(JSON.parse(response.info.info ?? "{}").pid);
    const network = response.status.network;
    return { ip: network?.ip ?? "", ip6: network?.additionalIps.find((a) => a.ip.includes(":"))?.ip, pid, netns: `/proc/${pid}/ns/net` };
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
    await node.agent?.stop();
    await node.cri.powerOff();
    await node.cri.powerOn();
    this.#wire();
    this.#initContainer(node);
    await this.#startAgent(node);
    // Unplugging took the other nodes' routes over the old link with it; their agents put them back on a resync.
    for (const other of this.nodes) {
      if (other !== node) await other.agent!.waitReady(() => this.#hasPeerRoutes(other), 30_000);
    }
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
      await node.agent?.stop();
      await node.cri.powerOff();
    }
    this.#api?.stop();
    this.pods.length = 0;
    this.external?.remove();
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Bring a cluster up on `implementation`; on failure, what was made is removed before the error is thrown. */
export async function createCluster(implementation: Implementation, options: ClusterOptions = {}): Promise<Cluster> {
  const cluster = new Cluster(implementation, options);
  try {
    await cluster.up();
    return cluster;
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
}
