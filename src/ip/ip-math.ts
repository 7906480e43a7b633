// Arithmetic over address bytes; bigint so IPv4 and IPv6 share one code path.
import type { IpBytes } from "./ip-bytes.ts";

export function ipToBigInt(ip: IpBytes): bigint {
  let value = 0n;
  for (const byte of ip) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * Keeps the low bits when `value` does not fit.
 */
export function bigIntToIp(value: bigint, length: number): IpBytes {
  const bytes = new Uint8Array(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

/** IPv4 before IPv6, then numerically. */
export function compareIp(a: IpBytes, b: IpBytes): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function ipEqual(a: IpBytes, b: IpBytes): boolean {
  return compareIp(a, b) === 0;
}

/** Wraps around the family's space. */
export function addToIp(ip: IpBytes, delta: bigint): IpBytes {
  const bits = BigInt(ip.length * 8);
  const mod = 1n << bits;
  return bigIntToIp((((ipToBigInt(ip) + delta) % mod) + mod) % mod, ip.length);
}

/** Wraps after the last address. */
export function nextIp(ip: IpBytes): IpBytes {
  const out = new Uint8Array(ip);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = (out[i]! + 1) & 0xff;
    if (out[i] !== 0) break;
  }
  return out;
}

/** Wraps before the first address. */
export function prevIp(ip: IpBytes): IpBytes {
  const out = new Uint8Array(ip);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = (out[i]! - 1) & 0xff;
    if (out[i] !== 0xff) break;
  }
  return out;
}

/** `hostBit` 0 gives the network address, 1 the prefix's last address. */
export function withHostBits(ip: IpBytes, prefixLength: number, hostBit: 0 | 1): IpBytes {
  const out = new Uint8Array(ip);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.min(8, Math.max(0, prefixLength - i * 8));
    const hostMask = 0xff >> keep;
    out[i] = hostBit ? out[i]! | hostMask : out[i]! & ~hostMask;
  }
  return out;
}

export function samePrefix(a: IpBytes, b: IpBytes, prefixLength: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length && i * 8 < prefixLength; i++) {
    const keep = Math.min(8, prefixLength - i * 8);
    const networkMask = (0xff << (8 - keep)) & 0xff;
    if ((a[i]! & networkMask) !== (b[i]! & networkMask)) return false;
  }
  return true;
}
