/**
 * Which pod CIDRs the node agent may use and which routes to other nodes'
 * pods it may install. Node objects are written by whoever can update them,
 * so each claim is judged against the node's own networking before it
 * becomes a route or a conflist: a pod CIDR must be at least as narrow as
 * the family's floor and stay clear of loopback, link-local and multicast
 * space, of the node's connected networks (so of its addresses) and default gateway,
 * and of every other Node's claim; a next hop must be an on-link InternalIP
 * that is not the node's own and lies in no pod CIDR. Pure.
 *
 * @module
 */
import { InvalidConfigError } from "../errors.ts";
import { type Cidr, formatCidr, netContains, netsOverlap, networkAddress, parseAddress, parseCidr } from "../ip/cidr.ts";
import { formatIp, type IpBytes } from "../ip/ip-bytes.ts";
import type { HostView } from "./host-view.ts";

/** The widest pod CIDR accepted per family, as a minimum prefix length. */
export interface PrefixFloors {
  4: number;
  6: number;
}

/**
 * A node's pod CIDR is a slice of the cluster's: kube-controller-manager
 * hands out /24 (IPv4) and /64 (IPv6) by default from cluster CIDRs of
 * about /16 and /48, so nothing wider is a node's.
 */
export const DEFAULT_PREFIX_FLOORS: PrefixFloors = { 4: 16, 6: 48 };

/** What one Node claims. */
export interface NodeClaim {
  name: string;
  /** Pod CIDRs, host bits cleared. */
  podCidrs: readonly string[];
  internalIps: readonly string[];
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

/** A claim that gets no route, and why. */
interface Refusal {
  node: string;
  dst: string;
  reason: string;
}

/** The routes to install and the claims refused. */
export interface RoutePlan {
  routes: PeerRoute[];
  refused: Refusal[];
}

/** What the rules need to know about this node. */
export interface PlanContext {
  host: HostView;
  /** The pods' bridge: its addresses lie in this node's pod CIDR and are not one of its networks. */
  bridge: string;
  floors: PrefixFloors;
}

const RESERVED_TEXT: readonly [cidr: string, what: string][] = [
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local"],
  ["224.0.0.0/4", "multicast"],
  ["::1/128", "loopback"],
  ["fe80::/10", "link-local"],
  ["ff00::/8", "multicast"],
];
let reserved: { net: Cidr; what: string }[] | undefined;

function reservedBlocks(): { net: Cidr; what: string }[] {
  return (reserved ??= RESERVED_TEXT.map(([cidr, what]) => ({ net: parseCidr(cidr)!, what })));
}

/** The node's side of the rules, parsed once per plan. */
interface Host {
  networks: { net: Cidr; ifname: string }[];
  /** Every address, the bridge's too: none of them is a peer. */
  ownIps: IpBytes[];
  gateways: IpBytes[];
}

function hostOf(context: PlanContext): Host {
  const outside = context.host.addresses.filter((a) => a.ifname !== context.bridge);
  const networks = outside.map((a) => {
    const net = parseCidr(`${a.address}/${a.prefixLength}`)!;
    return { net: { ...net, ip: networkAddress(net) }, ifname: a.ifname };
  });
  return {
    networks,
    ownIps: context.host.addresses.map((a) => parseAddress(a.address)!),
    gateways: context.host.defaultRoutes.flatMap((r) => (r.gw === undefined ? [] : [parseAddress(r.gw)!])),
  };
}

/** Why `net` cannot be a pod CIDR on this node, or undefined when it can (other Nodes' claims aside). */
function podCidrProblem(net: Cidr, host: Host, context: PlanContext): string | undefined {
  const floor = context.floors[net.family];
  if (net.prefixLength < floor) return `it is wider than the IPv${net.family} floor /${floor}`;
  const block = reservedBlocks().find((b) => netsOverlap(b.net, net));
  if (block) return `it overlaps the ${block.what} block ${formatCidr(block.net)}`;
  const network = host.networks.find((n) => netsOverlap(n.net, net));
  if (network) return `it overlaps the node's network ${formatCidr(network.net)} on ${network.ifname}`;
  const gateway = host.gateways.find((ip) => netContains(net, ip));
  if (gateway) return `it holds the node's default gateway ${formatIp(gateway)}`;
  return undefined;
}

/** Why `ip` cannot be a next hop, or undefined when it can. */
function nextHopProblem(ip: IpBytes, host: Host, claims: ClaimIndex): string | undefined {
  const block = reservedBlocks().find((b) => netContains(b.net, ip));
  if (block) return `is a ${block.what} address`;
  if (host.ownIps.some((own) => own.length === ip.length && own.every((b, i) => b === ip[i]))) return "is this node's own address";
  const inside = claims.covering({ ip, prefixLength: ip.length * 8, family: ip.length === 4 ? 4 : 6 })[0];
  if (inside) return `lies in the pod CIDR ${inside.dst} of node ${inside.node}`;
  if (!host.networks.some((n) => netContains(n.net, ip))) return "is on none of this node's networks";
  return undefined;
}

/**
 * Check this node's own pod CIDRs (from `--pod-cidr` or its Node object)
 * against the same rules a peer's claim meets.
 *
 * @throws {InvalidConfigError} naming the first CIDR refused and why
 * @example checkOwnPodCidrs(["10.244.1.0/24"], { host, bridge: "cni-ts0", floors: DEFAULT_PREFIX_FLOORS })
 */
export function checkOwnPodCidrs(cidrs: readonly string[], context: PlanContext): void {
  const host = hostOf(context);
  for (const cidr of cidrs) {
    const net = parseCidr(cidr);
    const problem = net ? podCidrProblem(net, host, context) : "it is not a CIDR";
    if (problem) throw new InvalidConfigError(`pod CIDR ${cidr} refused: ${problem}`);
  }
}

/**
 * The first `len` bits of `ip` as a map key: a number for IPv4 (no
 * allocation: a reconcile asks this ~25 times per Node), hex text for IPv6.
 */
function prefixKey(ip: IpBytes, len: number): number | string {
  if (ip.length === 4) {
    const bits = ((ip[0]! << 24) | (ip[1]! << 16) | (ip[2]! << 8) | ip[3]!) >>> 0;
    return (len === 0 ? 0 : bits >>> (32 - len)) * 64 + len;
  }
  let key = `${len}/`;
  for (let i = 0; i * 8 < len; i++) {
    const keep = Math.min(8, len - i * 8);
    key += (ip[i]! & ((0xff << (8 - keep)) & 0xff)).toString(16).padStart(2, "0");
  }
  return key;
}

/** A claim indexed by its prefix, so containment is a few map lookups whatever the number of Nodes. */
interface Claim {
  node: string;
  dst: string;
  net: Cidr;
  internalIps: readonly string[];
  /** Set when the claim is refused. */
  refusal?: string;
}

class ClaimIndex {
  private readonly byPrefix = new Map<number | string, Claim[]>();
  private readonly floors: PrefixFloors;
  constructor(floors: PrefixFloors) {
    this.floors = floors;
  }

