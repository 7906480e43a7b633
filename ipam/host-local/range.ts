/** One allocation range: a subnet, its inclusive pool and the gateway the allocator skips. Pure. */
import { InvalidConfigError } from "../../src/errors.ts";
import { formatCidr, lastAddress, netContains, networkAddress, parseAddress, parseCidr } from "../../src/ip/cidr.ts";
import type { Cidr } from "../../src/ip/cidr.ts";
import { formatIp } from "../../src/ip/ip-bytes.ts";
import { unusableSubnetReason } from "../../src/ip/reserved-blocks.ts";
import type { IpBytes } from "../../src/ip/ip-bytes.ts";
import { compareIp, ipToBigInt, nextIp, prevIp } from "../../src/ip/ip-math.ts";

export interface RangeInput {
  subnet: string;
  rangeStart?: string | undefined;
  rangeEnd?: string | undefined;
  gateway?: string | undefined;
}

/** Validated, every default filled in. */
export interface Range {
  subnet: Cidr;
  rangeStart: IpBytes;
  rangeEnd: IpBytes;
  /** Never handed out. */
  gateway: IpBytes;
}

function requireAddress(text: string, key: string): IpBytes {
  const ip = parseAddress(text);
  if (!ip) throw new InvalidConfigError(`invalid IP address: ${text} (${key})`);
  return ip;
}

/**
 * Defaults as the reference: gateway and rangeStart = network + 1, rangeEnd = broadcast − 1 (IPv4)
 * or the last address (IPv6). Unlike it, a start after the end or a gateway outside the subnet is refused.
 * @param key where it came from, named in errors (e.g. `ipam.ranges[0][1]`)
 * @throws {InvalidConfigError} naming the key and the value
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
  const rangeEnd = input.rangeEnd !== undefined ? requireAddress(input.rangeEnd, `${key}.rangeEnd`) : network.length === 4 ? prevIp(last) : last;
  if (!netContains(subnet, rangeEnd)) {
    throw new InvalidConfigError(`RangeEnd ${formatIp(rangeEnd)} not in network ${cidr} (${key}.rangeEnd)`);
  }
  if (compareIp(rangeStart, rangeEnd) > 0) {
    throw new InvalidConfigError(`RangeStart ${formatIp(rangeStart)} is after RangeEnd ${formatIp(rangeEnd)} in network ${cidr} (${key})`);
  }
  return { subnet, rangeStart, rangeEnd, gateway };
}

export function rangeContains(range: Range, ip: IpBytes): boolean {
  return ip.length === range.rangeStart.length && compareIp(ip, range.rangeStart) >= 0 && compareIp(ip, range.rangeEnd) <= 0;
}

export function rangesOverlap(a: Range, b: Range): boolean {
  if (a.rangeStart.length !== b.rangeStart.length) return false;
  return compareIp(a.rangeStart, b.rangeEnd) <= 0 && compareIp(b.rangeStart, a.rangeEnd) <= 0;
}

/** `start-end`, as the reference prints it. */
export function formatRange(range: Range): string {
  return `${formatIp(range.rangeStart)}-${formatIp(range.rangeEnd)}`;
}

/** Addresses the pool hands out, the gateway excluded. */
export function rangeSize(range: Range): bigint {
  const size = ipToBigInt(range.rangeEnd) - ipToBigInt(range.rangeStart) + 1n;
  return rangeContains(range, range.gateway) ? size - 1n : size;
}
