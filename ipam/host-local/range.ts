/**
 * One allocation range: a subnet, the inclusive `[rangeStart, rangeEnd]`
 * pool inside it and the gateway the allocator skips. Pure.
 *
 * @module
 */
import { InvalidConfigError } from "../../src/errors.ts";
import { formatCidr, lastAddress, netContains, netsOverlap, networkAddress, parseAddress, parseCidr } from "../../src/ip/cidr.ts";
import type { Cidr } from "../../src/ip/cidr.ts";
import { formatIp } from "../../src/ip/ip-bytes.ts";
import type { IpBytes } from "../../src/ip/ip-bytes.ts";
import { compareIp, ipToBigInt, nextIp, prevIp } from "../../src/ip/ip-math.ts";

/** A range as written in the config. */
export interface RangeInput {
  subnet: string;
  rangeStart?: string | undefined;
  rangeEnd?: string | undefined;
  gateway?: string | undefined;
}

/** A validated range with every default filled in. */
export interface Range {
  /** The subnet, host bits clear. */
  subnet: Cidr;
  /** First allocatable address (inclusive). */
  rangeStart: IpBytes;
  /** Last allocatable address (inclusive). */
  rangeEnd: IpBytes;
  /** The gateway: never handed out. */
  gateway: IpBytes;
}

/**
 * Address blocks no pod interface can use, with why, by family. The
 * reference accepts subnets in them and hands out addresses that never work
 * (or, for a /0, an address "in" every network); host-local refuses them.
 * Kept as text and parsed for a family on its first check: parsing an IPv6
 * prefix loads ip-address's IPv6 module, which an IPv4-only ADD never needs
 * (its load cost is in BENCHMARKS.md).
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

/**
 * Why `subnet` cannot be a range's subnet, or undefined when it can.
 *
 * @example unusableSubnetReason(parseCidr("0.0.0.0/0")!) // "is a /0: it covers every address"
 */
function unusableSubnetReason(subnet: Cidr): string | undefined {
  if (subnet.prefixLength === 0) return "is a /0: it covers every address";
  for (const block of unusableBlocks(subnet.family)) {
    if (netsOverlap(block.net, subnet)) return block.why;
  }
  return undefined;
}

function requireAddress(text: string, key: string): IpBytes {
  const ip = parseAddress(text);
  if (!ip) throw new InvalidConfigError(`invalid IP address: ${text} (${key})`);
  return ip;
}

/**
 * Validate a range and fill its defaults like the reference: gateway and
 * rangeStart = network + 1; rangeEnd = broadcast − 1 (IPv4) or the last
 * address (IPv6). Unlike the reference, a start after the end and a gateway
 * outside the subnet are refused with a message saying so.
 *
 * @param input the range as configured
 * @param key where it came from, named in errors (e.g. `ipam.ranges[0][1]`)
 * @returns the canonical range
 * @throws {InvalidConfigError} the reason, naming the key and the value
 * @example canonicalizeRange({ subnet: "10.1.2.0/24" }, "ipam.ranges[0][0]")
 */
export function canonicalizeRange(input: RangeInput, key: string): Range {
  const parsed = parseCidr(input.subnet);
  if (!parsed) throw new InvalidConfigError(`invalid CIDR address: ${input.subnet} (${key}.subnet)`);
  const bits = parsed.ip.length * 8;
  if (parsed.prefixLength > bits - 2) {
    throw new InvalidConfigError(`Network ${formatCidr(parsed)} too small to allocate from (${key}.subnet)`);
  }
  const network = networkAddress(parsed);
  if (compareIp(network, parsed.ip) !== 0) {
    throw new InvalidConfigError(
      `Network has host bits set. For a subnet mask of length ${parsed.prefixLength} the network address is ${formatIp(network)} (${key}.subnet = ${input.subnet})`,
    );
  }
  const subnet: Cidr = { ...parsed, ip: network };
  const unusable = unusableSubnetReason(subnet);
  if (unusable) throw new InvalidConfigError(`subnet ${JSON.stringify(input.subnet)} ${unusable} (${key}.subnet)`);
  const cidr = formatCidr(subnet);
  const gateway = input.gateway !== undefined ? requireAddress(input.gateway, `${key}.gateway`) : nextIp(network);
  if (!netContains(subnet, gateway)) {
    throw new InvalidConfigError(`gateway ${formatIp(gateway)} not in network ${cidr} (${key}.gateway)`);
  }
  const rangeStart = input.rangeStart !== undefined ? requireAddress(input.rangeStart, `${key}.rangeStart`) : nextIp(network);
  if (!netContains(subnet, rangeStart)) {
    throw new InvalidConfigError(`RangeStart ${formatIp(rangeStart)} not in network ${cidr} (${key}.rangeStart)`);
  }
  const last = lastAddress(subnet);
  const rangeEnd =
    input.rangeEnd !== undefined ? requireAddress(input.rangeEnd, `${key}.rangeEnd`) : network.length === 4 ? prevIp(last) : last;
  if (!netContains(subnet, rangeEnd)) {
    throw new InvalidConfigError(`RangeEnd ${formatIp(rangeEnd)} not in network ${cidr} (${key}.rangeEnd)`);
  }
  if (compareIp(rangeStart, rangeEnd) > 0) {
    throw new InvalidConfigError(
      `RangeStart ${formatIp(rangeStart)} is after RangeEnd ${formatIp(rangeEnd)} in network ${cidr} (${key})`,
    );
  }
  return { subnet, rangeStart, rangeEnd, gateway };
}

/**
 * Whether `ip` is in the range's pool `[rangeStart, rangeEnd]`.
 *
 * @example rangeContains(range, parseAddress("10.1.2.7")!)
 */
export function rangeContains(range: Range, ip: IpBytes): boolean {
  return (
    ip.length === range.rangeStart.length && compareIp(ip, range.rangeStart) >= 0 && compareIp(ip, range.rangeEnd) <= 0
  );
}

/**
 * Whether two ranges' pools share an address.
 *
 * @example rangesOverlap(a, b)
 */
export function rangesOverlap(a: Range, b: Range): boolean {
  if (a.rangeStart.length !== b.rangeStart.length) return false;
  return compareIp(a.rangeStart, b.rangeEnd) <= 0 && compareIp(b.rangeStart, a.rangeEnd) <= 0;
}

/**
 * The pool as `start-end`, as the reference prints it.
 *
 * @example formatRange(range) // "10.1.2.1-10.1.2.254"
 */
export function formatRange(range: Range): string {
  return `${formatIp(range.rangeStart)}-${formatIp(range.rangeEnd)}`;
}

/**
 * How many addresses the pool hands out (the gateway excluded).
 *
 * @example rangeSize(canonicalizeRange({ subnet: "10.0.0.0/24" }, "r")) // 253n
 */
export function rangeSize(range: Range): bigint {
  const size = ipToBigInt(range.rangeEnd) - ipToBigInt(range.rangeStart) + 1n;
  return rangeContains(range, range.gateway) ? size - 1n : size;
}
