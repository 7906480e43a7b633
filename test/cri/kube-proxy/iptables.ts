/**
 * kube-proxy's `iptables` mode as a test fixture: the chains and rules
 * kube-proxy writes for ClusterIP and NodePort Services, fed to
 * `iptables-restore --noflush` inside a node's netns. Like kube-proxy, it
 * inserts its jumps at the front of the built-in chains (`-I`), so they run
 * before anything a CNI appended. nat layout: PREROUTING/OUTPUT →
 * KUBE-SERVICES → KUBE-SVC-<hash> (per service port) → KUBE-SEP-<hash> (per
 * endpoint, chosen with `statistic --mode random`) → DNAT; NodePorts via
 * `addrtype --dst-type LOCAL` → KUBE-NODEPORTS → KUBE-EXT-<hash> (mark for
 * masquerade) → KUBE-SVC; POSTROUTING → KUBE-POSTROUTING masquerades what
 * KUBE-MARK-MASQ marked (0x4000). filter layout: FORWARD → KUBE-FORWARD
 * (accept marked and established traffic, drop invalid), and new connections
 * from FORWARD/OUTPUT → KUBE-SERVICES, which rejects a Service port without
 * endpoints; INPUT/FORWARD → KUBE-EXTERNAL-SERVICES (its NodePorts).
 */
import { endpointString, hashText, hostBits, MASQ_MARK, servicePortName, type ProxyInput, type ServicePort } from "./services.ts";

