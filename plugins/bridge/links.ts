/**
 * The kernel steps of an attachment's links: the bridge, the veth pair and its host end as a
 * bridge port. Unlike the reference, an existing bridge also gets the configured MTU and vlan_filtering.
 */
import { CniError, hasErrno, InvalidEnvError, KernelError } from "../../src/errors.ts";
import { addBridgeVlan, deleteBridgeVlan, listBridgeVlans, setBridgePortFlags } from "../../src/netlink/bridge-port.ts";
import {
  createBridge,
  createVeth,
  getLinkByIndex,
  getLinkByName,
  setBridgeVlanFiltering,
  setLinkMtu,
  setLinkPromisc,
  setLinkUp,
  type Link,
} from "../../src/netlink/link.ts";
import type { RtnlSocket } from "../../src/netlink/socket.ts";
import { openNetns, type NetnsHandle } from "../../src/netns/netns.ts";
import { sleepSync } from "../../src/sleep-sync.ts";
import { writeSysctl } from "../../src/sysctl.ts";
import type { BridgeSettings } from "./config.ts";

/** `<what>: <cause message>`, keeping the cause. */
export function kernel(what: string, err: unknown): KernelError {
  return new KernelError(`${what}: ${(err as Error).message}`, undefined, { cause: err });
}

/** For best-effort steps, e.g. an IPv6 sysctl on a host without IPv6. */
export function ignoreErrors(fn: () => void): void {
  try {
    fn();
  } catch {
    // best effort, as the reference
  }
}

/** @throws {InvalidEnvError} with the reference's `failed to open netns` text */
export function openPodNetns(path: string): NetnsHandle {
  try {
    return openNetns(path);
  } catch (err) {
    const msg = err instanceof CniError ? err.msg : (err as Error).message;
    throw new InvalidEnvError(`failed to open netns "${path}": ${msg}`);
  }
}

export interface EnsuredBridge {
  link: Link;
  created: boolean;
}

/** @throws {KernelError} the name is not a bridge, or the kernel refuses */
export function ensureBridge(sock: RtnlSocket, s: BridgeSettings): EnsuredBridge {
  const name = s.bridgeName;
  let created = false;
  let link = getLinkByName(sock, name);
  if (!link) {
    try {
      createBridge(sock, { name, mtu: s.mtu || undefined, vlanFiltering: s.vlanFiltering ? true : undefined });
      created = true;
    } catch (err) {
      if (!hasErrno(err, "EEXIST")) throw kernel(`failed to create bridge "${name}"`, err);
    }
    link = getLinkByName(sock, name);
    if (!link) throw new KernelError(`failed to create bridge "${name}": link not found after creation`);
  }
  if (link.kind !== "bridge") throw new KernelError(`"${name}" already exists but is not a bridge`);

  let changed = false;
  if (s.mtu > 0 && link.mtu !== s.mtu) {
    changed = true;
    try {
      setLinkMtu(sock, link.index, s.mtu);
    } catch (err) {
      throw kernel(`failed to set MTU ${s.mtu} on bridge "${name}"`, err);
    }
  }
  if (s.vlanFiltering && !link.vlanFiltering) {
    changed = true;
    try {
      setBridgeVlanFiltering(sock, link.index, true);
    } catch (err) {
      throw kernel(`failed to enable vlan_filtering on bridge "${name}"`, err);
    }
  }
  if (s.promiscMode && !link.promisc) {
    changed = true;
    try {
      setLinkPromisc(sock, link.index, true);
    } catch (err) {
      throw kernel(`could not set promiscuous mode on "${name}"`, err);
    }
  }
  ignoreErrors(() => writeSysctl(`net/ipv6/conf/${name}/accept_ra`, "0"));
  // Already up and unchanged (every ADD after the first): no SETLINK, no second lookup.
  if (link.up && !changed) return { link, created };
  try {
    setLinkUp(sock, link.index);
  } catch (err) {
    throw kernel(`failed to set bridge "${name}" up`, err);
  }
  return { link: getLinkByName(sock, name) ?? link, created };
}

/** Host names tried on EEXIST. */
const NAME_ATTEMPTS = 10;

/** Both ends, still down. */
export interface VethPair {
  host: Link;
  container: Link;
}

export interface VethOptions {
  ifName: string;
  podNetns: NetnsHandle;
  bridgeIndex: number;
  /** 0 = kernel default. */
  mtu: number;
  mac: string | undefined;
  /** Called right after the pair exists, to register its undo. */
  onCreated(hostName: string): void;
}

