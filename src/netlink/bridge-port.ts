/**
 * Bridge port settings over a synchronous {@link RtnlSocket}: hairpin and
 * isolation flags (IFLA_PROTINFO) and per-port VLAN membership
 * (IFLA_AF_SPEC / IFLA_BRIDGE_VLAN_INFO), all AF_BRIDGE link messages.
 *
 * @module
 */
import {
  AF_BRIDGE,
  BRIDGE_FLAGS_SELF,
  BRIDGE_VLAN_INFO_PVID,
  BRIDGE_VLAN_INFO_RANGE_BEGIN,
  BRIDGE_VLAN_INFO_RANGE_END,
  BRIDGE_VLAN_INFO_UNTAGGED,
  IFLA_AF_SPEC,
  IFLA_BRIDGE_FLAGS,
  IFLA_BRIDGE_VLAN_INFO,
  IFLA_BRPORT_ISOLATED,
  IFLA_BRPORT_MODE,
  IFLA_EXT_MASK,
  IFLA_PROTINFO,
  RTEXT_FILTER_BRVLAN,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
} from "./constants.ts";
import { ifinfomsg, IFINFOMSG_LEN } from "./link-codec.ts";
import { forEachAttr, MessageBuilder, parseAttrs } from "./message.ts";
import type { RtnlSocket } from "./socket.ts";

export interface BridgePortFlags {
  /** Frames may go back out the port they came in. */
  hairpin: boolean;
  /** No forwarding to other isolated ports. */
  isolated: boolean;
}

export interface BridgeVlan {
  vid: number;
  /** Untagged ingress frames get this VLAN. */
  pvid: boolean;
  /** Egress frames leave without a tag. */
  untagged: boolean;
}

/**
 * Only the flags given are set.
 * @throws {SyscallError} (EOPNOTSUPP / EINVAL when the link is not a bridge port)
 */
export function setBridgePortFlags(sock: RtnlSocket, index: number, flags: Partial<BridgePortFlags>): void {
  const msg = new MessageBuilder(RTM_SETLINK, 0, ifinfomsg(AF_BRIDGE, index)).begin(IFLA_PROTINFO);
  if (flags.hairpin !== undefined) msg.u8(IFLA_BRPORT_MODE, flags.hairpin ? 1 : 0);
  if (flags.isolated !== undefined) msg.u8(IFLA_BRPORT_ISOLATED, flags.isolated ? 1 : 0);
  sock.request(msg.end());
}

function vlanMessage(type: number, index: number, vid: number, flags: number, self: boolean): MessageBuilder {
  const info = Buffer.alloc(4);
  info.writeUInt16LE(flags, 0);
  info.writeUInt16LE(vid, 2);
  const msg = new MessageBuilder(type, 0, ifinfomsg(AF_BRIDGE, index)).begin(IFLA_AF_SPEC, false);
  if (self) msg.u16(IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
  return msg.bytes(IFLA_BRIDGE_VLAN_INFO, info).end();
}

export interface BridgeVlanOptions {
  pvid?: boolean;
  untagged?: boolean;
  /** `index` is the bridge device itself, not a port. */
  self?: boolean;
}

/**
 * Takes effect only when the bridge has VLAN filtering on.
 * @throws {SyscallError} (EOPNOTSUPP on kernels without bridge VLAN filtering)
 */
export function addBridgeVlan(sock: RtnlSocket, index: number, vid: number, opts: BridgeVlanOptions = {}): void {
  const flags = (opts.pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (opts.untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
  sock.request(vlanMessage(RTM_SETLINK, index, vid, flags, opts.self ?? false));
}

/** @throws {SyscallError} code ENOENT when the port does not have it */
export function deleteBridgeVlan(sock: RtnlSocket, index: number, vid: number, opts: { self?: boolean } = {}): void {
  sock.request(vlanMessage(RTM_DELLINK, index, vid, 0, opts.self ?? false));
}

/** Expands ranges; undefined for other messages. */
export function parseBridgeVlans(type: number, payload: Buffer): { index: number; vlans: BridgeVlan[] } | undefined {
  if (type !== RTM_NEWLINK || payload.length < IFINFOMSG_LEN || payload[0] !== AF_BRIDGE) return undefined;
  const spec = parseAttrs(payload, IFINFOMSG_LEN).get(IFLA_AF_SPEC);
  const vlans: BridgeVlan[] = [];
  let rangeStart: number | undefined;
  if (spec) {
    forEachAttr(spec, 0, (t, v) => {
      if (t !== IFLA_BRIDGE_VLAN_INFO || v.length < 4) return;
      const flags = v.readUInt16LE(0);
      const vid = v.readUInt16LE(2);
      if (flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
        rangeStart = vid;
        return;
      }
      const first = flags & BRIDGE_VLAN_INFO_RANGE_END && rangeStart !== undefined ? rangeStart : vid;
      rangeStart = undefined;
      for (let id = first; id <= vid; id++) {
        vlans.push({ vid: id, pvid: (flags & BRIDGE_VLAN_INFO_PVID) !== 0, untagged: (flags & BRIDGE_VLAN_INFO_UNTAGGED) !== 0 });
      }
    });
  }
  return { index: payload.readInt32LE(4), vlans };
}

/**
 * In VID order.
 * @throws {SyscallError} when the dump fails
 */
export function listBridgeVlans(sock: RtnlSocket, index: number): BridgeVlan[] {
  const msg = new MessageBuilder(RTM_GETLINK, 0, ifinfomsg(AF_BRIDGE, 0)).u32(IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
  const seen = new Map<number, BridgeVlan>();
  for (const entry of sock.dump(msg, parseBridgeVlans)) {
    if (entry.index === index) for (const v of entry.vlans) seen.set(v.vid, v);
  }
  return [...seen.values()].sort((a, b) => a.vid - b.vid);
}
