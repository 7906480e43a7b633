import { InvalidConfigError } from "../errors.ts";
import { parseAddress, parseCidr } from "../ip/cidr.ts";
import { formatIp } from "../ip/ip-bytes.ts";
import {
  AF_INET,
  AF_INET6,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  RT_TABLE_UNSPEC,
  RTA_DST,
  RTA_GATEWAY,
  RTA_METRICS,
  RTA_OIF,
  RTA_PRIORITY,
  RTA_TABLE,
  RTAX_ADVMSS,
  RTAX_MTU,
  RTM_DELROUTE,
  RTM_NEWROUTE,
  RTN_UNICAST,
  RTN_UNSPEC,
  RTPROT_BOOT,
} from "./constants.ts";
import { attrU32, forEachAttr, MessageBuilder, parseAttrs } from "./message.ts";

/** Size of `struct rtmsg`. */
const RTMSG_LEN = 12;

export interface RouteSpec {
  /** "0.0.0.0/0" or "::/0" for a default route. */
  dst: string;
  gw?: string;
  /** Output interface. */
  index?: number;
  /** On add, link for IPv4 routes without a gateway, else universe. */
  scope?: number;
  /** Main (254) by default. */
  table?: number;
  /** Metric. */
  priority?: number;
  mtu?: number;
  advmss?: number;
  /** RTPROT_*, boot by default: marks who installed the route. */
  protocol?: number;
}

export interface RouteEntry extends RouteSpec {
  family: 4 | 6;
  /** RTPROT_* (2 kernel, 3 boot, 4 static ...). */
  protocol: number;
  /** RTN_* (1 unicast, 2 local, 7 unreachable ...). */
  type: number;
}

export function rtmsg(family: number, dstLen: number, table: number, protocol: number, scope: number, type: number): Buffer {
  const b = Buffer.alloc(RTMSG_LEN);
  b[0] = family;
  b[1] = dstLen;
  b[4] = table;
  b[5] = protocol;
  b[6] = scope;
  b[7] = type;
  return b;
}

/**
 * A delete matches any type and (unless given) protocol and scope, like `ip route del`.
 * @throws {InvalidConfigError} for a malformed destination or gateway, or mixed families
 */
export function encodeRoute(type: typeof RTM_NEWROUTE | typeof RTM_DELROUTE, spec: RouteSpec): MessageBuilder {
  const cidr = parseCidr(spec.dst);
  if (!cidr) throw new InvalidConfigError(`invalid CIDR address: ${spec.dst}`);
  const { ip: dst, prefixLength } = cidr;
  const family = cidr.family === 4 ? AF_INET : AF_INET6;
  const gw = spec.gw === undefined ? undefined : parseAddress(spec.gw);
  if (spec.gw !== undefined && (!gw || gw.length !== dst.length)) {
    throw new InvalidConfigError(`invalid gateway "${spec.gw}" for route to ${spec.dst}`);
  }
  const table = spec.table ?? RT_TABLE_MAIN;
  const adding = type === RTM_NEWROUTE;
  const scope = spec.scope ?? (adding ? (family === AF_INET && !gw ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE) : RT_SCOPE_NOWHERE);
  const header = rtmsg(
    family,
    prefixLength,
    table < 256 ? table : RT_TABLE_UNSPEC,
    adding ? (spec.protocol ?? RTPROT_BOOT) : (spec.protocol ?? 0),
    scope,
    adding ? RTN_UNICAST : RTN_UNSPEC,
  );
  const msg = new MessageBuilder(type, adding ? NLM_F_CREATE | NLM_F_EXCL : 0, header);
  msg.u32(RTA_TABLE, table);
  if (prefixLength > 0) msg.bytes(RTA_DST, dst);
  if (gw) msg.bytes(RTA_GATEWAY, gw);
  if (spec.index) msg.u32(RTA_OIF, spec.index);
  if (spec.priority !== undefined) msg.u32(RTA_PRIORITY, spec.priority);
  if (adding && (spec.mtu || spec.advmss)) {
    msg.begin(RTA_METRICS, false);
    if (spec.mtu) msg.u32(RTAX_MTU, spec.mtu);
    if (spec.advmss) msg.u32(RTAX_ADVMSS, spec.advmss);
    msg.end();
  }
  return msg;
}

/** Undefined for other messages and families. */
export function parseRoute(type: number, payload: Buffer): RouteEntry | undefined {
  if (type !== RTM_NEWROUTE || payload.length < RTMSG_LEN) return undefined;
  const af = payload[0];
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const family = af === AF_INET ? 4 : 6;
  const a = parseAttrs(payload, RTMSG_LEN);
  const dstLen = payload[1]!;
  const dstRaw = a.get(RTA_DST);
  const dst = dstRaw ? formatIp(Uint8Array.from(dstRaw)) : family === 4 ? "0.0.0.0" : "::";
  const route: RouteEntry = {
    family,
    dst: `${dst}/${dstLen}`,
    scope: payload[6]!,
    table: attrU32(a.get(RTA_TABLE)) ?? payload[4]!,
    protocol: payload[5]!,
    type: payload[7]!,
  };
  const gw = a.get(RTA_GATEWAY);
  if (gw) route.gw = formatIp(Uint8Array.from(gw));
  const oif = attrU32(a.get(RTA_OIF));
  if (oif !== undefined) route.index = oif;
  const priority = attrU32(a.get(RTA_PRIORITY));
  if (priority !== undefined) route.priority = priority;
  const metrics = a.get(RTA_METRICS);
  if (metrics) {
    forEachAttr(metrics, 0, (t, v) => {
      if (t === RTAX_MTU) route.mtu = v.readUInt32LE(0);
      else if (t === RTAX_ADVMSS) route.advmss = v.readUInt32LE(0);
    });
  }
  return route;
}
