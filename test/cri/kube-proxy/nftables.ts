/**
 * kube-proxy's `nftables` mode as a test fixture: one `ip kube-proxy` table
 * fed to `nft -f` inside a node's netns. Layout: base chains at the nat
 * hooks jump to `services`, which looks the packet up in verdict maps keyed
 * by `ip daddr . meta l4proto . th dport` (ClusterIPs) and
 * `meta l4proto . th dport` for local destinations (NodePorts); per service
 * port a `service-<hash>-ns/name/proto/port` chain picks an endpoint with
 * `numgen random mod N vmap`, per endpoint an `endpoint-…` chain marks
 * hairpin traffic and DNATs; `external-…` marks NodePort traffic;
 * `masquerading` at postrouting SNATs what was marked.
 */
import { hashText, MASQ_MARK, type ProxyInput, type ServicePort } from "./services.ts";

/** The table kube-proxy owns (IPv4). */
export const NFT_TABLE = "kube-proxy";

function hashAndPrefix(name: string): string {
  return `${hashText(name).slice(0, 8)}-${name}`;
}

function chainBase(svc: ServicePort): string {
  return `${svc.namespace}/${svc.name}/${svc.protocol}/${svc.portName}`;
}

/** `service-<8 chars of hash>-ns/name/proto/portName`. */
function nftServiceChain(svc: ServicePort): string {
  return `service-${hashAndPrefix(chainBase(svc))}`;
}

/** `external-<same>`: NodePort (external) traffic's chain. */
function nftExternalChain(svc: ServicePort): string {
  return `external-${hashAndPrefix(chainBase(svc))}`;
}

/** `endpoint-<hash>-ns/name/proto/portName__ip/port`. */
function nftEndpointChain(svc: ServicePort, endpoint: { ip: string; port: number }): string {
  return `endpoint-${hashAndPrefix(`${chainBase(svc)}__${endpoint.ip}/${endpoint.port}`)}`;
}

/** The `nft -f` input kube-proxy's sync would produce for `input` (recreating the table). */
export function nftablesRules(input: ProxyInput): string {
  const chains: string[] = [];
  const serviceIps: string[] = [];
  const nodePorts: string[] = [];
  for (const svc of input.services) {
    const service = nftServiceChain(svc);
    serviceIps.push(`${svc.clusterIp} . ${svc.protocol} . ${svc.port} : goto ${service}`);
    const picks = svc.endpoints.map((ep, i) => `${i} : goto ${nftEndpointChain(svc, ep)}`).join(", ");
    chains.push(`chain ${service} {
    ip daddr ${svc.clusterIp} ${svc.protocol} dport ${svc.port} ip saddr != ${input.clusterCidr} jump mark-for-masquerade
    numgen random mod ${svc.endpoints.length} vmap { ${picks} }
  }`);
    for (const ep of svc.endpoints) {
      chains.push(`chain ${nftEndpointChain(svc, ep)} {
    ip saddr ${ep.ip} jump mark-for-masquerade
    meta l4proto ${svc.protocol} dnat to ${ep.ip}:${ep.port}
  }`);
    }
    if (svc.nodePort) {
      nodePorts.push(`${svc.protocol} . ${svc.nodePort} : goto ${nftExternalChain(svc)}`);
      chains.push(`chain ${nftExternalChain(svc)} {
    jump mark-for-masquerade
    goto ${service}
  }`);
    }
  }
  const elements = (list: string[]) => (list.length ? `elements = { ${list.join(", ")} }` : "");
  return `table ip ${NFT_TABLE}
delete table ip ${NFT_TABLE}
table ip ${NFT_TABLE} {
  comment "rules for kube-proxy"
  map service-ips {
    type ipv4_addr . inet_proto . inet_service : verdict
    comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"
    ${elements(serviceIps)}
  }
  map service-nodeports {
    type inet_proto . inet_service : verdict
    comment "NodePort traffic"
    ${elements(nodePorts)}
  }
  chain mark-for-masquerade {
    meta mark set meta mark | ${MASQ_MARK}
  }
  chain masquerading {
    meta mark & ${MASQ_MARK} == 0 return
    meta mark set meta mark ^ ${MASQ_MARK}
    masquerade fully-random
  }
  ${chains.join("\n  ")}
  chain services {
    ip daddr . meta l4proto . th dport vmap @service-ips
    fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports
  }
  chain nat-prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    jump services
  }
  chain nat-output {
    type nat hook output priority -100; policy accept;
    jump services
  }
  chain nat-postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    jump masquerading
  }
}
`;
}

/** The `nft -f` input that removes the table (kube-proxy --cleanup). */
export function nftablesCleanup(): string {
  return `table ip ${NFT_TABLE}\ndelete table ip ${NFT_TABLE}\n`;
}