/**
 * `veth` + 8 hex digits. Unique, not secret (visible on the node; a clash is retried), so
 * `Math.random` serves and `node:crypto` stays off the ADD path.
 */
export function randomVethName(): string {
  const n = Math.floor(Math.random() * 0x100000000);
  return `veth${n.toString(16).padStart(8, "0")}`;
}

/** @throws {KernelError} `ifName` exists in the pod, no unique host name, or the kernel refuses */
export function setupVeth(host: RtnlSocket, pod: RtnlSocket, o: VethOptions): VethPair {
  for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
    const hostName = randomVethName();
    try {
      createVeth(host, {
        name: hostName,
        peerName: o.ifName,
        peerNetns: o.podNetns,
        mtu: o.mtu || undefined,
        peerMac: o.mac,
        masterIndex: o.bridgeIndex,
      });
    } catch (err) {
      if (!hasErrno(err, "EEXIST")) throw kernel("failed to make veth pair", err);
      if (getLinkByName(pod, o.ifName)) {
        throw new KernelError(`container veth name ("${o.ifName}") peer provided ("${hostName}") already exists`);
      }
      if (getLinkByName(host, hostName)) continue;
      throw kernel("failed to make veth pair", err);
    }
    o.onCreated(hostName);
    const hostLink = getLinkByName(host, hostName);
    const container = getLinkByName(pod, o.ifName);
    if (!hostLink) throw new KernelError(`failed to lookup "${hostName}": link not found`);
    if (!container) throw new KernelError(`failed to lookup "${o.ifName}": link not found`);
    return { host: hostLink, container };
  }
  throw new KernelError("failed to find a unique veth name");
}

export interface PortVlanPlan {
  /** Remove the port's existing VLAN entries first (normally VID 1). */
  flushExisting: boolean;
  /** PVID + untagged. */
  native: number | undefined;
  tagged: number[];
}

/** Trunk VIDs are tagged; the native VLAN is `vlan`, or VID 1 for a trunk without one. Pure. */
export function planPortVlans(vlan: number, trunkVids: readonly number[] | undefined, preserveDefaultVlan: boolean): PortVlanPlan {
  const hasTrunk = !!trunkVids && trunkVids.length > 0;
  if (vlan === 0 && !hasTrunk) return { flushExisting: false, native: undefined, tagged: [] };
  const native = vlan !== 0 ? vlan : 1;
  return {
    flushExisting: !preserveDefaultVlan,
    native,
    tagged: (trunkVids ?? []).filter((v) => v !== native),
  };
}

/** @throws {KernelError} naming the port */
export function applyPortVlans(sock: RtnlSocket, index: number, name: string, plan: PortVlanPlan): void {
  try {
    if (plan.flushExisting) {
      for (const v of listBridgeVlans(sock, index)) deleteBridgeVlan(sock, index, v.vid);
    }
    if (plan.native !== undefined) addBridgeVlan(sock, index, plan.native, { pvid: true, untagged: true });
    for (const vid of plan.tagged) addBridgeVlan(sock, index, vid, {});
  } catch (err) {
    throw kernel(`failed to setup vlan tag on interface "${name}"`, err);
  }
}

export interface HostPortOptions {
  index: number;
  name: string;
  hairpin: boolean;
  isolated: boolean;
  vlans: PortVlanPlan;
}

/** @throws {KernelError} */
export function configureHostPort(sock: RtnlSocket, o: HostPortOptions): void {
  try {
    setLinkUp(sock, o.index);
  } catch (err) {
    throw kernel(`failed to set "${o.name}" up`, err);
  }
  ignoreErrors(() => writeSysctl(`net/ipv6/conf/${o.name}/accept_ra`, "0"));
  try {
    setBridgePortFlags(sock, o.index, { hairpin: o.hairpin, isolated: o.isolated });
  } catch (err) {
    throw kernel(`failed to setup hairpin mode for ${o.name}`, err);
  }
  applyPortVlans(sock, o.index, o.name, o.vlans);
}

/** ~2.6 s in all, like the reference's 0/50/500/1000/1000, but finer at first: a new veth is usually up within ms. */
const BACKOFF_MS = [0, 2, 4, 8, 16, 20, 50, 500, 1000, 1000];

/** @throws {KernelError} the link is not oper-UP in time */
export function waitForPortUp(sock: RtnlSocket, index: number): void {
  let state = "unknown";
  for (const ms of BACKOFF_MS) {
    sleepSync(ms);
    const link = getLinkByIndex(sock, index);
    state = link?.operState.toLowerCase() ?? "gone";
    if (state === "up") return;
  }
  throw new KernelError(`bridge port in error state: ${state}`);
}
