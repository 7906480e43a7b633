/**
 * Checks modelled on the Kubernetes `[sig-network]` conformance tests that
 * concern a CNI, run against a Cluster: pod IPs as CRI reports them,
 * intra-pod HTTP and UDP on one node and across nodes, node-to-pod,
 * pod-to-node, hostPort through the chained portmap, and per kube-proxy mode
 * ClusterIP (same node, other node), hairpin and NodePort from outside.
 * Shared by `npm run conformance` (scripts/conformance.ts) and
 * test/cri/conformance.test.ts, so both run exactly the same checks.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { release } from "node:os";
import {
  CLUSTER_CIDR,
  CLUSTER_CIDR6,
  createCluster,
  EXTERNAL_HOST_IP,
  EXTERNAL_HOST_IP6,
  EXTERNAL_NODE_IP,
  EXTERNAL_NODE_IP6,
  type Cluster,
  type ClusterNode,
  type ClusterOptions,
  type Implementation,
  type Pod,
} from "./cluster.ts";
import { iptablesCleanup, iptablesRules, restoreTool } from "./kube-proxy/iptables.ts";
import { nftablesCleanup, nftablesRules, nftFamily, NFT_TABLE } from "./kube-proxy/nftables.ts";
import type { ProxyInput } from "./kube-proxy/services.ts";
import { HTTP_PORT, request, startServer, UDP_PORT, type Answer, type Server } from "./workload.ts";

/** kube-proxy modes with a fixture here; IPVS is reported separately. */
const PROXY_MODES = ["iptables", "nftables"] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

const HOST_PORT = 30500;
const NODE_PORT_A = 30080;
const NODE_PORT_B = 30081;
/** ClusterIPs of the fixture's Services: web-a (endpoint a1), web-b (endpoint b1); IPv6 ones in dual stack. */
export const CLUSTER_IP_A = "10.96.0.10";
const CLUSTER_IP_B = "10.96.0.11";
const CLUSTER_IP6_A = "fd00:10:96::10";
const CLUSTER_IP6_B = "fd00:10:96::11";
/** web-none: a Service without endpoints. */
const CLUSTER_IP_NONE = "10.96.0.12";
const CLUSTER_IP6_NONE = "fd00:10:96::12";
/** web-b's second port: UDP 53 → 8081. */
const UDP_SERVICE_PORT = 53;

/** Every check in run order: dual stack, or IPv4 only (`--ipv4-only`). */
function checkList(ipv6: boolean): string[] {
  const v6 = (...names: string[]) => (ipv6 ? names : []);
  return [
    "agent ready on every node (masquerade, sysctls, routes)",
    "CRI Status: NetworkReady on the installed conflist",
    "PodSandboxStatus reports each pod's eth0 address",
    ...v6("IPv6: PodSandboxStatus reports each pod's eth0 IPv6 address"),
    "source IP kept pod to pod (same node, across nodes both ways)",
    ...v6("IPv6: source IP kept pod to pod (same node, across nodes both ways)"),
    "pod to a host outside the cluster, masqueraded (both nodes)",
    ...v6("IPv6: pod to a host outside the cluster, masqueraded (both nodes)"),
    "pod to pod, same node, HTTP",
    "pod to pod, same node, UDP",
    "pod to pod, across nodes, HTTP",
    "pod to pod, across nodes, UDP",
    ...v6("IPv6: pod to pod, across nodes, UDP"),
    "node to pod, HTTP (same and other node)",
    "node to pod, UDP (same and other node)",
    "pod to node, HTTP (own node unNATed, other node masqueraded)",
    "hostPort via chained portmap (external and other node)",
    ...PROXY_MODES.flatMap((mode) => [
      `${mode}: ClusterIP to a pod on the same node`,
      `${mode}: ClusterIP to a pod on the other node`,
      `${mode}: ClusterIP UDP to a pod on the other node`,
      `${mode}: hairpin (pod to its own Service)`,
      `${mode}: NodePort from outside (local and remote endpoint)`,
      `${mode}: ClusterIP without endpoints is rejected`,
      ...v6(
        `${mode}: IPv6 ClusterIP to a pod on the same node`,
        `${mode}: IPv6 ClusterIP to a pod on the other node`,
        `${mode}: IPv6 hairpin (pod to its own Service)`,
        `${mode}: IPv6 NodePort from outside (local and remote endpoint)`,
      ),
      `${mode}: rules removed`,
    ]),
  ];
}
export const CHECKS = checkList(true);
type CheckName = string;

