import { InvalidConfigError } from "../errors.ts";
import { parseAddress as addressBytes } from "../ip/cidr.ts";
import { formatIp } from "../ip/ip-bytes.ts";
import {
  AF_INET,
  AF_INET6,
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_F_DADFAILED,
  IFA_F_NOPREFIXROUTE,
  IFA_F_TENTATIVE,
  IFA_FLAGS,
  IFA_LOCAL,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_DELADDR,
  RTM_NEWADDR,
} from "./constants.ts";
import { attrU32, MessageBuilder, parseAttrs } from "./message.ts";

/** Size of `struct ifaddrmsg`. */
const IFADDRMSG_LEN = 8;

export interface Addr {
  index: number;
  family: 4 | 6;
  /** Canonical text, no prefix. */
  address: string;
  prefixLength: number;
  /** RT_SCOPE_* (0 global, 253 link, 254 host). */
  scope: number;
  /** IFA_F_* (the 32-bit IFA_FLAGS when present). */
  flags: number;
  /** IPv6 DAD still running. */
  tentative: boolean;
  dadFailed: boolean;
}

export function ifaddrmsg(family: number, prefixLength: number, scope: number, index: number): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b[0] = family;
  b[1] = prefixLength;
  b[3] = scope;
  b.writeUInt32LE(index, 4);
  return b;
}

export function afOf(family: 4 | 6): number {
  return family === 4 ? AF_INET : AF_INET6;
}

function checkedAddress(address: string, prefixLength: number): Uint8Array {
  const bytes = addressBytes(address);
  if (!bytes || !Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > bytes.length * 8) {
    throw new InvalidConfigError(`invalid address "${address}/${prefixLength}"`);
  }
  return bytes;
}

function broadcastOf(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let bit = prefixLength; bit < 32; bit++) out[bit >> 3]! |= 0x80 >> (bit & 7);
  return out;
}

/**
 * IPv4 addresses shorter than /31 get their broadcast address, as the reference's netlink library does.
 * @throws {InvalidConfigError} for a malformed address or prefix
 */
export function encodeAddress(
  type: typeof RTM_NEWADDR | typeof RTM_DELADDR,
  index: number,
  address: string,
  prefixLength: number,
  opts: { noPrefixRoute?: boolean } = {},
): MessageBuilder {
  const bytes = checkedAddress(address, prefixLength);
  const family = bytes.length === 4 ? AF_INET : AF_INET6;
  const flags = type === RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0;
  const msg = new MessageBuilder(type, flags, ifaddrmsg(family, prefixLength, 0, index));
  msg.bytes(IFA_LOCAL, bytes).bytes(IFA_ADDRESS, bytes);
  if (type === RTM_NEWADDR) {
    if (family === AF_INET && prefixLength < 31) msg.bytes(IFA_BROADCAST, broadcastOf(bytes, prefixLength));
    if (opts.noPrefixRoute) msg.u32(IFA_FLAGS, IFA_F_NOPREFIXROUTE);
  }
  return msg;
}

/** Undefined for other messages and families. */
export function parseAddress(type: number, payload: Buffer): Addr | undefined {
  if (type !== RTM_NEWADDR || payload.length < IFADDRMSG_LEN) return undefined;
  const af = payload[0];
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const a = parseAttrs(payload, IFADDRMSG_LEN);
  // IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer on point-to-point links).
  const raw = a.get(IFA_LOCAL) ?? a.get(IFA_ADDRESS);
  if (!raw) return undefined;
  const flags = attrU32(a.get(IFA_FLAGS)) ?? payload[2]!;
  return {
    index: payload.readUInt32LE(4),
    family: af === AF_INET ? 4 : 6,
    address: formatIp(Uint8Array.from(raw)),
    prefixLength: payload[1]!,
    scope: payload[3]!,
    flags,
    tentative: (flags & IFA_F_TENTATIVE) !== 0,
    dadFailed: (flags & IFA_F_DADFAILED) !== 0,
  };
}
