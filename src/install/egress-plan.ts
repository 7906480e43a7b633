/**
 * Which traffic the node agent masquerades, as Kubernetes' network model
 * wants it: traffic from this node's pods to anything outside the cluster's
 * pod network (and outside the admin's non-masquerade CIDRs) leaves with the
 * node's address; traffic between pods, on any node, keeps the pod's own.
 * Pure: CIDRs in, one plan per address family out.
 *
 * @module
 */
import { InvalidConfigError } from "../errors.ts";
import { formatCidr, networkAddress, parseCidr, type Cidr } from "../ip/cidr.ts";
import { bigIntToIp, ipToBigInt } from "../ip/ip-math.ts";

/** The rules of one family: from `source`, to anything outside every `exempt` CIDR, masquerade. */
export interface EgressFamilyPlan {
  family: 4 | 6;
  /** This node's pod CIDR of that family. */
  source: string;
  /** Destinations that keep the pod's address: pod networks, the admin's CIDRs, multicast; aggregated. */
  exempt: string[];
}

/** What shapes the plan. */
export interface EgressInput {
  /** This node's pod CIDRs (at most one per family). */
  podCidrs: readonly string[];
  /** The cluster's pod CIDRs: `--cluster-cidr`, else every Node's podCIDRs. */
  clusterCidrs: readonly string[];
  /** `--non-masq-cidr`: destinations an admin keeps un-NATed. */
  nonMasqCidrs: readonly string[];
}

/** Multicast is never masqueraded (as the bridge plugin's own `ipMasq` leaves it). */
const MULTICAST = { 4: "224.0.0.0/4", 6: "ff00::/8" } as const;

/** How the node's pods reach outside the cluster: node-level rules, the bridge's per-pod rules, or not at all. */
export type MasqueradeMode = "node" | "bridge" | "off";

/**
 * The agent (`--watch`) knows every Node, so it owns node-level rules; a
 * one-shot install does so only when told the cluster's CIDRs, otherwise it
 * keeps the bridge's per-pod masquerade so pods still reach outside.
 *
 * @example masqueradeMode({ ipMasq: true, watch: false, clusterCidrs: [] }) // "bridge"
 */
export function masqueradeMode(settings: { ipMasq: boolean; watch: boolean; clusterCidrs: readonly string[] }): MasqueradeMode {
  if (!settings.ipMasq) return "off";
  return settings.watch || settings.clusterCidrs.length > 0 ? "node" : "bridge";
}

/**
 * Parse a CIDR list given by the admin, host bits cleared.
 *
 * @throws {InvalidConfigError} for an entry that is not a CIDR
 * @example parseCidrList(["10.244.0.0/16"], "cluster CIDR") // ["10.244.0.0/16"]
 */
export function parseCidrList(texts: readonly string[], what: string): string[] {
  return texts.map((text) => {
    const net = parseCidr(text.trim());
    if (!net) throw new InvalidConfigError(`${what} ${JSON.stringify(text)} is not an IPv4 or IPv6 CIDR`);
    return formatCidr({ ...net, ip: networkAddress(net) });
  });
}

/**
 * The cluster's pod network as the Nodes describe it: every Node's pod
 * CIDRs. A /0 is dropped: one wrong Node object must not switch the
 * masquerade off for the whole cluster.
 *
 * @example clusterCidrsFromNodes([["10.244.0.0/24"], ["10.244.1.0/24", "fd00:10:244:1::/64"]])
 */
export function clusterCidrsFromNodes(nodes: Iterable<readonly string[]>): string[] {
  const out: string[] = [];
  for (const cidrs of nodes) {
    for (const text of cidrs) {
      const net = parseCidr(text);
      if (net && net.prefixLength > 0) out.push(formatCidr({ ...net, ip: networkAddress(net) }));
    }
  }
  return out;
}

/**
 * The cluster's pod CIDRs: the admin's `--cluster-cidr` for each family it
 * names, the Nodes' for a family it does not (a dual-stack cluster given
 * only its IPv4 CIDR must not masquerade IPv6 traffic between pods).
 *
 * @example clusterCidrsFor(["10.244.0.0/16"], ["10.244.1.0/24", "fd00:10:244:1::/64"]) // ["10.244.0.0/16", "fd00:10:244:1::/64"]
 */
export function clusterCidrsFor(given: readonly string[], fromNodes: readonly string[]): string[] {
  if (given.length === 0) return [...fromNodes];
  const named = new Set(given.map((c) => parseCidr(c)?.family));
  return [...given, ...fromNodes.filter((c) => !named.has(parseCidr(c)?.family))];
}

/**
 * The fewest CIDRs covering exactly the same addresses: contained ones
 * dropped, aligned neighbours merged (5,000 nodes' /24s of one /16 become that /16).
 *
 * @example aggregateCidrs(["10.244.0.0/24", "10.244.1.0/24", "10.244.1.128/25"]) // ["10.244.0.0/23"]
 */
export function aggregateCidrs(cidrs: readonly string[]): string[] {
  const out: string[] = [];
  const parsed = cidrs.map((text) => parseCidr(text)).filter((net): net is Cidr => net !== undefined);
  for (const family of [4, 6] as const) {
    const bits = family === 4 ? 32 : 128;
    const size = (prefix: number) => 1n << BigInt(bits - prefix);
    const nets = parsed
      .filter((net) => net.family === family)
      .map((net) => ({ start: ipToBigInt(networkAddress(net)), prefix: net.prefixLength }))
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.prefix - b.prefix));
    const stack: { start: bigint; prefix: number }[] = [];
    for (const net of nets) {
      const top = stack.at(-1);
      if (top && net.start < top.start + size(top.prefix)) continue; // inside the previous one
      stack.push(net);
      for (;;) {
        const [lower, upper] = stack.slice(-2);
        if (!lower || !upper || lower.prefix !== upper.prefix || lower.prefix === 0) break;
        const merged = lower.prefix - 1;
        if (lower.start % size(merged) !== 0n || upper.start !== lower.start + size(lower.prefix)) break;
        stack.splice(-2, 2, { start: lower.start, prefix: merged });
      }
    }
    out.push(...stack.map((n) => formatCidr({ ip: bigIntToIp(n.start, bits / 8), prefixLength: n.prefix, family })));
  }
  return out;
}

/**
 * One plan per family this node has a pod CIDR of. A family whose exempt
 * CIDRs cover everything (an admin's `0.0.0.0/0`) gets no plan: nothing of it
 * is masqueraded.
 *
 * @example planEgressMasq({ podCidrs: ["10.244.1.0/24"], clusterCidrs: ["10.244.0.0/16"], nonMasqCidrs: [] })
 * // [{ family: 4, source: "10.244.1.0/24", exempt: ["10.244.0.0/16", "224.0.0.0/4"] }]
 */
export function planEgressMasq(input: EgressInput): EgressFamilyPlan[] {
  const plans: EgressFamilyPlan[] = [];
  for (const family of [4, 6] as const) {
    const source = input.podCidrs.map((c) => parseCidr(c)).find((net) => net?.family === family);
    if (!source || source.prefixLength === 0) continue;
    const sourceText = formatCidr({ ...source, ip: networkAddress(source) });
    const exempt = aggregateCidrs([sourceText, ...input.clusterCidrs, ...input.nonMasqCidrs, MULTICAST[family]]).filter((c) => parseCidr(c)!.family === family);
    if (exempt.some((c) => c.endsWith("/0"))) continue;
    plans.push({ family, source: sourceText, exempt });
  }
  return plans;
}