/** One row of the report. */
export interface CheckResult {
  check: CheckName;
  ok: boolean;
  ms: number;
  detail: string;
}

/** The whole run. */
export interface ConformanceReport {
  implementation: Implementation;
  /** What answered CRI, and the kernel: `containerd 1.6.20~ds1 (CRI v1), kernel 6.1.0`. */
  runtime: string;
  results: CheckResult[];
  /** One line about IPVS: run or why not. */
  ipvs: string;
  /** Cluster bring-up and teardown, ms. */
  upMs: number;
  downMs: number;
  /** What was left after teardown (empty: nothing). */
  leftovers: string[];
}

/** IPVS needs kernel support this suite cannot load itself. */
function ipvsLine(): string {
  return existsSync("/proc/net/ip_vs") ? "ipvs: available on this kernel, but there is no IPVS fixture yet: not run" : "ipvs: not available on this kernel";
}

class CheckFailed extends Error {}

function expectAnswer(answer: Answer | Error, from: string, name: string, client?: string): string {
  if (answer instanceof Error) throw new CheckFailed(`${from}: ${answer.message}`);
  if (answer.name !== name) throw new CheckFailed(`${from}: answered by ${answer.name}, expected ${name}`);
  if (client && answer.client !== client) throw new CheckFailed(`${from}: ${name} saw client ${answer.client}, expected ${client}`);
  return `${from} → ${name} (client ${answer.client}, ${answer.ms.toFixed(0)} ms)`;
}

function nodeNetns(node: ClusterNode): string {
  return node.cri.ns.path;
}

function eth0Address(pod: Pod, family: 4 | 6 = 4): string {
  const out = execFileSync("nsenter", [`--net=${pod.netns}`, "ip", "-j", `-${family}`, "addr", "show", "eth0", "scope", "global"], { encoding: "utf8" });
  const [link] = JSON.parse(out) as { addr_info: { local: string }[] }[];
  return link?.addr_info[0]?.local ?? "";
}

/** Run a command in a node's network namespace. */
export function inNode(node: ClusterNode, cmd: string, args: string[], input?: string): string {
  return execFileSync("nsenter", [`--net=${nodeNetns(node)}`, cmd, ...args], { encoding: "utf8", input });
}

/**
 * The fixture's Services for one family: web-a → a1 (http 80 → 8080,
 * NodePort 30080), web-b → b1 (http 80 → 8080, NodePort 30081; dns 53/udp
 * → 8081), web-none without endpoints (http 80). IPv6 (dual stack): the same
 * Services' IPv6 ClusterIPs and endpoints.
 */
