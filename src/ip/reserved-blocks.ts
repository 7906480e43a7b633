// Blocks no pod network may use and addresses no gateway may take, whatever IPAM produced them.
import { netsOverlap, parseCidr, type Cidr } from "./cidr.ts";
import type { IpBytes } from "./ip-bytes.ts";

/**
 * The reference accepts these and hands out addresses that never work. Parsed per family on
 * first use: an IPv6 prefix loads ip-address's IPv6 module, which an IPv4-only ADD never needs.
 */
const UNUSABLE_BLOCKS: Record<4 | 6, [cidr: string, why: string][]> = {
  4: [
    ["224.0.0.0/4", "overlaps the IPv4 multicast block 224.0.0.0/4"],
    ["127.0.0.0/8", "overlaps the IPv4 loopback block 127.0.0.0/8"],
  ],
  6: [
    ["::1/128", "holds the IPv6 loopback address ::1"],
    ["::ffff:0:0/96", "overlaps the IPv4-mapped IPv6 block ::ffff:0:0/96 (write the IPv4 subnet instead)"],
    ["ff00::/8", "overlaps the IPv6 multicast block ff00::/8"],
  ],
};
const parsedBlocks: { 4?: { net: Cidr; why: string }[]; 6?: { net: Cidr; why: string }[] } = {};

function unusableBlocks(family: 4 | 6): { net: Cidr; why: string }[] {
  return (parsedBlocks[family] ??= UNUSABLE_BLOCKS[family].map(([cidr, why]) => ({ net: parseCidr(cidr)!, why })));
}

/** Why `subnet` cannot be a pod network, or undefined when it can. */
export function unusableSubnetReason(subnet: Cidr): string | undefined {
  if (subnet.prefixLength === 0) return "is a /0: it covers every address";
  for (const block of unusableBlocks(subnet.family)) {
    if (netsOverlap(block.net, subnet)) return block.why;
  }
  return undefined;
}

/**
 * Why `ip` cannot be a gateway (an address the node's bridge takes), or undefined. Link-local
 * covers the cloud metadata address. On the bytes, so an IPv4 gateway loads nothing more.
 */
export function unusableGatewayReason(ip: IpBytes): string | undefined {
  const [a = 0, b = 0] = ip;
  if (ip.every((byte) => byte === 0)) return "is unspecified";
  if (ip.length === 4) {
    if (a === 0) return "lies in 0.0.0.0/8 (this host)";
    if (a === 127) return "is loopback";
    if (a === 169 && b === 254) return "is link-local";
    if (a >= 224 && a <= 239) return "is multicast";
    if (ip.every((byte) => byte === 255)) return "is the broadcast address";
    return undefined;
  }
  if (ip.subarray(0, 15).every((byte) => byte === 0) && ip[15] === 1) return "is loopback";
  if (a === 0xfe && (b & 0xc0) === 0x80) return "is link-local";
  if (a === 0xff) return "is multicast";
  if (ip.subarray(0, 10).every((byte) => byte === 0) && ip[10] === 0xff && ip[11] === 0xff) return "is IPv4-mapped";
  return undefined;
}
