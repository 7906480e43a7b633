/**
 * Arithmetic and ordering over address bytes (see ./ip-bytes.ts): compare,
 * next/previous, offsets. Pure, dependency-free, bigint-based so IPv4 and
 * IPv6 share one code path.
 *
 * @module
 */
import type { IpBytes } from "./ip-bytes.ts";

/**
 * The address as an unsigned integer.
 *
 * @example ipToBigInt(new Uint8Array([0, 0, 1, 2])) // 258n
 */
export function ipToBigInt(ip: IpBytes): bigint {
  let value = 0n;
  for (const byte of ip) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * An unsigned integer as an address of `length` bytes (4 or 16), keeping the
 * low bits when it does not fit.
 *
 * @example bigIntToIp(258n, 4) // Uint8Array [0, 0, 1, 2]
 */
function bigIntToIp(value: bigint, length: number): IpBytes {
  const bytes = new Uint8Array(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

/**
 * Order two addresses: IPv4 before IPv6, then numerically.
 *
 * @returns negative, zero or positive
 * @example compareIp(parseIp("10.0.0.1")!, parseIp("10.0.0.2")!) // -1
 */
export function compareIp(a: IpBytes, b: IpBytes): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Whether two addresses are the same (same family and bytes).
 *
 * @example ipEqual(parseIp("::1")!, parseIp("0::1")!) // true
 */
export function ipEqual(a: IpBytes, b: IpBytes): boolean {
  return compareIp(a, b) === 0;
}

/**
 * The address `delta` steps away, wrapping around the family's space.
 *
 * @example formatIp(addToIp(parseIp("10.0.0.255")!, 1n)) // "10.0.1.0"
 */
export function addToIp(ip: IpBytes, delta: bigint): IpBytes {
  const bits = BigInt(ip.length * 8);
  const mod = 1n << bits;
  return bigIntToIp((((ipToBigInt(ip) + delta) % mod) + mod) % mod, ip.length);
}

/**
 * The next address (wrapping after the last one).
 *
 * @example formatIp(nextIp(parseIp("10.0.0.1")!)) // "10.0.0.2"
 */
export function nextIp(ip: IpBytes): IpBytes {
  const out = new Uint8Array(ip);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = (out[i]! + 1) & 0xff;
    if (out[i] !== 0) break;
  }
  return out;
}

/**
 * The previous address (wrapping before the first one).
 *
 * @example formatIp(prevIp(parseIp("10.0.1.0")!)) // "10.0.0.255"
 */
export function prevIp(ip: IpBytes): IpBytes {
  const out = new Uint8Array(ip);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = (out[i]! - 1) & 0xff;
    if (out[i] !== 0xff) break;
  }
  return out;
}

/**
 * The address with every bit after the first `prefixLength` set to `hostBit`
 * (0: the network address, 1: the last address of the prefix).
 *
 * @example formatIp(withHostBits(parseIp("10.1.2.3")!, 24, 1)) // "10.1.2.255"
 */
export function withHostBits(ip: IpBytes, prefixLength: number, hostBit: 0 | 1): IpBytes {
  const out = new Uint8Array(ip);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.min(8, Math.max(0, prefixLength - i * 8));
    const hostMask = 0xff >> keep;
    out[i] = hostBit ? out[i]! | hostMask : out[i]! & ~hostMask;
  }
  return out;
}

/**
 * Whether the first `prefixLength` bits of two addresses of one family agree.
 *
 * @example samePrefix(parseIp("10.0.0.1")!, parseIp("10.9.9.9")!, 8) // true
 */
export function samePrefix(a: IpBytes, b: IpBytes, prefixLength: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length && i * 8 < prefixLength; i++) {
    const keep = Math.min(8, prefixLength - i * 8);
    const networkMask = (0xff << (8 - keep)) & 0xff;
    if ((a[i]! & networkMask) !== (b[i]! & networkMask)) return false;
  }
  return true;
}
