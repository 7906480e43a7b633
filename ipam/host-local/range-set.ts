/** A range set: disjoint ranges of one family, one address per attachment. Pure. */
import { InvalidConfigError } from "../../src/errors.ts";
import { formatCidr } from "../../src/ip/cidr.ts";
import { ipFamily } from "../../src/ip/ip-bytes.ts";
import type { IpBytes } from "../../src/ip/ip-bytes.ts";
import { canonicalizeRange, formatRange, rangeContains, rangeSize, rangesOverlap } from "./range.ts";
import type { Range, RangeInput } from "./range.ts";

export type RangeSet = Range[];

/** `key` says where it came from, for messages. */
export interface LabelledRange {
  input: RangeInput;
  key: string;
}

/**
 * Not empty, every range valid, one family, no overlaps.
 * @param index the set's index after prepending (named in errors)
 * @throws {InvalidConfigError}
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

/** The index of the range whose pool holds `ip`, or -1. */
export function rangeSetIndexOf(set: RangeSet, ip: IpBytes): number {
  return set.findIndex((range) => rangeContains(range, ip));
}

export function rangeSetContains(set: RangeSet, ip: IpBytes): boolean {
  return rangeSetIndexOf(set, ip) >= 0;
}

export function rangeSetsOverlap(a: RangeSet, b: RangeSet): boolean {
  return a.some((x) => b.some((y) => rangesOverlap(x, y)));
}

/** As the reference prints it: `start-end[,start-end…]`. */
export function formatRangeSet(set: RangeSet): string {
  return set.map(formatRange).join(",");
}

export function rangeSetFamily(set: RangeSet): 4 | 6 {
  return ipFamily(set[0]!.subnet.ip);
}

/** Addresses the set hands out, gateways excluded. */
export function rangeSetSize(set: RangeSet): bigint {
  return set.reduce((sum, range) => sum + rangeSize(range), 0n);
}
