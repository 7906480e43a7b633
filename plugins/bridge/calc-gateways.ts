/**
 * Gateway decisions for an ADD, from the IPAM result and the config. Pure.
 *
 * - every address points at the container interface (index 2);
 * - `isGateway`: a missing gateway becomes the subnet's first address, and
 *   `gateway/<container prefix>` is to be put on the bridge;
 * - `isDefaultGateway`: one default route per family via the gateway, unless
 *   IPAM already returned one. Unlike the reference (docs/REFERENCE.md gap 9) a default route
 *   without `gw` counts too, and gets the gateway filled in, so no duplicate
 *   route is ever configured.
 *
 * @module
 */
import { IpamError } from "../../src/errors.ts";
import type { IpConfig, Route } from "../../src/types/result.ts";
import { calcGatewayIp, defaultDst, isDefaultDst, parseCidr } from "./cidr.ts";

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
const CONTAINER_IFACE_INDEX = 2;

/**
 * Decide gateways and routes.
 *
 * @param ips the IPAM result addresses
 * @param routes the IPAM result routes
 * @param opts `isGateway` / `isDefaultGateway` from the config
 * @returns new lists (the inputs are not modified)
 * @throws {IpamError} when an address is not `ip/prefix`
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
    const out: IpConfig = { ...ipc, interface: CONTAINER_IFACE_INDEX };
    if (out.gateway === undefined && opts.isGateway) out.gateway = calcGatewayIp(cidr);
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
