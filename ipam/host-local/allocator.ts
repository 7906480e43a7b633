/**
 * Address allocation over an {@link IpStore}: one address per range set,
 * round robin from the set's last reserved address, skipping gateways,
 * requested addresses honoured. Pure apart from the store it is given;
 * callers hold the store's lock around {@link allocateAddresses}.
 *
 * @module
 */
import { IpamError } from "../../src/errors.ts";
import { formatIp } from "../../src/ip/ip-bytes.ts";
import type { IpBytes } from "../../src/ip/ip-bytes.ts";
import { ipEqual, nextIp } from "../../src/ip/ip-math.ts";
import { formatRangeSet, rangeSetContains, rangeSetIndexOf, rangeSetSize } from "./range-set.ts";
import type { RangeSet } from "./range-set.ts";
import type { IpStore } from "./store.ts";

/** One address handed out. */
export interface AllocatedIp {
  /** The address. */
  ip: IpBytes;
  /** Its subnet's prefix length. */
  prefix: number;
  /** Its range's gateway. */
  gateway: IpBytes;
}

/** What to allocate. */
export interface AllocationRequest {
  containerId: string;
  ifName: string;
  /** Range sets, in order; the index is the set's `rangeId`. */
  rangeSets: RangeSet[];
  /** Requested addresses (deduplicated, in request order). */
  requested: IpBytes[];
}

/**
 * The candidates of a set in the reference's order: after `last` when it
 * lies in the set (else from the first range's start), +1 at a time, jumping
 * to the next range's start after a range's end, wrapping, skipping each
 * range's gateway, ending when back at the first candidate.
 *
 * @example [...rangeSetCandidates(set, undefined)].map(formatIp)
 */
export function* rangeSetCandidates(set: RangeSet, last: IpBytes | undefined): Generator<IpBytes> {
  const lastIndex = last ? rangeSetIndexOf(set, last) : -1;
  let index = lastIndex >= 0 ? lastIndex : 0;
  let current: IpBytes | undefined = lastIndex >= 0 ? last : undefined;
  let start: IpBytes | undefined;
  for (;;) {
    let range = set[index]!;
    if (current === undefined) {
      current = range.rangeStart;
      start = current;
    } else {
      if (ipEqual(current, range.rangeEnd)) {
        index = (index + 1) % set.length;
        range = set[index]!;
        current = range.rangeStart;
      } else {
        current = nextIp(current);
      }
      if (start === undefined) start = current;
      else if (ipEqual(current, start)) return;
    }
    if (!ipEqual(current, range.gateway)) yield current;
  }
}

function prefixFor(set: RangeSet, ip: IpBytes): { prefix: number; gateway: IpBytes } {
  const range = set[rangeSetIndexOf(set, ip)]!;
  return { prefix: range.subnet.prefixLength, gateway: range.gateway };
}

/**
 * Allocate one address from `set` (the reference's `allocator.Get`).
 *
 * @param requested an address of this set the caller asked for, if any
 * @param held the attachment's addresses in the store before this ADD (read
 *   only when needed; one read serves every set, since sets never overlap)
 * @returns the address with its prefix and gateway
 * @throws {IpamError} gateway requested, address taken, duplicate attachment, or set exhausted
 * @example allocateFromSet(store, set, 0, "cid", "eth0", undefined)
 */
export function allocateFromSet(
  store: IpStore,
  set: RangeSet,
  rangeId: number,
  containerId: string,
  ifName: string,
  requested: IpBytes | undefined,
  held: () => readonly IpBytes[] = () => store.getByAttachment(containerId, ifName),
): AllocatedIp {
  if (requested) {
    const { prefix, gateway } = prefixFor(set, requested);
    if (ipEqual(requested, gateway)) throw new IpamError(`requested ip ${formatIp(requested)} is subnet's gateway`);
    if (!store.reserve(containerId, ifName, requested, rangeId)) {
      throw new IpamError(`requested IP address ${formatIp(requested)} is not available in range set ${formatRangeSet(set)}`);
    }
    return { ip: requested, prefix, gateway };
  }
  for (const ip of held()) {
    if (rangeSetContains(set, ip)) {
      throw new IpamError(`${formatIp(ip)} has been allocated to ${containerId}, duplicate allocation is not allowed`);
    }
  }
  for (const candidate of rangeSetCandidates(set, store.lastReservedIp(rangeId))) {
    if (store.reserve(containerId, ifName, candidate, rangeId)) return { ip: candidate, ...prefixFor(set, candidate) };
  }
  throw new IpamError(`no IP addresses available in range set: ${formatRangeSet(set)}`);
}

/**
 * Allocate one address per range set. On any failure the addresses taken
 * by this call are released again (earlier allocations are left alone).
 *
 * @returns the addresses in set order
 * @throws {IpamError} `failed to allocate for range N: <reason>` or
 *   `failed to allocate all requested IPs: <ips>`
 * @example allocateAddresses(store, { containerId: "c", ifName: "eth0", rangeSets, requested: [] })
 */
export function allocateAddresses(store: IpStore, request: AllocationRequest): AllocatedIp[] {
  const { containerId, ifName } = request;
  const pending = [...request.requested];
  const done: AllocatedIp[] = [];
  const rollback = () => {
    for (const a of done) store.releaseIp(a.ip, containerId, ifName);
  };
  // Read once for all sets (a dual-stack ADD used to read the store per set):
  // what this call allocates lies in other sets, so it never changes the answer.
  let heldBefore: IpBytes[] | undefined;
  const held = () => (heldBefore ??= store.getByAttachment(containerId, ifName));
  request.rangeSets.forEach((set, rangeId) => {
    const wanted = pending.findIndex((ip) => rangeSetContains(set, ip));
    const requested = wanted >= 0 ? pending.splice(wanted, 1)[0] : undefined;
    try {
      done.push(allocateFromSet(store, set, rangeId, containerId, ifName, requested, held));
    } catch (err) {
      rollback();
      if (err instanceof IpamError) throw new IpamError(`failed to allocate for range ${rangeId}: ${err.msg}`, err.details, { cause: err });
      throw err;
    }
  });
  if (pending.length > 0) {
    rollback();
    throw new IpamError(`failed to allocate all requested IPs: ${pending.map(formatIp).join(" ")}`);
  }
  return done;
}

/**
 * Whether `set` still has an address to hand out, given every allocated
 * address of the store (counts, never iterates the pool).
 *
 * @example hasFreeAddress(set, store.listAddresses()) // true
 */
export function hasFreeAddress(set: RangeSet, allocated: IpBytes[]): boolean {
  let used = 0n;
  for (const ip of allocated) {
    const index = rangeSetIndexOf(set, ip);
    if (index >= 0 && !ipEqual(set[index]!.gateway, ip)) used++;
  }
  return used < rangeSetSize(set);
}
