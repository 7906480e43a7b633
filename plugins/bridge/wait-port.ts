/**
 * Waiting for the host port to be oper-UP, with the reference's back-off.
 *
 * @module
 */
import { KernelError } from "../../src/errors.ts";
import { getLinkByIndex } from "../../src/netlink/link.ts";
import type { RtnlSocket } from "../../src/netlink/socket.ts";
import { sleepSync } from "../../src/sleep-sync.ts";

/**
 * Sleeps between checks: ~2.6 s in all like the reference's 0/50/500/1000/1000,
 * but polled finely at first, since a new veth is usually up within a few ms.
 */
const BACKOFF_MS = [0, 2, 4, 8, 16, 20, 50, 500, 1000, 1000];

/**
 * Wait until the link is oper-UP.
 *
 * @throws {KernelError} `bridge port in error state: <state>`
 */
export function waitForPortUp(sock: RtnlSocket, index: number): void {
  let state = "unknown";
  for (const ms of BACKOFF_MS) {
    sleepSync(ms);
    const link = getLinkByIndex(sock, index);
    state = link?.operState.toLowerCase() ?? "gone";
    if (state === "up") return;
  }
  throw new KernelError(`bridge port in error state: ${state}`);
}
