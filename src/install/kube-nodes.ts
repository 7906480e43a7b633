/**
 * What the installer needs from Kubernetes Node objects, read from their
 * JSON (as the API server returns them): a node's pod CIDRs and
 * InternalIPs.
 * Pure, and defensive: the API's answer is input like any other.
 *
 * @module
 */
import { TryAgainLaterError } from "../errors.ts";
import { formatCidr, networkAddress, parseCidr } from "../ip/cidr.ts";
import { formatIp, parseIp } from "../ip/ip-bytes.ts";
import type { NodeClaim } from "./route-plan.ts";

/** The parts of a Node this module reads. */
interface NodeJson {
  metadata?: { name?: unknown };
  spec?: { podCIDR?: unknown; podCIDRs?: unknown };
  status?: { addresses?: unknown };
}

function asNode(value: unknown): NodeJson {
  return typeof value === "object" && value !== null ? (value as NodeJson) : {};
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
 * What each Node in a NodeList claims (see ./route-plan.ts for how the
 * claims are judged); items without a name are skipped.
 *
 * @example nodeClaims(nodeList)[1] // { name: "kind-worker", podCidrs: ["10.244.1.0/24", ...], internalIps: ["172.18.0.3", ...] }
 */
export function nodeClaims(nodeList: unknown): NodeClaim[] {
  const items = (nodeList as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return [];
  return items.flatMap((item) => {
    const name = nodeName(item);
    return name === undefined ? [] : [{ name, podCidrs: nodePodCidrs(item), internalIps: nodeInternalIps(item) }];
  });
}
