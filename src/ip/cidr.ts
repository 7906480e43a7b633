/**
 * CIDR prefixes over address bytes: parse, format, network and last
 * address, containment and overlap. Pure and dependency-free.
 *
 * @module
 */
import { formatIp, parseIp } from "./ip-bytes.ts";
import type { IpBytes } from "./ip-bytes.ts";
import { compareIp } from "./ip-math.ts";

/** An address with a prefix length; `address` may have host bits set. */
export interface IpNet {
  address: IpBytes;
  prefix: number;
}

/**
 * Parse `addr/prefix` (IPv4 or IPv6). The address keeps its host bits.
 *
 * @returns the prefix, or `undefined` when `text` is not a CIDR
 * @example parseCidr("10.1.2.3/24") // { address: [10,1,2,3], prefix: 24 }
 */
export function parseCidr(text: string): IpNet | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const address = parseIp(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (!address || !/^(0|[1-9][0-9]{0,2})$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > address.length * 8) return undefined;
  return { address, prefix };
}

/**
 * Format as `addr/prefix`.
 *
 * @example formatCidr({ address: parseIp("10.0.0.0")!, prefix: 8 }) // "10.0.0.0/8"
 */
export function formatCidr(net: IpNet): string {
  return `${formatIp(net.address)}/${net.prefix}`;
}

/**
 * The address with its host bits cleared.
 *
 * @example formatIp(networkAddress(parseCidr("10.1.2.3/24")!)) // "10.1.2.0"
 */
export function networkAddress(net: IpNet): IpBytes {
  const out = new Uint8Array(net.address);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, net.prefix - i * 8));
    out[i] = out[i]! & ((0xff00 >> keep) & 0xff);
  }
  return out;
}

/**
 * The last address of the prefix (the IPv4 broadcast address).
 *
 * @example formatIp(lastAddress(parseCidr("10.1.2.3/24")!)) // "10.1.2.255"
 */
export function lastAddress(net: IpNet): IpBytes {
  const out = new Uint8Array(net.address);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, net.prefix - i * 8));
    out[i] = out[i]! | (0xff >> keep);
  }
  return out;
}

/**
 * Whether `ip` lies inside the prefix (same family, same network bits).
 *
 * @example netContains(parseCidr("10.0.0.0/8")!, parseIp("10.9.9.9")!) // true
 */
export function netContains(net: IpNet, ip: IpBytes): boolean {
  if (ip.length !== net.address.length) return false;
  return compareIp(networkAddress({ address: ip, prefix: net.prefix }), networkAddress(net)) === 0;
}

/**
 * Whether two prefixes share any address.
 *
 * @example netsOverlap(parseCidr("10.0.0.0/8")!, parseCidr("10.1.0.0/16")!) // true
 */
export function netsOverlap(a: IpNet, b: IpNet): boolean {
  return netContains(a, b.address) || netContains(b, a.address);
}
