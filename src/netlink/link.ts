/**
 * Link operations over a synchronous {@link RtnlSocket}: look up, create
 * (bridge, veth, vlan), change and delete network interfaces in the
 * socket's namespace. Kernel refusals throw {@link SyscallError} with the
 * errno kept (EEXIST, ENODEV ...).
 *
 * @module
 */
import { hasErrno, SyscallError } from "../errors.ts";
import { orphansAreReaped } from "../native/orphans.ts";
import type { NetnsHandle } from "../netns/netns.ts";
import {
  AF_UNSPEC,
  IFF_PROMISC,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_BR_VLAN_FILTERING,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
  VETH_INFO_PEER,
} from "./constants.ts";
import type { Link } from "./link-codec.ts";
import { ifinfomsg, parseLink, parseMac } from "./link-codec.ts";
import { MessageBuilder } from "./message.ts";
import type { RtnlSocket } from "./socket.ts";

export type { Link } from "./link-codec.ts";

const CREATE = NLM_F_CREATE | NLM_F_EXCL;

/**
 * The link called `name`, or undefined when there is none.
 *
 * @throws {SyscallError} on kernel failures other than "no such device"
 * @example const br = getLinkByName(sock, "cni0");
 */
export function getLinkByName(sock: RtnlSocket, name: string): Link | undefined {
  try {
    return sock.request(new MessageBuilder(RTM_GETLINK, 0, ifinfomsg(AF_UNSPEC, 0)).str(IFLA_IFNAME, name), parseLink)[0];
  } catch (err) {
    if (hasErrno(err, "ENODEV", "ENOENT")) return undefined;
    throw err;
  }
}

/**
 * The link with ifindex `index`, or undefined when there is none.
 *
 * @throws {SyscallError} on kernel failures other than "no such device"
 */
export function getLinkByIndex(sock: RtnlSocket, index: number): Link | undefined {
  try {
    return sock.request(new MessageBuilder(RTM_GETLINK, 0, ifinfomsg(AF_UNSPEC, index)), parseLink)[0];
  } catch (err) {
    if (hasErrno(err, "ENODEV", "ENOENT")) return undefined;
    throw err;
  }
}

/**
 * Every link in the socket's namespace.
 *
 * @throws {SyscallError} when the dump fails
 */
export function listLinks(sock: RtnlSocket): Link[] {
  return sock.dump(new MessageBuilder(RTM_GETLINK, 0, ifinfomsg(AF_UNSPEC, 0)), parseLink);
}

/** Options of {@link createBridge}. */
export interface BridgeSpec {
  name: string;
  /** MTU; the kernel's default when absent or 0. */
  mtu?: number;
  /** Turn VLAN filtering on (or off) at creation. */
  vlanFiltering?: boolean;
}

/**
 * Create a bridge.
 *
 * @throws {SyscallError} code EEXIST when a link with that name exists
 * @example createBridge(sock, { name: "cni0", mtu: 1500 });
 */
export function createBridge(sock: RtnlSocket, spec: BridgeSpec): void {
  const msg = new MessageBuilder(RTM_NEWLINK, CREATE, ifinfomsg(AF_UNSPEC, 0)).str(IFLA_IFNAME, spec.name);
  if (spec.mtu) msg.u32(IFLA_MTU, spec.mtu);
  msg.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "bridge");
  if (spec.vlanFiltering !== undefined) {
    msg.begin(IFLA_INFO_DATA).u8(IFLA_BR_VLAN_FILTERING, spec.vlanFiltering ? 1 : 0).end();
  }
  sock.request(msg.end());
}

/** Options of {@link createVeth}. */
export interface VethSpec {
  /** Name of the end that stays in the socket's namespace. */
  name: string;
  /** Name of the other end (in `peerNetns` when given). */
  peerName: string;
  /** Where the peer is created; the socket's namespace when absent. */
  peerNetns?: NetnsHandle;
  /** MTU of both ends. */
  mtu?: number;
  /** MAC of `name`. */
  mac?: string;
  /** MAC of the peer. */
  peerMac?: string;
  /** Enslave `name` to this bridge in the same message. */
  masterIndex?: number;
}

/**
 * Create a veth pair in one RTM_NEWLINK: `name` here (enslaved to
 * `masterIndex` when given), the peer created straight in `peerNetns` as
 * `peerName`. Both ends start down; bring the peer up through a socket in
 * its namespace.
 *
 * @throws {SyscallError} code EEXIST when either name is taken
 * @throws {InvalidConfigError} for a malformed MAC
 * @example createVeth(host, { name: "veth1234", peerName: "eth0", peerNetns: ns, masterIndex: br.index });
 */
