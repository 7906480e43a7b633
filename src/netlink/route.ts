import { AF_UNSPEC, RT_TABLE_MAIN, RTM_DELROUTE, RTM_GETROUTE, RTM_NEWROUTE } from "./constants.ts";
import { afOf } from "./address-codec.ts";
import type { RouteEntry, RouteSpec } from "./route-codec.ts";
import { encodeRoute, parseRoute, rtmsg } from "./route-codec.ts";
import { MessageBuilder } from "./message.ts";
import type { RtnlSocket } from "./socket.ts";

export type { RouteEntry, RouteSpec } from "./route-codec.ts";

export interface RouteFilter {
  family?: 4 | 6;
  /** Main (254) by default. */
  table?: number;
  /** Only routes out of this interface. */
  index?: number;
}

/** @throws {SyscallError} when the dump fails */
export function listRoutes(sock: RtnlSocket, filter: RouteFilter = {}): RouteEntry[] {
  const family = filter.family ? afOf(filter.family) : AF_UNSPEC;
  const table = filter.table ?? RT_TABLE_MAIN;
  const msg = new MessageBuilder(RTM_GETROUTE, 0, rtmsg(family, 0, 0, 0, 0, 0));
  return sock.dump(msg, parseRoute).filter((r) => r.table === table && (filter.index === undefined || r.index === filter.index));
}

/**
 * @throws {SyscallError} code EEXIST when it exists, ENETUNREACH when the gateway is not reachable
 * @throws {InvalidConfigError} for a malformed destination or gateway
 */
export function addRoute(sock: RtnlSocket, spec: RouteSpec): void {
  sock.request(encodeRoute(RTM_NEWROUTE, spec));
}

/**
 * Unset fields of `spec` match anything.
 * @throws {SyscallError} code ESRCH when no route matches
 */
export function deleteRoute(sock: RtnlSocket, spec: RouteSpec): void {
  sock.request(encodeRoute(RTM_DELROUTE, spec));
}
