// Link operations; kernel refusals throw SyscallError with the errno kept (EEXIST, ENODEV ...).
import { hasErrno } from "../errors.ts";
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

/** @throws {SyscallError} on kernel failures other than "no such device" */
export function getLinkByName(sock: RtnlSocket, name: string): Link | undefined {
  try {
    return sock.request(new MessageBuilder(RTM_GETLINK, 0, ifinfomsg(AF_UNSPEC, 0)).str(IFLA_IFNAME, name), parseLink)[0];
  } catch (err) {
    if (hasErrno(err, "ENODEV", "ENOENT")) return undefined;
    throw err;
  }
}

/** @throws {SyscallError} on kernel failures other than "no such device" */
export function getLinkByIndex(sock: RtnlSocket, index: number): Link | undefined {
  try {
    return sock.request(new MessageBuilder(RTM_GETLINK, 0, ifinfomsg(AF_UNSPEC, index)), parseLink)[0];
  } catch (err) {
    if (hasErrno(err, "ENODEV", "ENOENT")) return undefined;
    throw err;
  }
}

/** @throws {SyscallError} when the dump fails */
export function listLinks(sock: RtnlSocket): Link[] {
  return sock.dump(new MessageBuilder(RTM_GETLINK, 0, ifinfomsg(AF_UNSPEC, 0)), parseLink);
}

export interface BridgeSpec {
  name: string;
  /** The kernel's default when absent or 0. */
  mtu?: number;
  vlanFiltering?: boolean;
}

/** @throws {SyscallError} code EEXIST when a link with that name exists */
export function createBridge(sock: RtnlSocket, spec: BridgeSpec): void {
  const msg = new MessageBuilder(RTM_NEWLINK, CREATE, ifinfomsg(AF_UNSPEC, 0)).str(IFLA_IFNAME, spec.name);
  if (spec.mtu) msg.u32(IFLA_MTU, spec.mtu);
  msg.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "bridge");
  if (spec.vlanFiltering !== undefined) {
    msg
      .begin(IFLA_INFO_DATA)
      .u8(IFLA_BR_VLAN_FILTERING, spec.vlanFiltering ? 1 : 0)
      .end();
  }
  sock.request(msg.end());
}

export interface VethSpec {
  /** The end that stays in the socket's namespace. */
  name: string;
  peerName: string;
  /** The socket's namespace when absent. */
  peerNetns?: NetnsHandle;
  /** Of both ends. */
  mtu?: number;
  mac?: string;
  peerMac?: string;
  /** Enslave `name` to this bridge in the same message. */
  masterIndex?: number;
}

/**
 * One RTM_NEWLINK creates both ends, the peer straight in `peerNetns`. Both start down.
 * @throws {SyscallError} code EEXIST when either name is taken
 * @throws {InvalidConfigError} for a malformed MAC
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

/** @throws {SyscallError} (ENODEV when the link is gone) */
export function setLinkUp(sock: RtnlSocket, index: number): void {
  setFlag(sock, index, IFF_UP, true);
}

/** @throws {SyscallError} (ENODEV when the link is gone) */
export function setLinkDown(sock: RtnlSocket, index: number): void {
  setFlag(sock, index, IFF_UP, false);
}

/** @throws {SyscallError} */
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
 * @throws {InvalidConfigError} for a malformed MAC
 * @throws {SyscallError}
 */
export function setLinkMac(sock: RtnlSocket, index: number, mac: string): void {
  sock.request(new MessageBuilder(RTM_SETLINK, 0, ifinfomsg(AF_UNSPEC, index)).bytes(IFLA_ADDRESS, parseMac(mac)));
}

/** @throws {SyscallError} */
export function setBridgeVlanFiltering(sock: RtnlSocket, index: number, on: boolean): void {
  const msg = new MessageBuilder(RTM_NEWLINK, 0, ifinfomsg(AF_UNSPEC, index))
    .begin(IFLA_LINKINFO)
    .str(IFLA_INFO_KIND, "bridge")
    .begin(IFLA_INFO_DATA)
    .u8(IFLA_BR_VLAN_FILTERING, on ? 1 : 0);
  sock.request(msg.end().end());
}

/**
 * For a veth, both ends go.
 * @throws {SyscallError} code ENODEV when it does not exist
 */
export function deleteLink(sock: RtnlSocket, index: number): void {
  sock.request(new MessageBuilder(RTM_DELLINK, 0, ifinfomsg(AF_UNSPEC, index)));
}