export function proxyInput(a1: Pod, b1: Pod, family: 4 | 6 = 4): ProxyInput {
  const endpointIp = (pod: Pod) => (family === 4 ? pod.ip : pod.ip6!);
  const port = (
    name: string,
    clusterIp: string,
    pod: Pod,
    spec: { portName: string; protocol: "tcp" | "udp"; port: number; target: number; nodePort: number },
  ) => ({
    namespace: "default",
    name,
    portName: spec.portName,
    protocol: spec.protocol,
    clusterIp,
    port: spec.port,
    nodePort: spec.nodePort,
    endpoints: [{ ip: endpointIp(pod), port: spec.target }],
  });
  const [ipA, ipB, ipNone] = family === 4 ? [CLUSTER_IP_A, CLUSTER_IP_B, CLUSTER_IP_NONE] : [CLUSTER_IP6_A, CLUSTER_IP6_B, CLUSTER_IP6_NONE];
  return {
    family,
    clusterCidr: family === 4 ? CLUSTER_CIDR : CLUSTER_CIDR6,
    services: [
      port("web-a", ipA, a1, { portName: "http", protocol: "tcp", port: 80, target: HTTP_PORT, nodePort: NODE_PORT_A }),
      port("web-b", ipB, b1, { portName: "http", protocol: "tcp", port: 80, target: HTTP_PORT, nodePort: NODE_PORT_B }),
      port("web-b", ipB, b1, { portName: "dns", protocol: "udp", port: UDP_SERVICE_PORT, target: UDP_PORT, nodePort: 0 }),
      { ...port("web-none", ipNone, a1, { portName: "http", protocol: "tcp", port: 80, target: HTTP_PORT, nodePort: 0 }), endpoints: [] },
    ],
  };
}

/** Write `input` the way kube-proxy in `mode` would (its proxier of the input's family), on every node. */
export function program(mode: ProxyMode, nodes: ClusterNode[], input: ProxyInput): void {
  for (const node of nodes) {
    if (mode === "iptables") inNode(node, restoreTool(input), ["--noflush"], iptablesRules(input));
    else inNode(node, "nft", ["-f", "-"], nftablesRules(input));
  }
}

function unprogram(mode: ProxyMode, nodes: ClusterNode[], inputs: ProxyInput[]): string {
  for (const node of nodes) {
    for (const input of inputs) {
      if (mode === "iptables") inNode(node, restoreTool(input), ["--noflush"], iptablesCleanup(input));
      else inNode(node, "nft", ["-f", "-"], nftablesCleanup(input));
    }
  }
  for (const node of nodes) {
    const saved = inputs.map((input) => inNode(node, input.family === 4 ? "iptables-save" : "ip6tables-save", ["-t", "nat"])).join("\n");
    const tables = inNode(node, "nft", ["list", "tables"]);
    const left = mode === "iptables" ? saved.match(/KUBE-\S+/g) : inputs.map((i) => `table ${nftFamily(i)} ${NFT_TABLE}`).filter((t) => tables.includes(t));
    if (left?.length) throw new CheckFailed(`node ${node.name} still has ${[...new Set(left)].join(", ")}`);
  }
  const what = mode === "iptables" ? "KUBE-* chain" : inputs.map((i) => `table ${nftFamily(i)} ${NFT_TABLE}`).join(" or ");
  return `no ${what} left on either node`;
}

/**
 * What the agent reports and what it put into the node: both conditions ok,
 * the routes to the other node's pods, the egress rules (in the backend its
 * masquerade condition names) returning for other sources.
 */
function agentReady(node: ClusterNode, peer: ClusterNode): string {
  const agent = node.agent!;
  if (!agent.ready()) throw new CheckFailed(`node ${node.name}: agent not ready; its log:\n${agent.output}`);
  const iptables = /masquerade: ok: .*\(iptables\)/.test(agent.output);
  const families = [
    { family: 4, podCidr: node.podCidr, peerCidr: peer.podCidr, peerIp: peer.underlayIp },
    ...(node.podCidr6 ? [{ family: 6, podCidr: node.podCidr6, peerCidr: peer.podCidr6!, peerIp: peer.underlayIp6! }] : []),
  ];
  const found = families.map(({ family, podCidr, peerCidr, peerIp }) => {
    const route = inNode(node, "ip", [`-${family}`, "route", "show", "proto", "177", peerCidr]).trim();
    if (!route.includes(`via ${peerIp}`)) throw new CheckFailed(`node ${node.name}: no agent route to ${peerCidr} (${route || "none"})`);
    const rules = iptables
      ? inNode(node, family === 4 ? "iptables" : "ip6tables", ["-t", "nat", "-S", "CNI-TS-EGRESS"])
      : inNode(node, "nft", ["list", "table", family === 4 ? "ip" : "ip6", "cni_ts_egress"]);
    const own = iptables ? `! -s ${podCidr} -j RETURN` : `${family === 4 ? "ip" : "ip6"} saddr != ${podCidr} return`;
    if (!rules.includes(own)) throw new CheckFailed(`node ${node.name}: IPv${family} egress rules are\n${rules}`);
    return route;
  });
  return `node ${node.name}: masquerade and sysctls ok, ${found.join(", ")}, egress rules in ${iptables ? "iptables" : "nftables"}`;
}

