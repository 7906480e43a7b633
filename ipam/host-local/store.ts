/**
 * The seam between the allocator and where allocations live: a disk store
 * (./disk-store.ts) in production, a map (./memory-store.ts) in tests.
 * Callers hold {@link IpStore.withLock} around each verb's whole work.
 *
 * @module
 */
import type { IpBytes } from "../../src/ip/ip-bytes.ts";

/** One stored allocation. `ifName` is undefined for legacy id-only records. */
export interface Allocation {
  ip: IpBytes;
  containerId: string;
  ifName: string | undefined;
}

/** Allocation storage for one network. */
export interface IpStore {
  /**
   * Run `fn` holding the store's exclusive lock (one lock for the whole verb).
   * @throws {IpamError} the lock cannot be taken
   */
  withLock<T>(fn: () => T): T;
  /**
   * Claim `ip` for the attachment atomically and remember it as the last
   * address handed out in range set `rangeId`.
   * @returns false when the address is already taken
   */
  reserve(containerId: string, ifName: string, ip: IpBytes, rangeId: number): boolean;
  /** The last address reserved in range set `rangeId`, if recorded. */
  lastReservedIp(rangeId: number): IpBytes | undefined;
  /** Addresses held by the attachment, legacy id-only records of `containerId` included. */
  getByAttachment(containerId: string, ifName: string): IpBytes[];
  /**
   * Release every address of the attachment; when it has none, those of
   * legacy id-only records of `containerId`.
   * @returns the released addresses
   */
  releaseByAttachment(containerId: string, ifName: string): IpBytes[];
  /** Release `ip` if (and only if) it still belongs to the attachment. */
  releaseIp(ip: IpBytes, containerId: string, ifName: string): void;
  /** Every allocation (reads the whole store). */
  listAllocations(): Allocation[];
  /** Every allocated address, without owners (cheap: names only). */
  listAddresses(): IpBytes[];
}
