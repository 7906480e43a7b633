/**
 * The little CIDR math the bridge plugin needs (gateway = subnet + 1,
 * subnet overlap for bridge address conflicts) over src/ip, in the shape
 * the bridge steps use. Pure.
 *
 * @module
 */
import { formatIp, ipFamily, type IpBytes } from "../../src/ip/ip-bytes.ts";
import { netsOverlap, networkAddress, parseCidr as parseIpNet, type IpNet } from "../../src/ip/cidr.ts";
import { nextIp } from "../../src/ip/ip-math.ts";

/** An address with its prefix length, e.g. `10.1.2.3/24`. */
export interface Cidr {
  ip: IpBytes;
  prefixLength: number;
  family: 4 | 6;
}

const toIpNet = (c: Cidr): IpNet => ({ address: c.ip, prefix: c.prefixLength });

/**
 * Parse `addr/prefix` (src/ip's parser, with the family attached).
 *
 * @returns the parsed CIDR, or undefined when malformed
 * @example parseCidr("10.1.2.3/24") // {ip: [10,1,2,3], prefixLength: 24, family: 4}
 */
export function parseCidr(text: string): Cidr | undefined {
  const net = parseIpNet(text);
  return net && { ip: net.address, prefixLength: net.prefix, family: ipFamily(net.address) };
}

/**
 * The default gateway of a subnet: its network address + 1.
 *
 * @example calcGatewayIp("10.1.2.7/24") // "10.1.2.1"
 */
export function calcGatewayIp(cidr: Cidr): string {
  return formatIp(nextIp(networkAddress(toIpNet(cidr))));
}

/** Whether two CIDRs' subnets overlap (one contains the other's network). */
export function subnetsOverlap(a: Cidr, b: Cidr): boolean {
  return netsOverlap(toIpNet(a), toIpNet(b));
}

/** Canonical `ip/prefix` text. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.ip)}/${cidr.prefixLength}`;
}

/** The canonical network CIDR of an address, e.g. `10.1.2.3/24` → `10.1.2.0/24`. */
export function networkCidr(cidr: Cidr): string {
  return `${formatIp(networkAddress(toIpNet(cidr)))}/${cidr.prefixLength}`;
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
