/**
 * The gateway side of an ADD with `isGateway`: the gateway addresses on the
 * bridge (or on `<bridge>.<vlan>`), the reference's `forceAddress` rules,
 * and IP forwarding per family. Every change pushes its undo.
 *
 * Unlike the reference (docs/REFERENCE.md gap 10) several gateways of one family from the same
 * config do not conflict with one another.
 *
 * @module
 */
import { hasErrno, InvalidConfigError, KernelError } from "../../src/errors.ts";
import { parseIp } from "../../src/ip/ip-bytes.ts";
import { addAddress, deleteAddress, listAddresses, type Addr } from "../../src/netlink/address.ts";
import { listRoutes } from "../../src/netlink/route.ts";
import { createVeth, deleteLink, getLinkByIndex, getLinkByName, setLinkMac, setLinkUp, type Link } from "../../src/netlink/link.ts";
import type { RtnlSocket } from "../../src/netlink/socket.ts";
import { readSysctl, writeSysctl } from "../../src/sysctl.ts";
import { parseCidr, type Cidr } from "../../src/ip/cidr.ts";
import { subnetsOverlap, type GatewayAddr } from "./calc-gateways.ts";
import { applyPortVlans, ignoreErrors, kernel, planPortVlans, randomVethName } from "./links.ts";
import type { UndoList } from "./undo.ts";

/** The decision for one gateway address on a link. Pure. */
export interface AddrDecision {
  /** Already there exactly: nothing to do. */
  present: boolean;
  /** Conflicting addresses to delete (forceAddress) — empty otherwise. */
  remove: Addr[];
  /** Set when a conflict exists and forceAddress is off. */
  conflict: Addr | undefined;
}

const addrText = (a: { address: string; prefixLength: number }) => `${a.address}/${a.prefixLength}`;

/**
 * Decide how to put `gw` on a link that holds `existing` addresses. IPv4:
 * any other global IPv4 address conflicts; IPv6: only overlapping subnets
 * (link-local addresses never). Addresses in `ours` (the other gateways of
 * this ADD) never conflict.
 */
export function decideGatewayAddr(gw: GatewayAddr, existing: readonly Addr[], ours: readonly GatewayAddr[], forceAddress: boolean): AddrDecision {
  const want: Cidr = parseCidr(addrText(gw))!;
  const same = existing.filter((a) => a.family === gw.family);
  if (same.some((a) => a.address === gw.address && a.prefixLength === gw.prefixLength)) {
    return { present: true, remove: [], conflict: undefined };
  }
  const conflicts = same.filter((a) => {
    if (ours.some((o) => o.address === a.address && o.prefixLength === a.prefixLength)) return false;
    if (gw.family === 4) return true;
    if (a.address.toLowerCase().startsWith("fe80:")) return false;
    return subnetsOverlap(parseCidr(addrText(a))!, want);
  });
  if (conflicts.length === 0) return { present: false, remove: [], conflict: undefined };
  return forceAddress ? { present: false, remove: conflicts, conflict: undefined } : { present: false, remove: [], conflict: conflicts[0] };
}

/**
 * Find or create the `<bridge>.<vlan>` gateway interface: a veth pair whose
 * random peer is a bridge port with PVID/untagged `vlan` (as the reference).
 *
 * @throws {KernelError}
 */
export function ensureVlanGatewayIface(sock: RtnlSocket, bridge: Link, vlan: number, preserveDefaultVlan: boolean, undo: UndoList): Link {
  const name = `${bridge.name}.${vlan}`;
  let link = getLinkByName(sock, name);
  if (!link) {
    const peer = randomVethName();
    try {
      createVeth(sock, { name: peer, peerName: name, mtu: bridge.mtu || undefined, masterIndex: bridge.index });
    } catch (err) {
      throw kernel(`failed to create vlan gateway "${name}"`, err);
    }
    undo.push(`delete ${name}`, () => {
      const l = getLinkByName(sock, name);
      if (l) deleteLink(sock, l.index);
    });
    const peerLink = getLinkByName(sock, peer);
    if (!peerLink) throw new KernelError(`failed to lookup "${peer}": link not found`);
    try {
      setLinkUp(sock, peerLink.index);
    } catch (err) {
      throw kernel(`failed to set "${peer}" up`, err);
    }
    ignoreErrors(() => writeSysctl(`net/ipv6/conf/${peer}/accept_ra`, "0"));
    applyPortVlans(sock, peerLink.index, peer, planPortVlans(vlan, undefined, preserveDefaultVlan));
    link = getLinkByName(sock, name);
    if (!link) throw new KernelError(`failed to lookup "${name}": link not found`);
  }
  try {
    setLinkUp(sock, link.index);
  } catch (err) {
    throw kernel(`failed to set "${name}" up`, err);
  }
  return link;
}

