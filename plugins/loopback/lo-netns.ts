/** Kernel work on a pod's `lo`, through a netlink socket opened inside the pod's namespace. */
import { logStep } from "../../src/debug-log/debug-log.ts";
import { InvalidEnvError, KernelError } from "../../src/errors.ts";
import { listAddresses } from "../../src/netlink/address.ts";
import { getLinkByName, setLinkDown, setLinkUp, type Link } from "../../src/netlink/link.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import { NetnsNotFoundError } from "../../src/netns/netns.ts";
import type { LoAddress } from "./loopback-address.ts";

export interface LoState {
  up: boolean;
  addresses: LoAddress[];
}

export type LoChange = "up" | "down" | "none";

/**
 * Optionally set `lo` up or down in `netns`, then read its state.
 * @throws {NetnsNotFoundError} the path does not exist (DEL accepts it, the other verbs do not)
 * @throws {NotANetnsError} (4) the path is not a namespace
 * @throws {KernelError} (100) the kernel refuses
 */
export function updateLo(netns: string, change: LoChange): LoState {
  const sock = RtnlSocket.openInNetns(netns);
  try {
    const lo = findLo(sock);
    try {
      if (change === "up") setLinkUp(sock, lo.index);
      if (change === "down") setLinkDown(sock, lo.index);
    } catch (err) {
      throw new KernelError(`failed to set "lo" ${change}: ${(err as Error).message}`, undefined, { cause: err });
    }
    logStep(change === "none" ? "lo read" : `lo ${change}`, { ifindex: lo.index });
    return { up: change === "none" ? lo.up : change === "up", addresses: listLo(sock, lo.index) };
  } finally {
    sock.close();
  }
}

/** `NetnsNotFoundError` as a typed CNI error for verbs that need the namespace (ADD, CHECK). */
export function requireNetns(err: unknown): never {
  if (err instanceof NetnsNotFoundError) throw new InvalidEnvError(err.message);
  throw err;
}

function findLo(sock: RtnlSocket): Link {
  let lo: Link | undefined;
  try {
    lo = getLinkByName(sock, "lo");
  } catch (err) {
    throw new KernelError(`failed to look up "lo": ${(err as Error).message}`, undefined, { cause: err });
  }
  if (!lo) throw new KernelError('failed to look up "lo": Link not found');
  return lo;
}

function listLo(sock: RtnlSocket, index: number): LoAddress[] {
  try {
    return listAddresses(sock, { index }).map((a) => ({ family: a.family, address: a.address, prefixLength: a.prefixLength }));
  } catch (err) {
    throw new KernelError(`failed to list addresses of "lo": ${(err as Error).message}`, undefined, { cause: err });
  }
}
