/**
 * What the node agent needs to know about the node's own networking before
 * it routes to other nodes' pods or writes the conflist: its addresses (and
 * so its connected networks), its default routes, and the MTU of the
 * interface that carries them. One netlink dump each of links, addresses and
 * main-table routes; the choice of uplink is pure.
 *
 * @module
 */
import { listAddresses } from "../netlink/address.ts";
import { RTN_UNICAST } from "../netlink/constants.ts";
import { listLinks } from "../netlink/link.ts";
import { listRoutes, type RouteEntry } from "../netlink/route.ts";
import type { RtnlSocket } from "../netlink/socket.ts";

/** An address on one of the node's interfaces. */
interface HostAddress {
  address: string;
  prefixLength: number;
  ifname: string;
  /** The interface's MTU. */
  mtu: number;
}

/** A default route of the main table. */
interface HostDefaultRoute {
  family: 4 | 6;
  /** Next hop; absent for a device route. */
  gw: string | undefined;
  /** Out interface and its MTU; absent for a multipath route. */
  ifname: string | undefined;
  mtu: number | undefined;
  metric: number;
}

/** The node's networking as the planners see it. */
export interface HostView {
  addresses: HostAddress[];
  defaultRoutes: HostDefaultRoute[];
}

/**
 * Read the view from the socket's namespace.
 *
 * @param routes the main table, when the caller has just read it (the agent's reconcile reads it once for this and for its own routes)
 * @throws {SyscallError} when a dump fails
 */
export function readHostView(sock: RtnlSocket, routes: readonly RouteEntry[] = listRoutes(sock)): HostView {
  const links = new Map(listLinks(sock).map((l) => [l.index, l]));
  const addresses = listAddresses(sock).flatMap((a) => {
    const link = links.get(a.index);
    return link ? [{ address: a.address, prefixLength: a.prefixLength, ifname: link.name, mtu: link.mtu }] : [];
  });
  const defaultRoutes = routes
    .filter((r) => r.dst.endsWith("/0") && r.type === RTN_UNICAST)
    .map((r) => {
      const link = r.index === undefined ? undefined : links.get(r.index);
      return { family: r.family, gw: r.gw, ifname: link?.name, mtu: link?.mtu, metric: r.priority ?? 0 };
    });
  return { addresses, defaultRoutes };
}

/**
 * The MTU of the node's uplink: the interface of the preferred default route
 * (lowest metric, IPv4 first), else the interface holding one of the node's
 * InternalIPs; undefined when neither is known (the kernel's default applies).
 *
 * @example uplinkMtu(view, ["172.18.0.2"]) // 1500
 */
export function uplinkMtu(view: HostView, internalIps: readonly string[]): number | undefined {
  const routes = view.defaultRoutes.filter((r) => r.mtu !== undefined).sort((a, b) => a.metric - b.metric || a.family - b.family);
  if (routes[0] !== undefined) return routes[0].mtu;
  return view.addresses.find((a) => internalIps.includes(a.address))?.mtu;
}
