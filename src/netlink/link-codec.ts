import { InvalidConfigError } from "../errors.ts";
import {
  IFF_PROMISC,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_BR_VLAN_FILTERING,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINK,
  IFLA_LINK_NETNSID,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_OPERSTATE,
  RTM_NEWLINK,
} from "./constants.ts";
import { attrString, attrU32, attrU8, parseAttrs, type Attrs } from "./message.ts";

export const IFINFOMSG_LEN = 16;

export interface Link {
  index: number;
  name: string;
  /** Undefined for plain devices like lo. */
  kind: string | undefined;
  /** Lower-case; empty when the device has no hardware address. */
  mac: string;
  mtu: number;
  /** Administratively up. */
  up: boolean;
  operState: string;
  promisc: boolean;
  masterIndex: number | undefined;
  /** A veth's peer ifindex, a vlan's parent. */
  linkIndex: number | undefined;
  /** Set when `linkIndex` is in another namespace. */
  linkNetnsId: number | undefined;
  vlanFiltering?: boolean;
}

const OPER_STATES = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"];

export function ifinfomsg(family: number, index: number, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b[0] = family;
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}

/** @throws {InvalidConfigError} when `mac` is not six colon-separated hex bytes */
export function parseMac(mac: string): Buffer {
  const parts = mac.split(":");
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new InvalidConfigError(`invalid MAC address "${mac}"`);
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** Undefined for other message types. */
export function parseLink(type: number, payload: Buffer): Link | undefined {
  if (type !== RTM_NEWLINK || payload.length < IFINFOMSG_LEN) return undefined;
  const index = payload.readInt32LE(4);
  const flags = payload.readUInt32LE(8);
  const a = parseAttrs(payload, IFINFOMSG_LEN);
  const link: Link = {
    index,
    name: attrString(a.get(IFLA_IFNAME)) ?? "",
    kind: undefined,
    mac: a.has(IFLA_ADDRESS) ? formatMac(a.get(IFLA_ADDRESS)!) : "",
    mtu: attrU32(a.get(IFLA_MTU)) ?? 0,
    up: (flags & IFF_UP) !== 0,
    operState: OPER_STATES[attrU8(a.get(IFLA_OPERSTATE)) ?? 0] ?? "unknown",
    promisc: (flags & IFF_PROMISC) !== 0,
    masterIndex: attrU32(a.get(IFLA_MASTER)) || undefined,
    linkIndex: attrU32(a.get(IFLA_LINK)),
    linkNetnsId: a.has(IFLA_LINK_NETNSID) ? a.get(IFLA_LINK_NETNSID)!.readInt32LE(0) : undefined,
  };
  const info = a.get(IFLA_LINKINFO);
  if (info) decodeLinkInfo(link, parseAttrs(info));
  return link;
}

function decodeLinkInfo(link: Link, info: Attrs): void {
  link.kind = attrString(info.get(IFLA_INFO_KIND));
  const data = info.get(IFLA_INFO_DATA);
  if (data && link.kind === "bridge") {
    const filtering = attrU8(parseAttrs(data).get(IFLA_BR_VLAN_FILTERING));
    if (filtering !== undefined) link.vlanFiltering = filtering !== 0;
  }
}
