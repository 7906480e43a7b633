/**
 * One address per range set, round robin from the set's last reserved address, as the reference.
 * Pure apart from the store; callers hold its lock.
 */
import { IpamError } from "../../src/errors.ts";
import { formatIp } from "../../src/ip/ip-bytes.ts";
import type { IpBytes } from "../../src/ip/ip-bytes.ts";
import { ipEqual, nextIp } from "../../src/ip/ip-math.ts";
import { formatRangeSet, rangeSetContains, rangeSetIndexOf, rangeSetSize } from "./range-set.ts";
import type { RangeSet } from "./range-set.ts";
import type { IpStore } from "./store.ts";

export interface AllocatedIp {
  ip: IpBytes;
  prefix: number;
  gateway: IpBytes;
}

export interface AllocationRequest {
  containerId: string;
  ifName: string;
  /** The index is the set's `rangeId`. */
  rangeSets: RangeSet[];
  /** Deduplicated, in request order. */
  requested: IpBytes[];
}

/**
 * In the reference's order: from after `last` (else the first range's start), across ranges,
 * wrapping, skipping gateways, until back at the first candidate.
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
 * The reference's `allocator.Get`.
 * @param held the attachment's addresses before this ADD; sets never overlap, so one read serves all
 * @throws {IpamError} gateway requested, address taken, duplicate attachment, or set exhausted
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
 * On failure, releases what this call took (earlier allocations stay).
 * @throws {IpamError} a set fails, or a requested address lies in no set
 */
export function allocateAddresses(store: IpStore, request: AllocationRequest): AllocatedIp[] {
  const { containerId, ifName } = request;
  const pending = [...request.requested];
  const done: AllocatedIp[] = [];
  const rollback = () => {
    for (const a of done) store.releaseIp(a.ip, containerId, ifName);
  };
  // What this call allocates lies in other sets, so one read serves them all.
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

/** Counts, never iterates the pool. */
export function hasFreeAddress(set: RangeSet, allocated: IpBytes[]): boolean {
  let used = 0n;
  for (const ip of allocated) {
    const index = rangeSetIndexOf(set, ip);
    if (index >= 0 && !ipEqual(set[index]!.gateway, ip)) used++;
  }
  return used < rangeSetSize(set);
}
