/**
 * kube-proxy's `nftables` mode as a test fixture: one `ip kube-proxy` table
 * (`ip6 kube-proxy` for the IPv6 proxier)
 * fed to `nft -f` inside a node's netns. Layout: base chains at the nat
 * hooks jump to `services`, which looks the packet up in verdict maps keyed
 * by `ip daddr . meta l4proto . th dport` (ClusterIPs) and
 * `meta l4proto . th dport` for local destinations (NodePorts); per service
 * port a `service-<hash>-ns/name/proto/port` chain picks an endpoint with
 * `numgen random mod N vmap`, per endpoint an `endpoint-…` chain marks
 * hairpin traffic and DNATs; `external-…` marks NodePort traffic;
 * `masquerading` at postrouting SNATs what was marked (mark 0x4000). Filter
 * chains at forward and output (priority -110) send new connections to a
 * Service port without endpoints to `reject-chain` (verdict map
 * `no-endpoint-services`), and reject traffic still addressed to a ClusterIP
 * after DNAT (a port the Service does not have).
 */
import { hashText, MASQ_MARK, type ProxyInput, type ServicePort } from "./services.ts";

/** The table kube-proxy owns (`ip kube-proxy`, and `ip6 kube-proxy` for IPv6). */
export const NFT_TABLE = "kube-proxy";

/** nft's name of the input's family (`ip`, `ip6`). */
export function nftFamily(input: ProxyInput): "ip" | "ip6" {
  return input.family === 4 ? "ip" : "ip6";
}

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

/** `endpoint-<hash>-ns/name/proto/portName__ip/port`; an IPv6 address's colons become dots (nft names cannot hold them). */
function nftEndpointChain(svc: ServicePort, endpoint: { ip: string; port: number }): string {
  return `endpoint-${hashAndPrefix(`${chainBase(svc)}__${endpoint.ip.replaceAll(":", ".")}/${endpoint.port}`)}`;
}

/** The `nft -f` input kube-proxy's sync would produce for `input` (recreating the table). */
export function nftablesRules(input: ProxyInput): string {
  const ip = nftFamily(input);
  const target = (ep: { ip: string; port: number }) => (input.family === 4 ? `${ep.ip}:${ep.port}` : `[${ep.ip}]:${ep.port}`);
  const chains: string[] = [];
  const serviceIps: string[] = [];
  const nodePorts: string[] = [];
  const noEndpoints: string[] = [];
  const clusterIps = new Set<string>();
  for (const svc of input.services) {
    clusterIps.add(svc.clusterIp);
    if (svc.endpoints.length === 0) {
      noEndpoints.push(`${svc.clusterIp} . ${svc.protocol} . ${svc.port} : goto reject-chain`);
      continue;
    }
    const service = nftServiceChain(svc);
    serviceIps.push(`${svc.clusterIp} . ${svc.protocol} . ${svc.port} : goto ${service}`);
    const picks = svc.endpoints.map((ep, i) => `${i} : goto ${nftEndpointChain(svc, ep)}`).join(", ");
    chains.push(`chain ${service} {
    ${ip} daddr ${svc.clusterIp} ${svc.protocol} dport ${svc.port} ${ip} saddr != ${input.clusterCidr} jump mark-for-masquerade
    numgen random mod ${svc.endpoints.length} vmap { ${picks} }
  }`);
    for (const ep of svc.endpoints) {
      chains.push(`chain ${nftEndpointChain(svc, ep)} {
    ${ip} saddr ${ep.ip} jump mark-for-masquerade
    meta l4proto ${svc.protocol} dnat to ${target(ep)}
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
  return `table ${ip} ${NFT_TABLE}
delete table ${ip} ${NFT_TABLE}
table ${ip} ${NFT_TABLE} {
  comment "rules for kube-proxy"
  map service-ips {
    type ${input.family === 4 ? "ipv4_addr" : "ipv6_addr"} . inet_proto . inet_service : verdict
    comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"
    ${elements(serviceIps)}
  }
  map service-nodeports {
    type inet_proto . inet_service : verdict
    comment "NodePort traffic"
    ${elements(nodePorts)}
  }
  map no-endpoint-services {
    type ${input.family === 4 ? "ipv4_addr" : "ipv6_addr"} . inet_proto . inet_service : verdict
    comment "vmap to drop or reject packets to services with no endpoints"
    ${elements(noEndpoints)}
  }
  set cluster-ips {
    type ${input.family === 4 ? "ipv4_addr" : "ipv6_addr"}
    comment "Active ClusterIPs"
    ${elements([...clusterIps])}
  }
  chain reject-chain {
    comment "helper for @no-endpoint-services / @no-endpoint-nodeports"
    reject
  }
  chain service-endpoints-check {
    ${ip} daddr . meta l4proto . th dport vmap @no-endpoint-services
  }
  chain cluster-ips-check {
    ${ip} daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
  }
  chain filter-forward {
    type filter hook forward priority -110; policy accept;
    ct state new jump service-endpoints-check
    ct state new jump cluster-ips-check
  }
  chain filter-output {
    type filter hook output priority -110; policy accept;
    ct state new jump service-endpoints-check
  }
  chain filter-output-post-dnat {
    type filter hook output priority -90; policy accept;
    ct state new jump cluster-ips-check
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
    ${ip} daddr . meta l4proto . th dport vmap @service-ips
    fib daddr type local ${ip} daddr != ${input.family === 4 ? "127.0.0.0/8" : "::1"} meta l4proto . th dport vmap @service-nodeports
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

/** The `nft -f` input that removes the input family's table (kube-proxy --cleanup). */
export function nftablesCleanup(input: ProxyInput): string {
  const ip = nftFamily(input);
  return `table ${ip} ${NFT_TABLE}\ndelete table ${ip} ${NFT_TABLE}\n`;
}
