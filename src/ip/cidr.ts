// IPv4 text is read by ./ip-bytes.ts (a dotted quad needs no library); IPv6 text is validated by
// `ip-address`. Prefix arithmetic stays on bytes (./ip-math.ts).
import { createRequire } from "node:module";
import type { Address6 } from "ip-address/dist/ipv6.js";
import { loadAssetModule } from "../sea-asset.ts";
import { formatIp, parseIp, type IpBytes } from "./ip-bytes.ts";
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

/** As Go reads it: decimal, no sign, no leading zero. */
const PREFIX_LENGTH = /^(0|[1-9][0-9]{0,2})$/;

/** An IPv6 address with an optional prefix; a zone (`%eth0`) is refused: no CNI field takes one. */
function parseIpv6Text(text: string): Address6 | undefined {
  if (text.includes("%")) return undefined;
  try {
    return new (v6())(text);
  } catch {
    return undefined;
  }
}

/** One verb parses the same config texts several times; bounded against hostile configs. */
const parsedIpv6 = new Map<string, Address6 | undefined>();
const PARSE_CACHE_LIMIT = 256;

function parseIpv6Cached(text: string): Address6 | undefined {
  if (parsedIpv6.has(text)) return parsedIpv6.get(text);
  const address = parseIpv6Text(text);
  if (parsedIpv6.size < PARSE_CACHE_LIMIT) parsedIpv6.set(text, address);
  return address;
}

/** Undefined when `text` is not an address (a prefix is refused). */
export function parseAddress(text: string): IpBytes | undefined {
  if (text.includes("/")) return undefined;
  if (!text.includes(":")) return parseIp(text);
  const address = parseIpv6Cached(text);
  return address && Uint8Array.from(address.toByteArray());
}

/** The address keeps its host bits; undefined when `text` is not a CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0 || !PREFIX_LENGTH.test(text.slice(slash + 1))) return undefined;
  const prefixLength = Number(text.slice(slash + 1));
  if (!text.includes(":")) {
    const ip = prefixLength <= 32 ? parseIp(text.slice(0, slash)) : undefined;
    return ip && { ip, prefixLength, family: 4 };
  }
  const address = parseIpv6Cached(text);
  if (!address || address.subnetMask !== prefixLength) return undefined;
  return { ip: Uint8Array.from(address.toByteArray()), prefixLength, family: 6 };
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
