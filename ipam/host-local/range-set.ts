/**
 * A range set: disjoint ranges of one family from which one address is
 * handed out per attachment. Pure.
 *
 * @module
 */
import { InvalidConfigError } from "../../src/errors.ts";
import { formatCidr } from "../../src/ip/cidr.ts";
import { ipFamily } from "../../src/ip/ip-bytes.ts";
import type { IpBytes } from "../../src/ip/ip-bytes.ts";
import { canonicalizeRange, formatRange, rangeContains, rangeSize, rangesOverlap } from "./range.ts";
import type { Range, RangeInput } from "./range.ts";

/** Validated ranges of one family, in config order. */
export type RangeSet = Range[];

/** A range as configured plus where it came from (for messages). */
export interface LabelledRange {
  input: RangeInput;
  key: string;
}

/**
 * Validate a set: not empty, every range valid, one family, no overlaps.
 *
 * @param ranges the set's ranges with their config keys
 * @param index the set's index after prepending (named in errors)
 * @returns the canonical set
 * @throws {InvalidConfigError} `invalid range set N: <reason>`
 * @example canonicalizeRangeSet([{ input: { subnet: "10.0.0.0/24" }, key: "ipam.ranges[0][0]" }], 0)
 */
export function canonicalizeRangeSet(ranges: LabelledRange[], index: number): RangeSet {
  const fail = (reason: string): never => {
    throw new InvalidConfigError(`invalid range set ${index}: ${reason}`);
  };
  if (ranges.length === 0) fail("empty range set");
  const set: RangeSet = [];
  for (const { input, key } of ranges) {
    try {
      set.push(canonicalizeRange(input, key));
    } catch (err) {
      if (err instanceof InvalidConfigError) fail(err.msg);
      throw err;
    }
  }
  const family = set[0]!.subnet.ip.length;
  set.forEach((range, i) => {
    if (range.subnet.ip.length !== family) fail(`mixed address families (${ranges[i]!.key}.subnet = ${ranges[i]!.input.subnet})`);
  });
  for (let i = 0; i < set.length; i++) {
    for (let j = i + 1; j < set.length; j++) {
      if (rangesOverlap(set[i]!, set[j]!)) {
        fail(`subnets ${formatCidr(set[i]!.subnet)} and ${formatCidr(set[j]!.subnet)} overlap (${ranges[i]!.key}, ${ranges[j]!.key})`);
      }
    }
  }
  return set;
}

/**
 * Index of the range whose pool holds `ip`, or -1.
 *
 * @example rangeSetIndexOf(set, parseIp("10.1.2.3")!) // 0
 */
export function rangeSetIndexOf(set: RangeSet, ip: IpBytes): number {
  return set.findIndex((range) => rangeContains(range, ip));
}

/**
 * Whether any range of the set holds `ip` in its pool.
 *
 * @example rangeSetContains(set, parseIp("10.1.2.3")!) // true
 */
export function rangeSetContains(set: RangeSet, ip: IpBytes): boolean {
  return rangeSetIndexOf(set, ip) >= 0;
}

/**
 * Whether two sets share an address.
 *
 * @example rangeSetsOverlap(a, b) // false
 */
export function rangeSetsOverlap(a: RangeSet, b: RangeSet): boolean {
  return a.some((x) => b.some((y) => rangesOverlap(x, y)));
}

/**
 * The set as the reference prints it: `start-end[,start-end…]`.
 *
 * @example formatRangeSet(set) // "10.1.2.1-10.1.2.254"
 */
export function formatRangeSet(set: RangeSet): string {
  return set.map(formatRange).join(",");
}

/**
 * The family of the set (4 or 6).
 *
 * @example rangeSetFamily(set) // 4
 */
export function rangeSetFamily(set: RangeSet): 4 | 6 {
  return ipFamily(set[0]!.subnet.ip);
}

/**
 * How many addresses the set can hand out (gateways excluded).
 *
 * @example rangeSetSize(set) // 253n
 */
export function rangeSetSize(set: RangeSet): bigint {
  return set.reduce((sum, range) => sum + rangeSize(range), 0n);
}
