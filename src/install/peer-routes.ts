/**
 * Keep this node's routes to the other nodes' pod CIDRs (via their
 * InternalIP) equal to a desired set, the way kindnet does for multi-node
 * kind clusters. Our routes carry their own routing protocol number, so a
 * restarted installer finds exactly the routes it owns (and removes stale
 * ones) without touching anybody else's.
 *
 * @module
 */
import { hasErrno } from "../errors.ts";
import { addRoute, deleteRoute, listRoutes, type RouteEntry } from "../netlink/route.ts";
import type { RtnlSocket } from "../netlink/socket.ts";
import type { PeerRoute } from "./route-plan.ts";

/** `rtm_protocol` of the routes cni-ts installs (unassigned in the kernel's and iproute2's lists). */
const RTPROT_CNI_TS = 177;

/** What one reconciliation changed. */
export interface RouteChanges {
  added: PeerRoute[];
  removed: { dst: string; via: string | undefined }[];
  /** Desired routes whose destination already has a route someone else installed. */
  conflicts: PeerRoute[];
  /** Desired routes the kernel refused (e.g. a gateway that is not on-link), with its reason. */
  failed: { route: PeerRoute; reason: string }[];
  /** Our routes in the kernel afterwards. */
  installed: number;
}

/** Our routes in a dump of the main table. */
function ownedRoutes(table: readonly RouteEntry[]): RouteEntry[] {
  return table.filter((r) => r.protocol === RTPROT_CNI_TS);
}

/**
 * Add the missing desired routes, remove our routes that are no longer desired.
 *
 * @param table the main table, when the caller has just read it
 * @throws {SyscallError} when the routes cannot be listed or one of ours cannot be removed
 * @example reconcilePeerRoutes(RtnlSocket.open(), [{ dst: "10.244.1.0/24", via: "172.18.0.3", node: "kind-worker" }])
 */
export function reconcilePeerRoutes(sock: RtnlSocket, desired: readonly PeerRoute[], table: readonly RouteEntry[] = listRoutes(sock)): RouteChanges {
  const changes: RouteChanges = { added: [], removed: [], conflicts: [], failed: [], installed: 0 };
  const key = (dst: string, via: string | undefined) => `${dst} via ${via}`;
  const wanted = new Set(desired.map((r) => key(r.dst, r.via)));
  const owned = ownedRoutes(table);
  for (const route of owned) {
    if (wanted.has(key(route.dst, route.gw))) continue;
    deleteOwned(sock, route);
    changes.removed.push({ dst: route.dst, via: route.gw });
  }
  const have = new Set(owned.map((r) => key(r.dst, r.gw)));
  for (const route of desired) {
    if (have.has(key(route.dst, route.via))) continue;
    try {
      addRoute(sock, { dst: route.dst, gw: route.via, protocol: RTPROT_CNI_TS });
      changes.added.push(route);
    } catch (err) {
      // One unreachable peer must not keep the others' routes out.
      if (hasErrno(err, "EEXIST")) changes.conflicts.push(route);
      else changes.failed.push({ route, reason: (err as Error).message });
    }
  }
  changes.installed = owned.length - changes.removed.length + changes.added.length;
  return changes;
}

/** Remove every route we own (uninstall). */
export function removeOwnedRoutes(sock: RtnlSocket): number {
  const owned = ownedRoutes(listRoutes(sock));
  for (const route of owned) deleteOwned(sock, route);
  return owned.length;
}

/** Delete exactly this route: a route someone else made to the same destination differs in protocol, metric, table or next hop. */
function deleteOwned(sock: RtnlSocket, route: RouteEntry): void {
  const { dst, gw, index, table, priority } = route;
  try {
    deleteRoute(sock, { dst, gw, index, table, priority, protocol: RTPROT_CNI_TS });
  } catch (err) {
    if (!hasErrno(err, "ESRCH")) throw err; // already gone
  }
}
