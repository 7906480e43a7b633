/**
 * Gateway decisions for an ADD, from the IPAM result and the config, and
 * the little CIDR math the bridge steps need beside them. Pure.
 *
 * - every address points at the container interface (index 2);
 * - `isGateway`: a missing gateway becomes the subnet's first address, and
 *   `gateway/<container prefix>` is to be put on the bridge;
 * - `isDefaultGateway`: one default route per family via the gateway, unless
 *   IPAM already returned one. Unlike the reference (docs/REFERENCE.md gap 9) a default route
 *   without `gw` counts too, and gets the gateway filled in, so no duplicate
 *   route is ever configured;
 * - whichever IPAM produced them, an address whose subnet no pod network may
 *   use, or a gateway outside its address's subnet, equal to it, or
 *   loopback, link-local, multicast or unspecified, is refused (code 7):
 *   the rules host-local's own config meets, so no IPAM plugin can put such
 *   an address on the node's bridge.
 *
 * @module
 */
import { InvalidConfigError, IpamError } from "../../src/errors.ts";
import { formatCidr, netContains, netsOverlap, networkAddress, parseAddress, parseCidr, type Cidr } from "../../src/ip/cidr.ts";
import { formatIp } from "../../src/ip/ip-bytes.ts";
import { nextIp } from "../../src/ip/ip-math.ts";
import { unusableGatewayReason, unusableSubnetReason } from "../../src/ip/reserved-blocks.ts";
import type { IpConfig, Route } from "../../src/types/result.ts";

/** An address to put on the bridge (or `<bridge>.<vlan>`). */
export interface GatewayAddr {
  family: 4 | 6;
  /** The gateway address, no prefix. */
  address: string;
  /** The container address's prefix length. */
  prefixLength: number;
}

/** What {@link calcGateways} decided. */
export interface GatewayPlan {
  ips: IpConfig[];
  routes: Route[];
  /** Bridge addresses, IPv4 first then IPv6, in IPAM order; empty unless isGateway. */
  gateways: GatewayAddr[];
}

/** The index of the container interface in the result's `interfaces`. */
export const CONTAINER_IFACE_INDEX = 2;

/**
 * Decide gateways and routes.
 *
 * @param ips the IPAM result addresses
 * @param routes the IPAM result routes
 * @param opts `isGateway` / `isDefaultGateway` from the config
 * @returns new lists (the inputs are not modified)
 * @throws {IpamError} when an address is not `ip/prefix`
 * @throws {InvalidConfigError} an address or gateway the rules above refuse
 * @example
 * calcGateways([{ address: "10.1.2.5/24" }], [], { isGateway: true, isDefaultGateway: true })
 * // ips: [{address: "10.1.2.5/24", gateway: "10.1.2.1", interface: 2}],
 * // routes: [{dst: "0.0.0.0/0", gw: "10.1.2.1"}], gateways: [{family: 4, address: "10.1.2.1", prefixLength: 24}]
 */
export function calcGateways(
  ips: readonly IpConfig[],
  routes: readonly Route[],
  opts: { isGateway: boolean; isDefaultGateway: boolean },
): GatewayPlan {
  const outIps: IpConfig[] = [];
  const outRoutes: Route[] = routes.map((r) => ({ ...r }));
  const gateways: GatewayAddr[] = [];
  const defaultDone = new Set<4 | 6>();

  for (const ipc of ips) {
    const cidr = parseCidr(ipc.address);
    if (!cidr) throw new IpamError(`Unknown IP object: ${JSON.stringify(ipc)}`);
    const unusable = unusableSubnetReason(cidr);
    if (unusable) throw new InvalidConfigError(`IPAM returned ${ipc.address}, whose subnet ${unusable}`);
    const out: IpConfig = { ...ipc, interface: CONTAINER_IFACE_INDEX };
    if (out.gateway === undefined && opts.isGateway) out.gateway = calcGatewayIp(cidr);
    if (out.gateway !== undefined) assertUsableGateway(out.gateway, cidr, ipc.address);
    outIps.push(out);

    if (opts.isDefaultGateway && !defaultDone.has(cidr.family)) {
      defaultDone.add(cidr.family);
      const existing = outRoutes.filter((r) => isDefaultDst(r.dst) && parseCidr(r.dst)?.family === cidr.family);
      if (existing.length === 0) {
        outRoutes.push({ dst: defaultDst(cidr.family), ...(out.gateway ? { gw: out.gateway } : {}) });
      } else {
        for (const r of existing) if (r.gw === undefined && out.gateway) r.gw = out.gateway;
      }
    }

    if (opts.isGateway && out.gateway) {
      gateways.push({ family: cidr.family, address: out.gateway, prefixLength: cidr.prefixLength });
    }
  }
  gateways.sort((a, b) => a.family - b.family);
  return { ips: outIps, routes: outRoutes, gateways };
}

/** @throws {InvalidConfigError} `gateway` is not a usable address in `cidr`'s subnet, other than `cidr`'s own */
function assertUsableGateway(gateway: string, cidr: Cidr, address: string): void {
  const ip = parseAddress(gateway);
  if (!ip || ip.length !== cidr.ip.length || !netContains(cidr, ip)) {
    throw new InvalidConfigError(`gateway ${gateway} lies outside ${networkCidr(cidr)}, the subnet of ${address}`);
  }
  const why = unusableGatewayReason(ip) ?? (ip.every((byte, i) => byte === cidr.ip[i]) ? "is the pod's own address" : undefined);
  if (why) throw new InvalidConfigError(`gateway ${gateway} of ${address} ${why}`);
}

/**
 * The default gateway of a subnet: its network address + 1.
 *
 * @example calcGatewayIp(parseCidr("10.1.2.7/24")!) // "10.1.2.1"
 */
export function calcGatewayIp(cidr: Cidr): string {
  return formatIp(nextIp(networkAddress(cidr)));
}

/** Whether two CIDRs' subnets overlap (one contains the other's network). */
export function subnetsOverlap(a: Cidr, b: Cidr): boolean {
  return netsOverlap(a, b);
}

/** The canonical network CIDR of an address, e.g. `10.1.2.3/24` → `10.1.2.0/24`. */
export function networkCidr(cidr: Cidr): string {
  return formatCidr({ ...cidr, ip: networkAddress(cidr) });
}

/** The default-route destination of a family. */
export function defaultDst(family: 4 | 6): string {
  return family === 4 ? "0.0.0.0/0" : "::/0";
}

/** Whether a route destination denotes the default route (any spelling). */
export function isDefaultDst(dst: string): boolean {
  const c = parseCidr(dst);
  return !!c && c.prefixLength === 0;
}
