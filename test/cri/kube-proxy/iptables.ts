/**
 * kube-proxy's `iptables` mode as a test fixture: the nat-table chains and
 * rules kube-proxy writes for ClusterIP and NodePort Services, fed to
 * `iptables-restore --noflush` inside a node's netns. Chain layout:
 * PREROUTING/OUTPUT → KUBE-SERVICES → KUBE-SVC-<hash> (per service port) →
 * KUBE-SEP-<hash> (per endpoint, chosen with `statistic --mode random`) →
 * DNAT; NodePorts via `addrtype --dst-type LOCAL` → KUBE-NODEPORTS →
 * KUBE-EXT-<hash> (mark for masquerade) → KUBE-SVC; POSTROUTING →
 * KUBE-POSTROUTING masquerades what KUBE-MARK-MASQ marked.
 */
import { endpointString, hashText, MASQ_MARK, servicePortName, type ProxyInput, type ServicePort } from "./services.ts";

const STOCK_CHAINS = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"];
const JUMPS = [
  ["PREROUTING", "kubernetes service portals", "KUBE-SERVICES"],
  ["OUTPUT", "kubernetes service portals", "KUBE-SERVICES"],
  ["POSTROUTING", "kubernetes postrouting rules", "KUBE-POSTROUTING"],
] as const;

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

/** The chains this input creates besides the stock ones. */
function serviceChains(input: ProxyInput): string[] {
  return input.services.flatMap((svc) => [
    serviceChain(svc),
    ...(svc.nodePort ? [externalChain(svc)] : []),
    ...svc.endpoints.map((ep) => endpointChain(svc, ep)),
  ]);
}

const comment = (text: string) => `-m comment --comment ${JSON.stringify(text)}`;

/** The `iptables-restore --noflush` input kube-proxy's sync would write for `input`. */
export function iptablesRules(input: ProxyInput): string {
  const lines = ["*nat", ...[...STOCK_CHAINS, ...serviceChains(input)].map((chain) => `:${chain} - [0:0]`)];
  for (const [hook, text, target] of JUMPS) lines.push(`-A ${hook} ${comment(text)} -j ${target}`);
  lines.push(
    `-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${MASQ_MARK}`,
    `-A KUBE-POSTROUTING ${comment("kubernetes service traffic requiring SNAT")} -j MASQUERADE --random-fully`,
    `-A KUBE-MARK-MASQ -j MARK --or-mark ${MASQ_MARK}`,
  );
  for (const svc of input.services) {
    const name = servicePortName(svc);
    const match = `-d ${svc.clusterIp}/32 -p ${svc.protocol} -m ${svc.protocol} --dport ${svc.port}`;
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
      lines.push(`-A ${endpointChain(svc, ep)} ${comment(name)} -s ${ep.ip}/32 -j KUBE-MARK-MASQ`);
      lines.push(`-A ${endpointChain(svc, ep)} ${comment(name)} -m ${svc.protocol} -p ${svc.protocol} -j DNAT --to-destination ${endpointString(ep)}`);
    });
  }
  lines.push(
    `-A KUBE-SERVICES ${comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain")} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
    "COMMIT",
    "",
  );
  return lines.join("\n");
}

/** The `iptables-restore --noflush` input that removes everything `iptablesRules(input)` added (kube-proxy --cleanup). */
export function iptablesCleanup(input: ProxyInput): string {
  const chains = [...STOCK_CHAINS, ...serviceChains(input)];
  return [
    "*nat",
    ...JUMPS.map(([hook, text, target]) => `-D ${hook} ${comment(text)} -j ${target}`),
    ...chains.map((chain) => `-F ${chain}`),
    ...chains.map((chain) => `-X ${chain}`),
    "COMMIT",
    "",
  ].join("\n");
}
