/** Where allocations live: on disk in production, a map in tests. */
import type { IpBytes } from "../../src/ip/ip-bytes.ts";

/** `ifName` is undefined for legacy id-only records. */
export interface Allocation {
  ip: IpBytes;
  containerId: string;
  ifName: string | undefined;
}

export interface IpStore {
  /**
   * One lock held for a verb's whole work.
   * @throws {IpamError} the lock cannot be taken
   */
  withLock<T>(fn: () => T): T;
  /**
   * Claims `ip` atomically and remembers it as range set `rangeId`'s last.
   * @returns false when the address is already taken
   */
  reserve(containerId: string, ifName: string, ip: IpBytes, rangeId: number): boolean;
  lastReservedIp(rangeId: number): IpBytes | undefined;
  /** Legacy id-only records of `containerId` included. */
  getByAttachment(containerId: string, ifName: string): IpBytes[];
  /** When the attachment has none, releases legacy id-only records of `containerId`. */
  releaseByAttachment(containerId: string, ifName: string): IpBytes[];
  /** Only if it still belongs to the attachment. */
  releaseIp(ip: IpBytes, containerId: string, ifName: string): void;
  /** Reads the whole store. */
  listAllocations(): Allocation[];
  /** Without owners: names only, cheap. */
  listAddresses(): IpBytes[];
}
