/**
 * Addresses and prefixes as configs and results write them: parsed and
 * validated through the `ip-address` library, then kept as network-order
 * bytes (./ip-bytes.ts), the form netlink and the allocator work in.
 * Network and last address, containment and overlap work on those bytes
 * (./ip-math.ts): through ip-address each would re-print and re-parse the
 * prefix, the cost BENCHMARKS.md ("Library adoption") measured on every
 * ADD and DEL.
 *
 * @module
 */
import { createRequire } from "node:module";
// Deep imports: the package's index also loads its URL and arpa helpers, which nothing here needs.
import { Address4 } from "ip-address/dist/ipv4.js";
import type { Address6 } from "ip-address/dist/ipv6.js";
import { loadAssetModule } from "../sea-asset.ts";
import { formatIp, type IpBytes } from "./ip-bytes.ts";
import { samePrefix, withHostBits } from "./ip-math.ts";

/** Set by the single-executable build: the asset keys of ./ipv6-entry.ts's bundle and its code cache. */
declare const __CNI_TS_IPV6_ASSET__: { bundle: string; cache: string } | undefined;

let address6: typeof Address6 | undefined;

/**
 * ip-address's IPv6 class, loaded on first use: its module builds tables of
 * special-purpose prefixes when loaded (~4.5 M instructions), and its code
 * is an eighth of a plugin's code cache, both of which an IPv4-only ADD or
 * DEL would pay for nothing (BENCHMARKS.md). In the single executable it is
 * a bundle of its own (./ipv6-entry.ts) compiled from its own code cache;
 * elsewhere (development, tests) Node loads the package.
 */
function v6(): typeof Address6 {
  address6 ??= (
    (typeof __CNI_TS_IPV6_ASSET__ === "object"
      ? loadAssetModule(__CNI_TS_IPV6_ASSET__.bundle, __CNI_TS_IPV6_ASSET__.cache)
      : createRequire(import.meta.url)("ip-address/dist/ipv6.js")) as typeof import("ip-address/dist/ipv6.js")
  ).Address6;
  return address6;
}

/** An address with its prefix length, e.g. `10.1.2.3/24`; `ip` may have host bits set. */
export interface Cidr {
  ip: IpBytes;
  prefixLength: number;
  family: 4 | 6;
}

type IpAddress = Address4 | Address6;

/** A prefix length as Go writes and reads it: decimal, no sign, no leading zero. */
const PREFIX_LENGTH = /^(0|[1-9][0-9]{0,2})$/;

/**
 * ip-address's object for an address, with or without `/prefix`.
 * A zone (`%eth0`) is refused: no CNI field takes one.
 */
function parseText(text: string): IpAddress | undefined {
  if (text.includes("%")) return undefined;
  try {
    return text.includes(":") ? new (v6())(text) : new Address4(text);
  } catch {
    return undefined;
  }
}

/**
 * Parses so far, by text: one ADD or DEL reads the same subnet, range and
 * gateway texts from the config several times. Bounded so a hostile config
 * with many entries cannot grow it without end.
 */
const parsed = new Map<string, IpAddress | undefined>();
const PARSE_CACHE_LIMIT = 256;

function parseTextCached(text: string): IpAddress | undefined {
  if (parsed.has(text)) return parsed.get(text);
  const address = parseText(text);
  if (parsed.size < PARSE_CACHE_LIMIT) parsed.set(text, address);
  return address;
}

function bytesOf(address: IpAddress): IpBytes {
  return Uint8Array.from(address instanceof Address4 ? address.toArray() : address.toByteArray());
}

/**
 * Parse an IPv4 or IPv6 address without a prefix.
 *
 * @returns the bytes, or undefined when `text` is not an address
 * @example parseAddress("fd00::1") // Uint8Array(16)
 */
export function parseAddress(text: string): IpBytes | undefined {
  const address = text.includes("/") ? undefined : parseTextCached(text);
  return address && bytesOf(address);
}

/**
 * Parse `addr/prefix` (IPv4 or IPv6). The address keeps its host bits.
 *
 * @returns the prefix, or undefined when `text` is not a CIDR
 * @example parseCidr("10.1.2.3/24") // { ip: [10,1,2,3], prefixLength: 24, family: 4 }
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0 || !PREFIX_LENGTH.test(text.slice(slash + 1))) return undefined;
  const address = parseTextCached(text);
  if (!address || address.subnetMask !== Number(text.slice(slash + 1))) return undefined;
  return { ip: bytesOf(address), prefixLength: address.subnetMask, family: address instanceof Address4 ? 4 : 6 };
}

/**
 * Canonical `ip/prefix` text (RFC 5952 for IPv6, IPv4-mapped dotted).
 *
 * @example formatCidr(parseCidr("2001:DB8::1/64")!) // "2001:db8::1/64"
 */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.ip)}/${cidr.prefixLength}`;
}

/**
 * The address with its host bits cleared.
 *
 * @example formatIp(networkAddress(parseCidr("10.1.2.3/24")!)) // "10.1.2.0"
 */
export function networkAddress(cidr: Cidr): IpBytes {
  return withHostBits(cidr.ip, cidr.prefixLength, 0);
}

/**
 * The last address of the prefix (the IPv4 broadcast address).
 *
 * @example formatIp(lastAddress(parseCidr("10.1.2.3/24")!)) // "10.1.2.255"
 */
export function lastAddress(cidr: Cidr): IpBytes {
  return withHostBits(cidr.ip, cidr.prefixLength, 1);
}

/**
 * Whether `ip` lies inside the prefix (same family, same network bits).
 *
 * @example netContains(parseCidr("10.0.0.0/8")!, parseAddress("10.9.9.9")!) // true
 */
export function netContains(cidr: Cidr, ip: IpBytes): boolean {
  return samePrefix(cidr.ip, ip, cidr.prefixLength);
}

/**
 * Whether two prefixes share any address.
 *
 * @example netsOverlap(parseCidr("10.0.0.0/8")!, parseCidr("10.1.0.0/16")!) // true
 */
export function netsOverlap(a: Cidr, b: Cidr): boolean {
  return netContains(a, b.ip) || netContains(b, a.ip);
}
