/**
 * The little CIDR math the bridge plugin needs (gateway = subnet + 1,
 * subnet overlap for bridge address conflicts, route destinations) over
 * src/ip/cidr.ts. Pure.
 *
 * @module
 */
import { formatCidr, netsOverlap, networkAddress, parseCidr, type Cidr } from "../../src/ip/cidr.ts";
import { formatIp } from "../../src/ip/ip-bytes.ts";
import { nextIp } from "../../src/ip/ip-math.ts";

// The bridge steps import these from here beside the helpers below.
export { formatCidr, parseCidr, type Cidr };

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