/**
 * Put every gateway address on `target` (the bridge or the vlan gateway
 * interface), then pin its MAC so it stops following its lowest port.
 * An address added here is removed on rollback unless `inUseByOthers()`
 * says other pods are attached by then. A gateway the node already has on
 * another interface (its own address, its default gateway's) is refused:
 * taking it would cut the node off its network.
 *
 * @throws {InvalidConfigError} a gateway the node already uses outside `target`
 * @throws {KernelError} `"cni0" already has an IP address different from 10.1.2.1/24`,
 *   `could not add IP address to "cni0": …`, `could not set bridge's mac: …`
 */
export function ensureGatewayAddrs(
  sock: RtnlSocket,
  target: Link,
  gateways: readonly GatewayAddr[],
  forceAddress: boolean,
  undo: UndoList,
  inUseByOthers: () => boolean,
): void {
  if (gateways.length === 0) return;
  for (const gw of gateways) {
    const all = listAddresses(sock, { family: gw.family });
    const d = decideGatewayAddr(
      gw,
      all.filter((a) => a.index === target.index),
      gateways,
      forceAddress,
    );
    if (d.present) continue;
    assertNotTheNodes(sock, gw, target, all);
    if (d.conflict) throw new KernelError(`"${target.name}" already has an IP address different from ${addrText(gw)}`);
    for (const old of d.remove) {
      try {
        deleteAddress(sock, target.index, old.address, old.prefixLength);
      } catch (err) {
        throw kernel(`failed to remove IP address ${addrText(old)} from "${target.name}"`, err);
      }
      undo.push(`restore ${addrText(old)} on ${target.name}`, () => addAddress(sock, target.index, old.address, old.prefixLength));
    }
    try {
      addAddress(sock, target.index, gw.address, gw.prefixLength);
      undo.push(`remove ${addrText(gw)} from ${target.name}`, () => {
        // A concurrent ADD may have attached a pod relying on this gateway meanwhile.
        if (inUseByOthers()) return;
        try {
          deleteAddress(sock, target.index, gw.address, gw.prefixLength);
        } catch (err) {
          if (!hasErrno(err, "EADDRNOTAVAIL", "ENODEV")) throw err;
        }
      });
    } catch (err) {
      if (!hasErrno(err, "EEXIST")) throw kernel(`could not add IP address ${addrText(gw)} to "${target.name}"`, err);
    }
  }
  // A bridge whose last port went away reports 00:00:00:00:00:00, which cannot
  // be written back: pin the MAC it has now (its lowest port's) instead.
  const mac = isUsableMac(target.mac) ? target.mac : getLinkByIndex(sock, target.index)?.mac;
  if (mac && isUsableMac(mac)) {
    try {
      setLinkMac(sock, target.index, mac);
    } catch (err) {
      throw kernel("could not set bridge's mac", err);
    }
  }
}

/**
 * Refuse a gateway the node already uses outside `target`: an address of
 * another interface, or the next hop of one of its routes (its default
 * gateway). Checked only before adding, so once per bridge.
 *
 * @throws {InvalidConfigError}
 */
function assertNotTheNodes(sock: RtnlSocket, gw: GatewayAddr, target: Link, addresses: readonly Addr[]): void {
  const want = parseIp(gw.address);
  if (want === undefined) return;
  const refuse = (what: string) => new InvalidConfigError(`gateway ${gw.address} is ${what}; refusing to put it on "${target.name}"`);
  const owned = addresses.find((a) => a.index !== target.index && sameBytes(parseIp(a.address), want));
  if (owned) throw refuse(`already an address of this node (on "${getLinkByIndex(sock, owned.index)?.name ?? owned.index}")`);
  const hop = listRoutes(sock, { family: gw.family }).find((r) => r.index !== target.index && r.gw !== undefined && sameBytes(parseIp(r.gw), want));
  if (hop) throw refuse(`the next hop of this node's route to ${hop.dst}`);
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Whether a MAC can be assigned: set, not all-zero, not multicast. Pure. */
export function isUsableMac(mac: string | undefined): boolean {
  if (!mac || /^(00:){5}00$/.test(mac)) return false;
  return (parseInt(mac.slice(0, 2), 16) & 1) === 0;
}

/**
 * Turn on forwarding for each family that got a gateway (read first; write
 * only when not already on).
 *
 * @throws {KernelError} `failed to enable forwarding: …`
 */
export function enableForwarding(families: ReadonlySet<4 | 6>): void {
  for (const family of [4, 6] as const) {
    if (!families.has(family)) continue;
    const key = family === 4 ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding";
    try {
      if (readSysctl(key) !== "1") writeSysctl(key, "1");
    } catch (err) {
      throw kernel("failed to enable forwarding", err);
    }
  }
}
