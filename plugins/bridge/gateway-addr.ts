/**
 * The gateway side of an ADD: addresses on the bridge (or `<bridge>.<vlan>`), the reference's
 * `forceAddress` rules and forwarding; each change pushes its undo. Unlike the reference, gateways
 * of one family from the same config do not conflict (docs/REFERENCE.md gap 10).
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

export interface AddrDecision {
  present: boolean;
  /** With forceAddress: the conflicting addresses to delete. */
  remove: Addr[];
  /** Without forceAddress: the first conflict. */
  conflict: Addr | undefined;
}

const addrText = (a: { address: string; prefixLength: number }) => `${a.address}/${a.prefixLength}`;

/**
 * Any other IPv4 address conflicts; an IPv6 one only when its subnet overlaps, never link-local.
 * `ours`, this ADD's other gateways, never conflict.
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
 * As the reference, `<bridge>.<vlan>` is a veth whose random peer is a bridge port with PVID/untagged `vlan`.
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
 * Then pin `target`'s MAC so it stops following its lowest port. Rollback keeps an added address
 * when `inUseByOthers()`.
 * @throws {InvalidConfigError} a gateway the node already uses elsewhere: taking it would cut the node off
 * @throws {KernelError} a conflicting address without forceAddress, or the kernel refuses
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
  // A bridge whose last port went away reports 00:00:00:00:00:00, which cannot be written back:
  // pin the MAC it has now instead.
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
 * An address of another interface, or a route's next hop (its default gateway). Checked only
 * before adding, so once per bridge.
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

/** Set, not all-zero, not multicast. */
export function isUsableMac(mac: string | undefined): boolean {
  if (!mac || /^(00:){5}00$/.test(mac)) return false;
  return (parseInt(mac.slice(0, 2), 16) & 1) === 0;
}

/** @throws {KernelError} */
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
