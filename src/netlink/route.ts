/**
 * Route operations over a synchronous {@link RtnlSocket}.
 *
 * @module
 */
import { AF_UNSPEC, RT_TABLE_MAIN, RTM_DELROUTE, RTM_GETROUTE, RTM_NEWROUTE } from "./constants.ts";
import { afOf } from "./address-codec.ts";
import type { RouteEntry, RouteSpec } from "./route-codec.ts";
import { encodeRoute, parseRoute, rtmsg } from "./route-codec.ts";
import { MessageBuilder } from "./message.ts";
import type { RtnlSocket } from "./socket.ts";

export type { RouteEntry, RouteSpec } from "./route-codec.ts";

/** Filter of {@link listRoutes}. */
export interface RouteFilter {
  family?: 4 | 6;
  /** Routing table; main (254) by default. */
  table?: number;
  /** Only routes out of this interface. */
  index?: number;
}

/**
 * The routes of one table (main by default) in the socket's namespace.
 *
 * @throws {SyscallError} when the dump fails
 * @example listRoutes(pod, { family: 4, index: eth0.index })
 */
export function listRoutes(sock: RtnlSocket, filter: RouteFilter = {}): RouteEntry[] {
  const family = filter.family ? afOf(filter.family) : AF_UNSPEC;
  const table = filter.table ?? RT_TABLE_MAIN;
  const msg = new MessageBuilder(RTM_GETROUTE, 0, rtmsg(family, 0, 0, 0, 0, 0));
  return sock
    .dump(msg, parseRoute)
    .filter((r) => r.table === table && (filter.index === undefined || r.index === filter.index));
}

/**
 * Add a route.
 *
 * @throws {SyscallError} code EEXIST when it exists, ENETUNREACH when the gateway is not reachable
 * @throws {InvalidConfigError} for a malformed destination or gateway
 * @example addRoute(pod, { dst: "0.0.0.0/0", gw: "10.1.2.1", index: eth0.index });
 */
export function addRoute(sock: RtnlSocket, spec: RouteSpec): void {
  sock.request(encodeRoute(RTM_NEWROUTE, spec));
}

/**
 * Delete the route matching `spec` (unset fields match anything).
 *
 * @throws {SyscallError} code ESRCH when no route matches
 */
export function deleteRoute(sock: RtnlSocket, spec: RouteSpec): void {
  sock.request(encodeRoute(RTM_DELROUTE, spec));
}
