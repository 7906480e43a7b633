/**
 * Address operations over a synchronous {@link RtnlSocket}: list, add,
 * delete, and wait for IPv6 duplicate address detection to settle.
 *
 * @module
 */
import { KernelError } from "../errors.ts";
import { AF_UNSPEC, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR } from "./constants.ts";
import type { Addr } from "./address-codec.ts";
import { afOf, encodeAddress, ifaddrmsg, parseAddress } from "./address-codec.ts";
import { getLinkByIndex } from "./link.ts";
import { MessageBuilder } from "./message.ts";
import type { RtnlSocket } from "./socket.ts";
import { sleepSync } from "../sleep-sync.ts";

export type { Addr } from "./address-codec.ts";

/** Filter of {@link listAddresses}. */
export interface AddrFilter {
  /** Only this interface. */
  index?: number;
  /** Only this family. */
  family?: 4 | 6;
}

/**
 * The addresses in the socket's namespace.
 *
 * @param filter optional interface / family filter
 * @throws {SyscallError} when the dump fails
 * @example listAddresses(pod, { index: eth0.index, family: 6 })
 */
export function listAddresses(sock: RtnlSocket, filter: AddrFilter = {}): Addr[] {
  const family = filter.family ? afOf(filter.family) : AF_UNSPEC;
  const msg = new MessageBuilder(RTM_GETADDR, 0, ifaddrmsg(family, 0, 0, filter.index ?? 0));
  return sock.dump(msg, parseAddress).filter((a) => filter.index === undefined || a.index === filter.index);
}

/**
 * Add `address/prefixLength` to the interface. IPv6 addresses go through
 * duplicate address detection unless it is off for the interface.
 *
 * @param opts.noPrefixRoute do not let the kernel add the prefix route
 * @throws {SyscallError} code EEXIST when the address is already there
 * @throws {InvalidConfigError} for a malformed address
 * @example addAddress(pod, eth0.index, "10.1.2.3", 24);
 */
export function addAddress(
  sock: RtnlSocket,
  index: number,
  address: string,
  prefixLength: number,
  opts?: { noPrefixRoute?: boolean },
): void {
  sock.request(encodeAddress(RTM_NEWADDR, index, address, prefixLength, opts));
}

/**
 * Remove `address/prefixLength` from the interface.
 *
 * @throws {SyscallError} code EADDRNOTAVAIL when it is not there
 */
export function deleteAddress(sock: RtnlSocket, index: number, address: string, prefixLength: number): void {
  sock.request(encodeAddress(RTM_DELADDR, index, address, prefixLength));
}

/** Poll interval while waiting for DAD; short because a settled link should cost little. */
const POLL_MS = 10;

/**
 * Wait until no address on the interface is tentative.
 *
 * @param timeoutMs how long to wait
 * @throws {KernelError} naming the address when DAD failed
 *   (`link eth0 has address fd00::2 in DADFAILED state`) or some address is
 *   still tentative after `timeoutMs`
 * @example waitForAddressesSettled(pod, eth0.index, 5000);
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
      throw new KernelError(
        `link ${linkName(sock, index)} still has tentative address ${tentative.address}/${tentative.prefixLength} after ${timeoutMs} ms`,
      );
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