  add(claim: Claim): void {
    const key = prefixKey(claim.net.ip, claim.net.prefixLength);
    const list = this.byPrefix.get(key);
    if (list) list.push(claim);
    else this.byPrefix.set(key, [claim]);
  }

  /** The claims whose CIDR holds all of `net` (itself included); only claims at or above the floor are indexed. */
  covering(net: Cidr): Claim[] {
    const found: Claim[] = [];
    for (let len = this.floors[net.family]; len <= net.prefixLength; len++) {
      const list = this.byPrefix.get(prefixKey(net.ip, len));
      if (list) found.push(...list);
    }
    return found;
  }
}

/**
 * Plan the routes to other nodes' pods.
 *
 * @param self this node's name (its own entry in `nodes` is skipped)
 * @param ownPodCidrs this node's pod CIDRs, already checked
 * @param nodes every Node's claims
 * @returns the routes, sorted by destination, and every refused claim
 * @example planPeerRoutes("kind-control-plane", ["10.244.0.0/24"], nodes, context).routes // [{ dst: "10.244.1.0/24", via: "172.18.0.3", node: "kind-worker" }, ...]
 */
export function planPeerRoutes(self: string, ownPodCidrs: readonly string[], nodes: readonly NodeClaim[], context: PlanContext): RoutePlan {
  const host = hostOf(context);
  const claims = new ClaimIndex(context.floors);
  const own: Claim[] = ownPodCidrs.map((dst) => ({ node: self, dst, net: parseCidr(dst)!, internalIps: [] }));
  for (const claim of own) claims.add(claim);
  const peers = [...nodes].filter((n) => n.name !== self).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const candidates: Claim[] = [];
  const refused: Refusal[] = [];
  for (const node of peers) {
    const nets: Claim[] = node.podCidrs.map((dst) => ({ node: node.name, dst, net: parseCidr(dst)!, internalIps: node.internalIps }));
    for (const claim of nets) {
      const sameFamily = nets.filter((c) => c.net.family === claim.net.family).length;
      const problem =
        sameFamily > 1
          ? `it is one of ${sameFamily} IPv${claim.net.family} pod CIDRs of the node (at most one per family)`
          : podCidrProblem(claim.net, host, context);
      if (problem) refused.push({ node: node.name, dst: claim.dst, reason: problem });
      else {
        candidates.push(claim);
        claims.add(claim);
      }
    }
  }
  // A CIDR claimed by two Nodes cannot be told apart from a hijack: neither gets the route.
  for (const claim of [...own, ...candidates]) {
    for (const other of claims.covering(claim.net)) {
      if (other.node === claim.node) continue;
      if (claim.node === self) other.refusal ??= `it overlaps this node's own pod CIDR ${claim.dst}`;
      else if (other.node === self) claim.refusal ??= `it overlaps this node's own pod CIDR ${other.dst}`;
      else {
        claim.refusal ??= `it overlaps ${other.dst} of node ${other.node}: refused for both`;
        other.refusal ??= `it overlaps ${claim.dst} of node ${claim.node}: refused for both`;
      }
    }
  }
  const routes: PeerRoute[] = [];
  for (const claim of candidates) {
    if (claim.refusal) {
      refused.push({ node: claim.node, dst: claim.dst, reason: claim.refusal });
      continue;
    }
    const ips = claim.internalIps.map((text) => parseAddress(text)).filter((ip): ip is IpBytes => ip?.length === claim.net.ip.length);
    const problems = ips.map((ip) => nextHopProblem(ip, host, claims));
    const usable = ips.findIndex((_, i) => problems[i] === undefined);
    if (usable >= 0) routes.push({ dst: claim.dst, via: formatIp(ips[usable]!), node: claim.node });
    else {
      const reason = ips.length === 0 ? `the node has no IPv${claim.net.family} InternalIP` : `its InternalIP ${formatIp(ips[0]!)} ${problems[0]}`;
      refused.push({ node: claim.node, dst: claim.dst, reason });
    }
  }
  const byDst = (a: { dst: string }, b: { dst: string }) => (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0);
  return { routes: routes.sort(byDst), refused: refused.sort(byDst) };
}
