// Validation through `ip-address`, then network-order bytes, the form netlink and the allocator
// use; prefix arithmetic stays on bytes (./ip-math.ts), as ip-address would re-print and re-parse.
import { createRequire } from "node:module";
// Deep imports: the package's index also loads its URL and arpa helpers, which nothing here needs.
import { Address4 } from "ip-address/dist/ipv4.js";
import type { Address6 } from "ip-address/dist/ipv6.js";
import { loadAssetModule } from "../sea-asset.ts";
import { formatIp, type IpBytes } from "./ip-bytes.ts";
import { samePrefix, withHostBits } from "./ip-math.ts";

/** Set by the single-executable build: asset keys of ./ipv6-entry.ts's bundle and code cache. */
declare const __CNI_TS_IPV6_ASSET__: { bundle: string; cache: string } | undefined;

let address6: typeof Address6 | undefined;

/**
 * Loaded on first use: the module builds prefix tables at load and is an eighth of a plugin's
 * code cache, which an IPv4-only verb would pay for nothing.
 */
function v6(): typeof Address6 {
  address6 ??= (
    (typeof __CNI_TS_IPV6_ASSET__ === "object"
      ? loadAssetModule(__CNI_TS_IPV6_ASSET__.bundle, __CNI_TS_IPV6_ASSET__.cache)
      : createRequire(import.meta.url)("ip-address/dist/ipv6.js")) as typeof import("ip-address/dist/ipv6.js")
  ).Address6;
  return address6;
}

/** `ip` may have host bits set. */
export interface Cidr {
  ip: IpBytes;
  prefixLength: number;
  family: 4 | 6;
}

type IpAddress = Address4 | Address6;

/** As Go reads it: decimal, no sign, no leading zero. */
const PREFIX_LENGTH = /^(0|[1-9][0-9]{0,2})$/;

/** A zone (`%eth0`) is refused: no CNI field takes one. */
function parseText(text: string): IpAddress | undefined {
  if (text.includes("%")) return undefined;
  try {
    return text.includes(":") ? new (v6())(text) : new Address4(text);
  } catch {
    return undefined;
  }
}

/** One verb parses the same config texts several times; bounded against hostile configs. */
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

/** Undefined when `text` is not an address (a prefix is refused). */
export function parseAddress(text: string): IpBytes | undefined {
  const address = text.includes("/") ? undefined : parseTextCached(text);
  return address && bytesOf(address);
}

/** The address keeps its host bits; undefined when `text` is not a CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0 || !PREFIX_LENGTH.test(text.slice(slash + 1))) return undefined;
  const address = parseTextCached(text);
  if (!address || address.subnetMask !== Number(text.slice(slash + 1))) return undefined;
  return { ip: bytesOf(address), prefixLength: address.subnetMask, family: address instanceof Address4 ? 4 : 6 };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.ip)}/${cidr.prefixLength}`;
}

export function networkAddress(cidr: Cidr): IpBytes {
  return withHostBits(cidr.ip, cidr.prefixLength, 0);
}

export function lastAddress(cidr: Cidr): IpBytes {
  return withHostBits(cidr.ip, cidr.prefixLength, 1);
}

export function netContains(cidr: Cidr, ip: IpBytes): boolean {
  return samePrefix(cidr.ip, ip, cidr.prefixLength);
}

export function netsOverlap(a: Cidr, b: Cidr): boolean {
  return netContains(a, b.ip) || netContains(b, a.ip);
}
