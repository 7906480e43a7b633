/**
 * What the installer needs from Kubernetes Node objects, read from their
 * JSON (as the API server returns them): a node's pod CIDRs and, for the
 * other nodes, the routes that reach their pods through their InternalIP.
 * Pure, and defensive: the API's answer is input like any other.
 *
 * @module
 */
import { TryAgainLaterError } from "../errors.ts";
import { formatCidr, netsOverlap, networkAddress, parseCidr } from "../ip/cidr.ts";
import { formatIp, ipFamily, parseIp } from "../ip/ip-bytes.ts";

/** The parts of a Node this module reads. */
interface NodeJson {
  metadata?: { name?: unknown };
  spec?: { podCIDR?: unknown; podCIDRs?: unknown };
  status?: { addresses?: unknown };
}

/** A route to another node's pods. */
export interface PeerRoute {
  /** The peer's pod CIDR. */
  dst: string;
  /** The peer's InternalIP of the same family. */
  via: string;
  /** The peer's name, for logs. */
  node: string;
}

function asNode(value: unknown): NodeJson {
  return typeof value === "object" && value !== null ? value : {};
}

/** The node's name, or undefined when the object has none. */
export function nodeName(node: unknown): string | undefined {
  const name = asNode(node).metadata?.name;
  return typeof name === "string" ? name : undefined;
}

/**
 * The node's pod CIDRs (`spec.podCIDRs`, else `spec.podCIDR`), normalised;
 * malformed entries are skipped.
 *
 * @example nodePodCidrs({ spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"] } }) // ["10.244.1.0/24"]
 */
export function nodePodCidrs(node: unknown): string[] {
  const spec = asNode(node).spec ?? {};
  const list = Array.isArray(spec.podCIDRs) ? spec.podCIDRs : typeof spec.podCIDR === "string" ? [spec.podCIDR] : [];
  const cidrs: string[] = [];
  for (const entry of list) {
    const net = typeof entry === "string" ? parseCidr(entry) : undefined;
    if (net) cidrs.push(formatCidr({ ...net, ip: networkAddress(net) }));
  }
  return cidrs;
}

/** The node's InternalIP addresses (one per family at most matters). */
export function nodeInternalIps(node: unknown): string[] {
  const addresses = asNode(node).status?.addresses;
  if (!Array.isArray(addresses)) return [];
  const ips: string[] = [];
  for (const entry of addresses) {
    const { type, address } = (typeof entry === "object" && entry !== null ? entry : {}) as { type?: unknown; address?: unknown };
    const ip = type === "InternalIP" && typeof address === "string" ? parseIp(address) : undefined;
    if (ip) ips.push(formatIp(ip));
  }
  return ips;
}

/**
 * This node's pod CIDRs from its Node object.
 *
 * @throws {TryAgainLaterError} when none is assigned yet (the controller manager assigns them after the node registers)
 */
export function ownPodCidrs(node: unknown): string[] {
  const cidrs = nodePodCidrs(node);
  if (cidrs.length === 0) throw new TryAgainLaterError(`node ${nodeName(node) ?? "?"} has no pod CIDR assigned yet`);
  return cidrs;
}

/**
 * Routes to every other node's pod CIDRs via its InternalIP of the same
 * family, sorted by destination. A node without a matching address (or
 * without a pod CIDR) gets no route. A CIDR that overlaps this node's own
 * pod CIDRs, or one already routed to another node (nodes in name order),
 * or a default route (/0), is skipped: a wrong or hostile Node object
 * cannot divert this node's own pods or all of its traffic.
 *
 * @example peerRoutes(nodeList, "kind-control-plane") // [{ dst: "10.244.1.0/24", via: "172.18.0.3", node: "kind-worker" }]
 */
export function peerRoutes(nodeList: unknown, self: string): PeerRoute[] {
  const listed = (nodeList as { items?: unknown } | null)?.items;
  if (!Array.isArray(listed)) return [];
  const items: unknown[] = listed;
  const byDst = new Map<string, PeerRoute>();
  const taken = items.filter((item) => nodeName(item) === self).flatMap((item) => nodePodCidrs(item).map((c) => parseCidr(c)!));
  const nodes = items
    .map((item) => ({ item, name: nodeName(item) }))
    .filter((n): n is { item: unknown; name: string } => n.name !== undefined && n.name !== self)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { item, name } of nodes) {
    const ips = nodeInternalIps(item);
    for (const dst of nodePodCidrs(item)) {
      const net = parseCidr(dst)!;
      const family = net.family;
      const via = ips.find((ip) => ipFamily(parseIp(ip)!) === family);
      if (via === undefined || net.prefixLength === 0 || taken.some((other) => netsOverlap(other, net))) continue;
      taken.push(net);
      byDst.set(dst, { dst, via, node: name });
    }
  }
  return [...byDst.values()].sort((a, b) => (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0));
}