/** What CRI's verbose Status says it loaded: NetworkReady, and the conflist (name, plugin chain, pod CIDR, no per-pod masquerade). */
async function loadedConflist(node: ClusterNode): Promise<string> {
  const status = await node.cri.cri.status(true);
  const ready = status.status.conditions.find((c) => c.type === "NetworkReady");
  if (!ready?.status) throw new CheckFailed(`node ${node.name}: NetworkReady is false (${ready?.reason}: ${ready?.message})`);
  const config = JSON.parse(status.info.cniconfig ?? "{}") as { Networks?: { IFName: string; Config: { Name: string; Source: string } }[] };
  const eth0 = config.Networks?.find((n) => n.IFName === "eth0");
  if (!eth0) throw new CheckFailed(`node ${node.name}: CRI loaded no network for eth0`);
  const list = JSON.parse(eth0.Config.Source) as { plugins: { type: string; ipMasq?: boolean; ipam?: { ranges?: { subnet: string }[][] } }[] };
  const types = list.plugins.map((p) => p.type).join("+");
  const subnet = list.plugins[0]?.ipam?.ranges?.map((r) => r[0]?.subnet).join(" + ");
  const masq = list.plugins[0]?.ipMasq ? "bridge ipMasq" : "no bridge ipMasq";
  if (types !== "bridge+portmap" || subnet !== [node.podCidr, ...(node.podCidr6 ? [node.podCidr6] : [])].join(" + ") || list.plugins[0]?.ipMasq) {
    throw new CheckFailed(`node ${node.name}: CRI loaded ${eth0.Config.Name} = ${types} on ${subnet}, ${masq}`);
  }
  return `node ${node.name}: ${eth0.Config.Name} = ${types} on ${subnet}, ${masq}`;
}

/** Leftovers of a destroyed cluster: namespaces, cgroups, directories, processes named after it. */
function leftovers(cluster: Cluster): string[] {
  const found: string[] = [];
  const netns = existsSync("/run/netns") ? readdirSync("/run/netns") : [];
  for (const node of cluster.nodes) {
    if (netns.includes(node.cri.ns.name)) found.push(`netns ${node.cri.ns.name}`);
    found.push(...node.cri.cgroupDirs().map((dir) => `cgroup ${dir}`));
    if (existsSync(node.cri.paths.root)) found.push(`dir ${node.cri.paths.root}`);
    if (node.agent?.running) found.push(`agent on node ${node.name}`);
  }
  if (netns.includes(cluster.external.name)) found.push(`netns ${cluster.external.name}`);
  return found;
}

/**
 * Bring a cluster up on `implementation`, run every check, tear down.
 *
 * @param onResult called as each check finishes (for live output).
 * @param options dual stack or IPv4 only, and which build's agent
 */
