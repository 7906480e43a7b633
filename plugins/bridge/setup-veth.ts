/**
 * setupVeth: the pod's veth pair, made with one RTM_NEWLINK from the host
 * side: the host end `veth` + 8 random hex digits enslaved to the bridge,
 * the peer created straight in the pod namespace as CNI_IFNAME. A host-side
 * name clash is retried with a new name (the reference cannot, docs/REFERENCE.md gap 10).
 *
 * @module
 */
import { hasErrno, KernelError } from "../../src/errors.ts";
import { createVeth, getLinkByName, type Link } from "../../src/netlink/link.ts";
import type { RtnlSocket } from "../../src/netlink/socket.ts";
import type { NetnsHandle } from "../../src/netns/netns.ts";
import { kernel } from "./kernel-error.ts";

/** How many host names are tried on EEXIST. */
const NAME_ATTEMPTS = 10;

/** Both ends after creation (both still down). */
export interface VethPair {
  host: Link;
  container: Link;
}

/** Options of {@link setupVeth}. */
export interface VethOptions {
  ifName: string;
  podNetns: NetnsHandle;
  bridgeIndex: number;
  /** 0 = kernel default. */
  mtu: number;
  /** Container end MAC, when configured. */
  mac: string | undefined;
  /** Called with the host name right after the pair exists, to register its undo. */
  onCreated(hostName: string): void;
}

/**
 * A random host veth name: `veth` + 8 lowercase hex digits.
 *
 * The name needs to be unique, not secret (it is visible to anyone on the
 * node, and a clash is retried), so V8's per-process randomly seeded
 * `Math.random` serves: the Web Crypto global would load `node:crypto`,
 * ~20 M instructions more per ADD (BENCHMARKS.md).
 *
 * @example randomVethName() // "vethfb73823e"
 */
export function randomVethName(): string {
  const n = Math.floor(Math.random() * 0x100000000);
  return `veth${n.toString(16).padStart(8, "0")}`;
}

/**
 * Create the pair.
 *
 * @param host socket in the host namespace
 * @param pod socket in the pod namespace
 * @throws {KernelError} `container veth name ("eth0") peer provided ("vethX") already exists`,
 *   `failed to make veth pair: …`, `failed to find a unique veth name`
 */
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