export function createVeth(sock: RtnlSocket, spec: VethSpec): void {
  const msg = new MessageBuilder(RTM_NEWLINK, CREATE, ifinfomsg(AF_UNSPEC, 0)).str(IFLA_IFNAME, spec.name);
  if (spec.mtu) msg.u32(IFLA_MTU, spec.mtu);
  if (spec.mac) msg.bytes(IFLA_ADDRESS, parseMac(spec.mac));
  if (spec.masterIndex) msg.u32(IFLA_MASTER, spec.masterIndex);
  msg.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "veth").begin(IFLA_INFO_DATA);
  msg.begin(VETH_INFO_PEER).raw(ifinfomsg(AF_UNSPEC, 0)).str(IFLA_IFNAME, spec.peerName);
  if (spec.mtu) msg.u32(IFLA_MTU, spec.mtu);
  if (spec.peerMac) msg.bytes(IFLA_ADDRESS, parseMac(spec.peerMac));
  if (spec.peerNetns) msg.u32(IFLA_NET_NS_FD, spec.peerNetns.fd);
  sock.request(msg.end().end().end());
}

function setFlag(sock: RtnlSocket, index: number, flag: number, on: boolean): void {
  sock.request(new MessageBuilder(RTM_SETLINK, 0, ifinfomsg(AF_UNSPEC, index, on ? flag : 0, flag)));
}

/**
 * Set IFF_UP.
 *
 * @throws {SyscallError} (ENODEV when the link is gone)
 */
export function setLinkUp(sock: RtnlSocket, index: number): void {
  setFlag(sock, index, IFF_UP, true);
}

/**
 * Clear IFF_UP.
 *
 * @throws {SyscallError} (ENODEV when the link is gone)
 */
export function setLinkDown(sock: RtnlSocket, index: number): void {
  setFlag(sock, index, IFF_UP, false);
}

/**
 * Turn promiscuous mode on or off.
 *
 * @throws {SyscallError}
 */
export function setLinkPromisc(sock: RtnlSocket, index: number, on: boolean): void {
  setFlag(sock, index, IFF_PROMISC, on);
}

/**
 * Set the MTU.
 *
 * @throws {SyscallError} (EINVAL when out of the device's range)
 */
export function setLinkMtu(sock: RtnlSocket, index: number, mtu: number): void {
  sock.request(new MessageBuilder(RTM_SETLINK, 0, ifinfomsg(AF_UNSPEC, index)).u32(IFLA_MTU, mtu));
}

/**
 * Set the hardware address.
 *
 * @throws {InvalidConfigError} for a malformed MAC
 * @throws {SyscallError}
 */
export function setLinkMac(sock: RtnlSocket, index: number, mac: string): void {
  sock.request(new MessageBuilder(RTM_SETLINK, 0, ifinfomsg(AF_UNSPEC, index)).bytes(IFLA_ADDRESS, parseMac(mac)));
}

/**
 * Turn VLAN filtering on or off on an existing bridge.
 *
 * @throws {SyscallError}
 */
export function setBridgeVlanFiltering(sock: RtnlSocket, index: number, on: boolean): void {
  const msg = new MessageBuilder(RTM_NEWLINK, 0, ifinfomsg(AF_UNSPEC, index))
    .begin(IFLA_LINKINFO)
    .str(IFLA_INFO_KIND, "bridge")
    .begin(IFLA_INFO_DATA)
    .u8(IFLA_BR_VLAN_FILTERING, on ? 1 : 0);
  sock.request(msg.end().end());
}

/**
 * Delete the link (for a veth, both ends go).
 *
 * @throws {SyscallError} code ENODEV when it does not exist
 */
export function deleteLink(sock: RtnlSocket, index: number): void {
  sock.request(new MessageBuilder(RTM_DELLINK, 0, ifinfomsg(AF_UNSPEC, index)));
}

/** Failures of {@link RtnlSocket.deleteLinkDetached} before the request left this process. */
const NOTHING_SENT = new Set(["setsockopt", "pipe2", "mmap", "clone"]);

/**
 * Delete the link and return as soon as it is gone from its namespace (no
 * name, addresses, routes or bridge port left), leaving the kernel's
 * freeing of the device to a detached child process
 * ({@link RtnlSocket.deleteLinkDetached}). Where no child can be started,
 * or nothing would reap it once it exits (src/native/orphans.ts), the
 * deletion runs here, to the end.
 *
 * @param sock a socket in the link's namespace (it also hears the deletion announced)
 * @param sender a second socket in that namespace, consumed
 * @throws {SyscallError} code ENODEV when it does not exist
 */
export function deleteLinkDetached(sock: RtnlSocket, sender: RtnlSocket, index: number): void {
  if (!orphansAreReaped()) {
    sender.close();
    deleteLink(sock, index);
    return;
  }
  const request = new MessageBuilder(RTM_DELLINK, 0, ifinfomsg(AF_UNSPEC, index));
  try {
    sender.deleteLinkDetached(request, index, sock);
  } catch (err) {
    if (!(err instanceof SyscallError && NOTHING_SENT.has(err.syscall))) throw err;
    deleteLink(sock, index);
  }
}