export async function runConformance(
  implementation: Implementation,
  onResult: (result: CheckResult) => void = () => {},
  options: ClusterOptions = {},
): Promise<ConformanceReport> {
  const results: CheckResult[] = [];
  const servers: Server[] = [];
  let started = performance.now();
  const cluster = await createCluster(implementation, options);
  const upMs = performance.now() - started;
  const version = await cluster.nodes[0]!.cri.cri.version();
  const runtime = `${version.runtimeName} ${version.runtimeVersion} (CRI ${version.runtimeApiVersion}), kernel ${release()}`;
  const check = async (name: CheckName, body: () => string | Promise<string>) => {
    const t = performance.now();
    let result: CheckResult;
    try {
      result = { check: name, ok: true, ms: 0, detail: await body() };
    } catch (err) {
      result = { check: name, ok: false, ms: 0, detail: err instanceof Error ? err.message : String(err) };
    }
    result.ms = performance.now() - t;
    results.push(result);
    onResult(result);
  };
  try {
    const [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
    const a1 = await cluster.runPod(a, "a1", { portMappings: [{ protocol: "TCP", containerPort: HTTP_PORT, hostPort: HOST_PORT }] });
    const a2 = await cluster.runPod(a, "a2");
    const b1 = await cluster.runPod(b, "b1", { namespace: "team-b" });
    for (const pod of [a1, a2, b1]) servers.push(await startServer(pod.netns, pod.name));
    for (const node of [a, b]) servers.push(await startServer(nodeNetns(node), `node-${node.name}`));
    servers.push(await startServer(cluster.external.path, "external"));

    await check("agent ready on every node (masquerade, sysctls, routes)", () => [agentReady(a, b), agentReady(b, a)].join("; "));
    await check("CRI Status: NetworkReady on the installed conflist", () => Promise.all([a, b].map(loadedConflist)).then((lines) => lines.join("; ")));
    await check("PodSandboxStatus reports each pod's eth0 address", () =>
      [a1, a2, b1]
        .map((pod) => {
          const actual = eth0Address(pod);
          const prefix = pod.node.podCidr.split(".").slice(0, 3).join(".") + ".";
          if (!pod.ip.startsWith(prefix) || pod.ip !== actual) throw new CheckFailed(`${pod.name}: CRI says ${pod.ip}, eth0 has ${actual}`);
          return `${pod.name}=${pod.ip}`;
        })
        .join(", "),
    );
    await check("source IP kept pod to pod (same node, across nodes both ways)", () =>
      [
        expectAnswer(request(a1.netns, "http", a2.ip, HTTP_PORT), "a1", "a2", a1.ip),
        expectAnswer(request(a1.netns, "http", b1.ip, HTTP_PORT), "a1", "b1", a1.ip),
        expectAnswer(request(b1.netns, "http", a1.ip, HTTP_PORT), "b1", "a1", b1.ip),
      ].join("; "),
    );
    // Leaving the cluster's pod network: the node's address (node B's reaches the outside through node A).
    await check("pod to a host outside the cluster, masqueraded (both nodes)", () =>
      [
        expectAnswer(request(a1.netns, "http", EXTERNAL_HOST_IP, HTTP_PORT), "a1", "external", EXTERNAL_NODE_IP),
        expectAnswer(request(b1.netns, "http", EXTERNAL_HOST_IP, HTTP_PORT), "b1", "external", b.underlayIp),
      ].join("; "),
    );
    if (cluster.ipv6) {
      await check("IPv6: PodSandboxStatus reports each pod's eth0 IPv6 address", () =>
        [a1, a2, b1]
          .map((pod) => {
            const actual = eth0Address(pod, 6);
            if (!pod.ip6?.startsWith(pod.node.podCidr6!.replace(/\/64$/, "")) || pod.ip6 !== actual)
              throw new CheckFailed(`${pod.name}: CRI says ${pod.ip6}, eth0 has ${actual}`);
            return `${pod.name}=${pod.ip6}`;
          })
          .join(", "),
      );
      await check("IPv6: source IP kept pod to pod (same node, across nodes both ways)", () =>
        [
          expectAnswer(request(a1.netns, "http", a2.ip6!, HTTP_PORT), "a1", "a2", a1.ip6),
          expectAnswer(request(a1.netns, "http", b1.ip6!, HTTP_PORT), "a1", "b1", a1.ip6),
          expectAnswer(request(b1.netns, "http", a1.ip6!, HTTP_PORT), "b1", "a1", b1.ip6),
        ].join("; "),
      );
      await check("IPv6: pod to a host outside the cluster, masqueraded (both nodes)", () =>
        [
          expectAnswer(request(a1.netns, "http", EXTERNAL_HOST_IP6, HTTP_PORT), "a1", "external", EXTERNAL_NODE_IP6),
          expectAnswer(request(b1.netns, "http", EXTERNAL_HOST_IP6, HTTP_PORT), "b1", "external", b.underlayIp6),
        ].join("; "),
      );
    }
    await check("pod to pod, same node, HTTP", () => expectAnswer(request(a2.netns, "http", a1.ip, HTTP_PORT), "a2", "a1", a2.ip));
    await check("pod to pod, same node, UDP", () => expectAnswer(request(a2.netns, "udp", a1.ip, UDP_PORT), "a2", "a1", a2.ip));
    await check("pod to pod, across nodes, HTTP", () => expectAnswer(request(a1.netns, "http", b1.ip, HTTP_PORT), "a1", "b1", a1.ip));
    await check("pod to pod, across nodes, UDP", () => expectAnswer(request(b1.netns, "udp", a2.ip, UDP_PORT), "b1", "a2", b1.ip));
    if (cluster.ipv6) await check("IPv6: pod to pod, across nodes, UDP", () => expectAnswer(request(b1.netns, "udp", a2.ip6!, UDP_PORT), "b1", "a2", b1.ip6));
    await check("node to pod, HTTP (same and other node)", () =>
      [
        expectAnswer(request(nodeNetns(a), "http", a1.ip, HTTP_PORT), "node-a", "a1"),
        expectAnswer(request(nodeNetns(a), "http", b1.ip, HTTP_PORT), "node-a", "b1", a.underlayIp),
      ].join("; "),
    );
    await check("node to pod, UDP (same and other node)", () =>
      [
        expectAnswer(request(nodeNetns(b), "udp", b1.ip, UDP_PORT), "node-b", "b1"),
        expectAnswer(request(nodeNetns(b), "udp", a1.ip, UDP_PORT), "node-b", "a1", b.underlayIp),
      ].join("; "),
    );
    // Another node's address is outside the pod network: masqueraded, as kindnet does; the own node is reached directly.
    await check("pod to node, HTTP (own node unNATed, other node masqueraded)", () =>
      [
        expectAnswer(request(a1.netns, "http", a.underlayIp, HTTP_PORT), "a1", "node-a", a1.ip),
        expectAnswer(request(a1.netns, "http", b.underlayIp, HTTP_PORT), "a1", "node-b", a.underlayIp),
      ].join("; "),
    );
    await check("hostPort via chained portmap (external and other node)", () =>
      [
        expectAnswer(request(cluster.external.path, "http", EXTERNAL_NODE_IP, HOST_PORT), "external", "a1"),
        expectAnswer(request(b1.netns, "http", a.underlayIp, HOST_PORT), "b1", "a1"),
      ].join("; "),
    );

    const input = proxyInput(a1, b1);
    const inputs = cluster.ipv6 ? [input, proxyInput(a1, b1, 6)] : [input];
    for (const mode of PROXY_MODES) {
      for (const each of inputs) program(mode, [a, b], each);
      await check(`${mode}: ClusterIP to a pod on the same node`, () => expectAnswer(request(a2.netns, "http", CLUSTER_IP_A, 80), "a2", "a1", a2.ip));
      await check(`${mode}: ClusterIP to a pod on the other node`, () => expectAnswer(request(a2.netns, "http", CLUSTER_IP_B, 80), "a2", "b1", a2.ip));
      await check(`${mode}: ClusterIP UDP to a pod on the other node`, () =>
        expectAnswer(request(a2.netns, "udp", CLUSTER_IP_B, UDP_SERVICE_PORT), "a2", "b1", a2.ip),
      );
      // Masqueraded to the bridge's address, so the reply comes back through the bridge too.
      await check(`${mode}: hairpin (pod to its own Service)`, () => expectAnswer(request(a1.netns, "http", CLUSTER_IP_A, 80), "a1", "a1", a.gateway));
      await check(`${mode}: NodePort from outside (local and remote endpoint)`, () =>
        [
          expectAnswer(request(cluster.external.path, "http", EXTERNAL_NODE_IP, NODE_PORT_A), "external", "a1"),
          expectAnswer(request(cluster.external.path, "http", EXTERNAL_NODE_IP, NODE_PORT_B), "external", "b1", a.underlayIp),
        ].join("; "),
      );
      // kube-proxy's filter rules answer at once, instead of a client waiting for its timeout.
      await check(`${mode}: ClusterIP without endpoints is rejected`, () => {
        const answer = request(a2.netns, "http", CLUSTER_IP_NONE, 80);
        if (!(answer instanceof Error) || !answer.message.includes("ECONNREFUSED")) {
          throw new CheckFailed(`a2 → ${CLUSTER_IP_NONE}:80: ${answer instanceof Error ? answer.message : `answered by ${answer.name}`}`);
        }
        return `a2 → ${CLUSTER_IP_NONE}:80: ${answer.message}`;
      });
      if (cluster.ipv6) {
        // Needs bridge-nf-call-ip6tables, as the IPv4 one needs bridge-nf-call-iptables.
        await check(`${mode}: IPv6 ClusterIP to a pod on the same node`, () => expectAnswer(request(a2.netns, "http", CLUSTER_IP6_A, 80), "a2", "a1", a2.ip6));
        await check(`${mode}: IPv6 ClusterIP to a pod on the other node`, () => expectAnswer(request(a2.netns, "http", CLUSTER_IP6_B, 80), "a2", "b1", a2.ip6));
        await check(`${mode}: IPv6 hairpin (pod to its own Service)`, () => expectAnswer(request(a1.netns, "http", CLUSTER_IP6_A, 80), "a1", "a1", a.gateway6));
        await check(`${mode}: IPv6 NodePort from outside (local and remote endpoint)`, () =>
          [
            expectAnswer(request(cluster.external.path, "http", EXTERNAL_NODE_IP6, NODE_PORT_A), "external", "a1"),
            expectAnswer(request(cluster.external.path, "http", EXTERNAL_NODE_IP6, NODE_PORT_B), "external", "b1", a.underlayIp6),
          ].join("; "),
        );
      }
      await check(`${mode}: rules removed`, () => unprogram(mode, [a, b], inputs));
    }
  } finally {
    for (const server of servers) server.stop();
    started = performance.now();
    await cluster.destroy();
  }
  const downMs = performance.now() - started;
  return { implementation, runtime, results, ipvs: ipvsLine(), upMs, downMs, leftovers: leftovers(cluster) };
}

/** The report as one plain-text table plus the IPVS and teardown lines. */
export function formatReport(report: ConformanceReport): string {
  const width = Math.max(...report.results.map((r) => r.check.length), 5);
  const lines = [
    `conformance (${report.implementation} plugins) on ${report.runtime}: cluster up ${(report.upMs / 1000).toFixed(1)} s`,
    "",
    `${"check".padEnd(width)}  result  time`,
    `${"-".repeat(width)}  ------  --------`,
    ...report.results.map((r) => `${r.check.padEnd(width)}  ${(r.ok ? "pass" : "FAIL").padEnd(6)}  ${`${r.ms.toFixed(0)} ms`.padStart(8)}`),
    "",
    report.ipvs,
    `teardown: ${(report.downMs / 1000).toFixed(1)} s, ${report.leftovers.length ? `LEFT: ${report.leftovers.join(", ")}` : "nothing left"}`,
  ];
  const failed = report.results.filter((r) => !r.ok);
  if (failed.length) lines.push("", ...failed.map((r) => `FAIL ${r.check}: ${r.detail}`));
  lines.push("", `${report.results.length - failed.length}/${report.results.length} checks passed`);
  return lines.join("\n");
}
