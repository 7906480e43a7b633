/**
 * What the installer needs from Kubernetes Node objects, read from their
 * JSON (as the API server returns them) into a slim {@link NodeSummary}: a
 * node's pod CIDRs and InternalIPs, what ./route-plan.ts judges. Pure, and
 * defensive: the API's answer is input like any other.
 *
 * @module
 */
import { TryAgainLaterError } from "../errors.ts";
import { formatCidr, networkAddress, parseCidr } from "../ip/cidr.ts";
import { formatIp, parseIp } from "../ip/ip-bytes.ts";

/** The parts of a Node this module reads. */
interface NodeJson {
  metadata?: { name?: unknown; resourceVersion?: unknown };
  spec?: { podCIDR?: unknown; podCIDRs?: unknown };
  status?: { addresses?: unknown };
}

/** All the agent keeps of a Node: a few hundred bytes, whatever the object's size. */
export interface NodeSummary {
  readonly name: string;
  /** Normalised pod CIDRs, in the Node's order. */
  readonly podCidrs: readonly string[];
  /** InternalIP addresses, in the Node's order. */
  readonly internalIps: readonly string[];
  readonly resourceVersion: string;
}

/** A Node holds one pod CIDR per family and a handful of addresses; more is not a Node we route to. */
const MAX_LIST = 8;

function asNode(value: unknown): NodeJson {
  return typeof value === "object" && value !== null ? value : {};
}

/** The node's name, or undefined when the object has none. */
function nodeName(node: unknown): string | undefined {
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
  for (const entry of list.slice(0, MAX_LIST)) {
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
  for (const entry of addresses.slice(0, 4 * MAX_LIST)) {
    const { type, address } = (typeof entry === "object" && entry !== null ? entry : {}) as { type?: unknown; address?: unknown };
    const ip = type === "InternalIP" && typeof address === "string" ? parseIp(address) : undefined;
    if (ip && ips.length < MAX_LIST) ips.push(formatIp(ip));
  }
  return ips;
}

/**
 * The summary of a Node object, or undefined when it has no usable name.
 *
 * @example summarizeNode(nodeJson) // { name: "kind-worker", podCidrs: ["10.244.1.0/24"], internalIps: ["172.18.0.3"], resourceVersion: "812" }
 */
export function summarizeNode(node: unknown): NodeSummary | undefined {
  const name = nodeName(node);
  // A DNS subdomain, as the API requires of Node names.
  if (name === undefined || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) return undefined;
  const rv = asNode(node).metadata?.resourceVersion;
  return {
    name,
    podCidrs: nodePodCidrs(node),
    internalIps: nodeInternalIps(node),
    resourceVersion: typeof rv === "string" && rv.length <= 64 ? rv : "",
  };
}

/**
 * This node's pod CIDRs from its summary.
 *
 * @throws {TryAgainLaterError} when none is assigned yet (the controller manager assigns them after the node registers)
 */
export function ownPodCidrs(node: NodeSummary): string[] {
  if (node.podCidrs.length === 0) throw new TryAgainLaterError(`node ${node.name} has no pod CIDR assigned yet`);
  return [...node.podCidrs];
}
