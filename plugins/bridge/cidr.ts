/**
 * The little CIDR math the bridge plugin needs (gateway = subnet + 1,
 * subnet overlap for bridge address conflicts). Pure.
 *
 * @module
 */
import { formatIp, parseIp, type IpBytes } from "../../src/ip/ip-bytes.ts";

/** An address with its prefix length, e.g. `10.1.2.3/24`. */
export interface Cidr {
  ip: IpBytes;
  prefixLength: number;
  family: 4 | 6;
}

/**
 * Parse `addr/prefix`.
 *
 * @returns the parsed CIDR, or undefined when malformed
 * @example parseCidr("10.1.2.3/24") // {ip: [10,1,2,3], prefixLength: 24, family: 4}
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefixLength = Number(prefixText);
  if (prefixLength > ip.length * 8) return undefined;
  return { ip, prefixLength, family: ip.length === 4 ? 4 : 6 };
}

/** The network address of `ip` under `prefixLength` (host bits cleared). */
export function networkOf(ip: IpBytes, prefixLength: number): IpBytes {
  const out = new Uint8Array(ip.length);
  for (let i = 0; i < ip.length; i++) {
    const bits = Math.max(0, Math.min(8, prefixLength - i * 8));
    out[i] = ip[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** The next address (wrapping at the top of the space). */
export function nextIp(ip: IpBytes): IpBytes {
  const out = Uint8Array.from(ip);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = (out[i]! + 1) & 0xff;
    if (out[i] !== 0) break;
  }
  return out;
}

/**
 * The default gateway of a subnet: its network address + 1.
 *
 * @example calcGatewayIp("10.1.2.7/24") // "10.1.2.1"
 */
export function calcGatewayIp(cidr: Cidr): string {
  return formatIp(nextIp(networkOf(cidr.ip, cidr.prefixLength)));
}

/** Whether two CIDRs' subnets overlap (one contains the other's network). */
export function subnetsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefixLength, b.prefixLength);
  return formatIp(networkOf(a.ip, p)) === formatIp(networkOf(b.ip, p));
}

/** Canonical `ip/prefix` text. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.ip)}/${cidr.prefixLength}`;
}

/** The canonical network CIDR of an address, e.g. `10.1.2.3/24` → `10.1.2.0/24`. */
export function networkCidr(cidr: Cidr): string {
  return `${formatIp(networkOf(cidr.ip, cidr.prefixLength))}/${cidr.prefixLength}`;
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
