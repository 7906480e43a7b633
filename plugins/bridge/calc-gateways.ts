/**
 * Gateway and route decisions for an ADD, from the IPAM result and the config. Pure.
 * An IPAM default route without `gw` gets the gateway filled in instead of a duplicate route
 * (docs/REFERENCE.md gap 9). Whichever IPAM produced them, addresses and gateways must meet
 * host-local's own rules, so no IPAM plugin can put a reserved address on the node's bridge.
 */
import { InvalidConfigError, IpamError } from "../../src/errors.ts";
import { formatCidr, netContains, netsOverlap, networkAddress, parseAddress, parseCidr, type Cidr } from "../../src/ip/cidr.ts";
import { formatIp } from "../../src/ip/ip-bytes.ts";
import { nextIp } from "../../src/ip/ip-math.ts";
import { unusableGatewayReason, unusableSubnetReason } from "../../src/ip/reserved-blocks.ts";
import type { IpConfig, Route } from "../../src/types/result.ts";

/** An address to put on the bridge (or `<bridge>.<vlan>`), with the pod address's prefix length. */
export interface GatewayAddr {
  family: 4 | 6;
  address: string;
  prefixLength: number;
}

export interface GatewayPlan {
  ips: IpConfig[];
  routes: Route[];
  /** Bridge addresses, IPv4 first then IPv6, in IPAM order; empty unless isGateway. */
  gateways: GatewayAddr[];
}

/** In the result's `interfaces`. */
const CONTAINER_IFACE_INDEX = 2;

/**
 * @returns new lists (the inputs are not modified)
 * @throws {IpamError} an address is not `ip/prefix`
 * @throws {InvalidConfigError} an address or gateway the rules above refuse
 */
export function calcGateways(ips: readonly IpConfig[], routes: readonly Route[], opts: { isGateway: boolean; isDefaultGateway: boolean }): GatewayPlan {
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

/** The subnet's network address + 1. */
export function calcGatewayIp(cidr: Cidr): string {
  return formatIp(nextIp(networkAddress(cidr)));
}

export function subnetsOverlap(a: Cidr, b: Cidr): boolean {
  return netsOverlap(a, b);
}

/** `10.1.2.3/24` → `10.1.2.0/24`. */
export function networkCidr(cidr: Cidr): string {
  return formatCidr({ ...cidr, ip: networkAddress(cidr) });
}

function defaultDst(family: 4 | 6): string {
  return family === 4 ? "0.0.0.0/0" : "::/0";
}

/** Any spelling of a default destination. */
function isDefaultDst(dst: string): boolean {
  const c = parseCidr(dst);
  return !!c && c.prefixLength === 0;
}
