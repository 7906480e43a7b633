/**
 * Waiting for the host port to be oper-UP, with the reference's back-off.
 *
 * @module
 */
import { KernelError } from "../../src/errors.ts";
import { getLinkByIndex } from "../../src/netlink/link.ts";
import type { RtnlSocket } from "../../src/netlink/socket.ts";

/**
 * Sleeps between checks: ~2.6 s in all like the reference's 0/50/500/1000/1000,
 * but polled finely at first, since a new veth is usually up within a few ms.
 */
const BACKOFF_MS = [0, 2, 4, 8, 16, 20, 50, 500, 1000, 1000];
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Wait until the link is oper-UP.
 *
 * @throws {KernelError} `bridge port in error state: <state>`
 */
export function waitForPortUp(sock: RtnlSocket, index: number): void {
  let state = "unknown";
  for (const ms of BACKOFF_MS) {
    if (ms) Atomics.wait(sleeper, 0, 0, ms);
    const link = getLinkByIndex(sock, index);
    state = link?.operState.toLowerCase() ?? "gone";
    if (state === "up") return;
  }
  throw new KernelError(`bridge port in error state: ${state}`);
}
