/**
 * The pod end of the veth: sysctls, addresses, link up, DAD settle, routes. Like the reference's
 * `ConfigureIface`, but IPv4-only configs never need IPv6 sysctls (absent where IPv6 is disabled).
 */
import { KernelError } from "../../src/errors.ts";
import { addAddress, waitForAddressesSettled } from "../../src/netlink/address.ts";
import { setLinkUp } from "../../src/netlink/link.ts";
import { addRoute } from "../../src/netlink/route.ts";
import type { RtnlSocket } from "../../src/netlink/socket.ts";
import { withNetns, type NetnsHandle } from "../../src/netns/netns.ts";
import { readSysctl, writeSysctl } from "../../src/sysctl.ts";
import type { IpConfig, Route } from "../../src/types/result.ts";
import { parseCidr } from "../../src/ip/cidr.ts";
import { ignoreErrors, kernel } from "./links.ts";

const DAD_TIMEOUT_MS = 5000;

export interface IfaceOptions {
  podNetns: NetnsHandle;
  ifName: string;
  index: number;
  ips: readonly IpConfig[];
  routes: readonly Route[];
  enableDad: boolean;
  /** Keys written in an earlier visit to the pod, skipped here. */
  sysctlsWritten: ReadonlySet<string>;
}

export interface PodSysctl {
  key: string;
  value: string;
  /** Failing to write it fails the ADD; the others are best effort. */
  fatal: boolean;
  /** Written only when it can be read and differs. */
  onlyIfReadable?: boolean;
}

/** In order; an IPv4-only interface's come first, so they can be written before the addresses are known. */
export function podSysctls(ifName: string, hasV6: boolean, enableDad: boolean): PodSysctl[] {
  const out: PodSysctl[] = [];
  // Best effort: on a host with IPv6 disabled these files do not exist.
  if (enableDad) {
    out.push({ key: `net/ipv6/conf/${ifName}/enhanced_dad`, value: "1", fatal: false });
    out.push({ key: `net/ipv6/conf/${ifName}/accept_dad`, value: "1", fatal: false });
  } else {
    out.push({ key: `net/ipv6/conf/${ifName}/accept_dad`, value: "0", fatal: false });
  }
  out.push({ key: `net/ipv4/conf/${ifName}/arp_notify`, value: "1", fatal: false });
  if (hasV6) {
    out.push({ key: "net/ipv6/conf/lo/disable_ipv6", value: "0", fatal: true, onlyIfReadable: true });
    out.push({ key: `net/ipv6/conf/${ifName}/disable_ipv6`, value: "0", fatal: true, onlyIfReadable: true });
    out.push({ key: `net/ipv6/conf/${ifName}/keep_addr_on_down`, value: "1", fatal: true });
  }
  return out;
}

/** The route's own `gw`, else the first gateway of its family. */
export function routeGateway(route: Route, ips: readonly IpConfig[]): string | undefined {
  if (route.gw) return route.gw;
  const family = parseCidr(route.dst)?.family;
  return ips.find((ip) => ip.gateway && parseCidr(ip.address)?.family === family)?.gateway;
}

/**
 * @param pod a socket in the pod namespace
 * @throws {KernelError} an address, route or fatal IPv6 sysctl the kernel refuses, or DAD failure
 */
export function configureIface(pod: RtnlSocket, o: IfaceOptions): void {
  const cidrs = o.ips.map((ip) => ({ text: ip.address, cidr: parseCidr(ip.address) }));
  const hasV6 = cidrs.some((c) => c.cidr?.family === 6);

  const pending = podSysctls(o.ifName, hasV6, o.enableDad).filter((s) => !o.sysctlsWritten.has(s.key));
  // IPv4-only attachments have nothing left here and skip a visit to the pod.
  if (pending.length > 0) withNetns(o.podNetns, () => writePodSysctls(pending));

  for (const { text, cidr } of cidrs) {
    if (!cidr) throw new KernelError(`failed to add IP addr ${text} to "${o.ifName}": invalid address`);
    try {
      addAddress(pod, o.index, text.slice(0, text.indexOf("/")), cidr.prefixLength);
    } catch (err) {
      throw kernel(`failed to add IP addr ${text} to "${o.ifName}"`, err);
    }
  }
  try {
    setLinkUp(pod, o.index);
  } catch (err) {
    throw kernel(`failed to set "${o.ifName}" UP`, err);
  }
  if (hasV6) waitForAddressesSettled(pod, o.index, DAD_TIMEOUT_MS);

  for (const route of o.routes) {
    const gw = routeGateway(route, o.ips);
    try {
      addRoute(pod, {
        dst: route.dst,
        ...(gw ? { gw } : {}),
        index: o.index,
        ...(route.priority !== undefined ? { priority: route.priority } : {}),
        ...(route.table !== undefined ? { table: route.table } : {}),
        ...(route.scope !== undefined ? { scope: route.scope } : {}),
        ...(route.mtu !== undefined ? { mtu: route.mtu } : {}),
        ...(route.advmss !== undefined ? { advmss: route.advmss } : {}),
      });
    } catch (err) {
      throw kernel(
        `failed to add route '${route.dst}${gw ? ` via ${gw}` : ""} dev ${o.ifName}${route.priority !== undefined ? ` metric ${route.priority}` : ""}'`,
        err,
      );
    }
  }
}

/**
 * The calling thread must be in the pod's namespace (/proc/sys/net follows it).
 * @throws {KernelError} a fatal one cannot be written
 */
export function writePodSysctls(sysctls: readonly PodSysctl[]): void {
  for (const s of sysctls) {
    if (!s.fatal) {
      ignoreErrors(() => writeSysctl(s.key, s.value));
      continue;
    }
    if (s.onlyIfReadable) {
      let current: string | undefined;
      try {
        current = readSysctl(s.key);
      } catch {
        current = undefined;
      }
      if (current === undefined || current === s.value) continue;
    }
    try {
      writeSysctl(s.key, s.value);
    } catch (err) {
      throw kernel(`failed to set ${s.key.replaceAll("/", ".")}=${s.value}`, err);
    }
  }
}
