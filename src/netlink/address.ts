import { KernelError } from "../errors.ts";
import { AF_UNSPEC, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR } from "./constants.ts";
import type { Addr } from "./address-codec.ts";
import { afOf, encodeAddress, ifaddrmsg, parseAddress } from "./address-codec.ts";
import { getLinkByIndex } from "./link.ts";
import { MessageBuilder } from "./message.ts";
import type { RtnlSocket } from "./socket.ts";
import { sleepSync } from "../sleep-sync.ts";

export type { Addr } from "./address-codec.ts";

export interface AddrFilter {
  index?: number;
  family?: 4 | 6;
}

/** @throws {SyscallError} when the dump fails */
export function listAddresses(sock: RtnlSocket, filter: AddrFilter = {}): Addr[] {
  const family = filter.family ? afOf(filter.family) : AF_UNSPEC;
  const msg = new MessageBuilder(RTM_GETADDR, 0, ifaddrmsg(family, 0, 0, filter.index ?? 0));
  return sock.dump(msg, parseAddress).filter((a) => filter.index === undefined || a.index === filter.index);
}

/**
 * IPv6 addresses go through duplicate address detection unless it is off for the interface.
 * @throws {SyscallError} code EEXIST when the address is already there
 * @throws {InvalidConfigError} for a malformed address
 */
export function addAddress(sock: RtnlSocket, index: number, address: string, prefixLength: number, opts?: { noPrefixRoute?: boolean }): void {
  sock.request(encodeAddress(RTM_NEWADDR, index, address, prefixLength, opts));
}

/** @throws {SyscallError} code EADDRNOTAVAIL when it is not there */
export function deleteAddress(sock: RtnlSocket, index: number, address: string, prefixLength: number): void {
  sock.request(encodeAddress(RTM_DELADDR, index, address, prefixLength));
}

/** Short because a settled link should cost little. */
const POLL_MS = 10;

/**
 * Wait until no address on the interface is tentative (IPv6 DAD).
 * @throws {KernelError} naming the address when DAD failed or it is still tentative after `timeoutMs`
 */
export function waitForAddressesSettled(sock: RtnlSocket, index: number, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const addrs = listAddresses(sock, { index });
    const failed = addrs.find((a) => a.dadFailed);
    if (failed) {
      throw new KernelError(`link ${linkName(sock, index)} has address ${failed.address}/${failed.prefixLength} in DADFAILED state`);
    }
    const tentative = addrs.find((a) => a.tentative);
    if (!tentative) return;
    if (Date.now() >= deadline) {
      throw new KernelError(`link ${linkName(sock, index)} still has tentative address ${tentative.address}/${tentative.prefixLength} after ${timeoutMs} ms`);
    }
    sleepSync(POLL_MS);
  }
}

function linkName(sock: RtnlSocket, index: number): string {
  try {
    return getLinkByIndex(sock, index)?.name ?? `#${index}`;
  } catch {
    return `#${index}`;
  }
}
