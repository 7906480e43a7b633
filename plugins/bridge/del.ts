/**
 * Bridge DEL, idempotent. Removes the pod interface, releases IPAM, and
 * removes the attachment's masquerade and spoof-check rules, which need no addresses: so unlike the reference
 * (docs/REFERENCE.md gap 2) an empty or vanished netns still cleans the rules. A path that
 * exists but is not a namespace is an error (IPAM is then kept). With the
 * namespace unreachable, the host veth named in prevResult is removed too.
 *
 * @module
 */
import { parsePrevResult } from "../../src/config/prev-result.ts";
import { hasErrno } from "../../src/errors.ts";
import { delegateIpam } from "../../src/ipam/delegate.ts";
import { faultPoint } from "../../src/fault-injection.ts";
import { teardownMasquerade } from "../../src/netfilter/masquerade.ts";
import { teardownMacSpoofCheck } from "../../src/netfilter/spoofcheck.ts";
import { deleteLink, getLinkByName } from "../../src/netlink/link.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import { NetnsNotFoundError, openNetns, type NetnsHandle } from "../../src/netns/netns.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { loadSettings } from "./config.ts";
import { kernel } from "./kernel-error.ts";

/**
 * Delete the container interface if present.
 *
 * @throws {KernelError} when deleting fails for another reason than "gone"
 */
export function removePodInterface(podNs: NetnsHandle, ifName: string): void {
  const pod = RtnlSocket.openInNetns(podNs);
  try {
    const link = getLinkByName(pod, ifName);
    if (!link) return;
    try {
      deleteLink(pod, link.index);
    } catch (err) {
      if (!hasErrno(err, "ENODEV", "ENOENT")) throw kernel(`failed to delete "${ifName}"`, err);
    }
  } finally {
    pod.close();
  }
}

/**
 * When the pod's namespace can no longer be entered (path gone, or no
 * CNI_NETNS) but still lives on (held by a process), its veth pair stays.
 * The host end named in prevResult is removed when it still is what ADD
 * made: a veth on this bridge whose peer is in another namespace.
 * Best effort: a malformed prevResult is ignored here.
 */
export function removeOrphanHostVeth(raw: RawConf, bridgeName: string): void {
  let prev;
  try {
    prev = parsePrevResult(raw);
  } catch {
    return;
  }
  const names = (prev?.interfaces ?? []).filter((i) => i.sandbox === undefined && /^veth[0-9a-f]{8}$/.test(i.name)).map((i) => i.name);
  if (names.length === 0) return;
  const host = RtnlSocket.open();
  try {
    const bridge = getLinkByName(host, bridgeName);
    for (const name of names) {
      const link = getLinkByName(host, name);
      if (!bridge || !link || link.kind !== "veth" || link.masterIndex !== bridge.index || link.linkNetnsId === undefined) continue;
      try {
        deleteLink(host, link.index);
      } catch (err) {
        if (!hasErrno(err, "ENODEV", "ENOENT")) throw kernel(`failed to delete "${name}"`, err);
      }
    }
  } finally {
    host.close();
  }
}

/**
 * DEL: detach the pod.
 *
 * @throws {CniError} a bad config, a non-namespace CNI_NETNS, IPAM or netfilter failures
 */
export async function cmdDel(args: CmdArgs, raw: RawConf): Promise<void> {
  const s = loadSettings(args, raw);

  let podNs: NetnsHandle | undefined;
  if (args.netns) {
    try {
      podNs = openNetns(args.netns);
    } catch (err) {
      if (!(err instanceof NetnsNotFoundError)) throw err;
    }
    if (podNs) {
      try {
        removePodInterface(podNs, args.ifName);
        faultPoint("bridge-del:after-pod-iface");
      } finally {
        podNs.close();
      }
    }
  }
  if (!podNs) removeOrphanHostVeth(raw, s.bridgeName);

  if (s.ipamType) await delegateIpam("DEL", s.ipamType, args, raw);
  faultPoint("bridge-del:after-ipam");

  if (s.macspoofchk) teardownMacSpoofCheck({ containerId: args.containerId, ifName: args.ifName });
  faultPoint("bridge-del:after-spoofcheck");
  if (s.ipMasq && s.ipamType) {
    teardownMasquerade({ network: s.name, containerId: args.containerId, ifName: args.ifName });
  }
}