const STOCK_CHAINS = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"];
const FILTER_CHAINS = ["KUBE-FORWARD", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES"];
const NEW = "-m conntrack --ctstate NEW";
/** [table, built-in chain, match before the comment, comment, target], each inserted at the front. */
const JUMPS = [
  ["nat", "PREROUTING", "", "kubernetes service portals", "KUBE-SERVICES"],
  ["nat", "OUTPUT", "", "kubernetes service portals", "KUBE-SERVICES"],
  ["nat", "POSTROUTING", "", "kubernetes postrouting rules", "KUBE-POSTROUTING"],
  ["filter", "FORWARD", "", "kubernetes forwarding rules", "KUBE-FORWARD"],
  ["filter", "FORWARD", NEW, "kubernetes service portals", "KUBE-SERVICES"],
  ["filter", "FORWARD", NEW, "kubernetes externally-visible service portals", "KUBE-EXTERNAL-SERVICES"],
  ["filter", "OUTPUT", NEW, "kubernetes service portals", "KUBE-SERVICES"],
  ["filter", "INPUT", NEW, "kubernetes externally-visible service portals", "KUBE-EXTERNAL-SERVICES"],
] as const;

function jump([, hook, match, text, target]: (typeof JUMPS)[number], op: "-I" | "-D"): string {
  return `${op} ${hook}${match ? ` ${match}` : ""} ${comment(text)} -j ${target}`;
}

function portProtoHash(svc: ServicePort): string {
  return hashText(servicePortName(svc) + svc.protocol).slice(0, 16);
}

/** `KUBE-SVC-<16 chars of base32(sha256(portName + protocol))>`. */
function serviceChain(svc: ServicePort): string {
  return `KUBE-SVC-${portProtoHash(svc)}`;
}

/** `KUBE-EXT-<same hash as the service chain>`. */
function externalChain(svc: ServicePort): string {
  return `KUBE-EXT-${portProtoHash(svc)}`;
}

/** `KUBE-SEP-<16 chars of base32(sha256(portName + protocol + ip:port))>`. */
function endpointChain(svc: ServicePort, endpoint: { ip: string; port: number }): string {
  return `KUBE-SEP-${hashText(servicePortName(svc) + svc.protocol + endpointString(endpoint)).slice(0, 16)}`;
}

/** The nat chains this input creates besides the stock ones (a port without endpoints has none). */
function serviceChains(input: ProxyInput): string[] {
  return input.services
    .filter((svc) => svc.endpoints.length > 0)
    .flatMap((svc) => [serviceChain(svc), ...(svc.nodePort ? [externalChain(svc)] : []), ...svc.endpoints.map((ep) => endpointChain(svc, ep))]);
}

const comment = (text: string) => `-m comment --comment ${JSON.stringify(text)}`;

/** The restore tool of the input's family. */
export function restoreTool(input: ProxyInput): string {
  return input.family === 4 ? "iptables-restore" : "ip6tables-restore";
}

/** The `iptables-restore --noflush` (or ip6tables-restore) input kube-proxy's sync would write for `input`. */
export function iptablesRules(input: ProxyInput): string {
  const lines = ["*nat", ...[...STOCK_CHAINS, ...serviceChains(input)].map((chain) => `:${chain} - [0:0]`)];
  for (const entry of JUMPS) if (entry[0] === "nat") lines.push(jump(entry, "-I"));
  lines.push(
    `-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${MASQ_MARK}`,
    `-A KUBE-POSTROUTING ${comment("kubernetes service traffic requiring SNAT")} -j MASQUERADE --random-fully`,
    `-A KUBE-MARK-MASQ -j MARK --or-mark ${MASQ_MARK}`,
  );
  for (const svc of input.services) {
    const name = servicePortName(svc);
    const match = `-d ${svc.clusterIp}/${hostBits(input.family)} -p ${svc.protocol} -m ${svc.protocol} --dport ${svc.port}`;
    if (svc.endpoints.length === 0) continue; // rejected in the filter table
    lines.push(`-A KUBE-SERVICES ${comment(`${name} cluster IP`)} ${match} -j ${serviceChain(svc)}`);
    lines.push(`-A ${serviceChain(svc)} ${comment(`${name} cluster IP`)} ${match} ! -s ${input.clusterCidr} -j KUBE-MARK-MASQ`);
    if (svc.nodePort) {
      lines.push(`-A KUBE-NODEPORTS ${comment(name)} -m ${svc.protocol} -p ${svc.protocol} --dport ${svc.nodePort} -j ${externalChain(svc)}`);
      lines.push(`-A ${externalChain(svc)} ${comment(`masquerade traffic for ${name} external destinations`)} -j KUBE-MARK-MASQ`);
      lines.push(`-A ${externalChain(svc)} -j ${serviceChain(svc)}`);
    }
    svc.endpoints.forEach((ep, i) => {
      const left = svc.endpoints.length - i;
      // Each endpoint takes 1/left of what earlier rules left over: uniform overall.
      const pick = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : "";
      lines.push(`-A ${serviceChain(svc)} ${comment(`${name} -> ${endpointString(ep)}`)}${pick} -j ${endpointChain(svc, ep)}`);
      lines.push(`-A ${endpointChain(svc, ep)} ${comment(name)} -s ${ep.ip}/${hostBits(input.family)} -j KUBE-MARK-MASQ`);
      lines.push(`-A ${endpointChain(svc, ep)} ${comment(name)} -m ${svc.protocol} -p ${svc.protocol} -j DNAT --to-destination ${endpointString(ep)}`);
    });
  }
  lines.push(
    `-A KUBE-SERVICES ${comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain")} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
    "COMMIT",
    ...filterTable(input),
    "",
  );
  return lines.join("\n");
}

/** The filter table's part: forwarding accepts, and a reject per Service port without endpoints. */
function filterTable(input: ProxyInput): string[] {
  const reject = input.family === 4 ? "icmp-port-unreachable" : "icmp6-port-unreachable";
  const lines = ["*filter", ...FILTER_CHAINS.map((chain) => `:${chain} - [0:0]`)];
  for (const entry of JUMPS) if (entry[0] === "filter") lines.push(jump(entry, "-I"));
  lines.push(
    "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
    `-A KUBE-FORWARD ${comment("kubernetes forwarding rules")} -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`,
    `-A KUBE-FORWARD ${comment("kubernetes forwarding conntrack rule")} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );
  for (const svc of input.services.filter((s) => s.endpoints.length === 0)) {
    const text = `${servicePortName(svc)} has no endpoints`;
    lines.push(
      `-A KUBE-SERVICES -d ${svc.clusterIp}/${hostBits(input.family)} -p ${svc.protocol} ${comment(text)} -m ${svc.protocol} --dport ${svc.port} -j REJECT --reject-with ${reject}`,
    );
  }
  lines.push("COMMIT");
  return lines;
}

/** The `iptables-restore --noflush` input that removes everything `iptablesRules(input)` added (kube-proxy --cleanup). */
export function iptablesCleanup(input: ProxyInput): string {
  const table = (name: "nat" | "filter", chains: string[]) => [
    `*${name}`,
    ...JUMPS.filter((entry) => entry[0] === name).map((entry) => jump(entry, "-D")),
    ...chains.map((chain) => `-F ${chain}`),
    ...chains.map((chain) => `-X ${chain}`),
    "COMMIT",
  ];
  return [...table("nat", [...STOCK_CHAINS, ...serviceChains(input)]), ...table("filter", FILTER_CHAINS), ""].join("\n");
}
