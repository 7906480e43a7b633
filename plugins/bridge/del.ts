/**
 * Bridge DEL, idempotent. The rules need no addresses, so unlike the reference an empty or vanished
 * netns still cleans them (docs/REFERENCE.md gap 2); without the netns the host veth goes too, but
 * only the one ADD recorded. A path that is not a namespace is an error, and IPAM is kept.
 */
import type { AttachmentLock } from "../../src/attachment-lock.ts";
import { delegateIpam, DelegationRefusedError } from "../../src/delegation/delegate.ts";
import { logStep } from "../../src/debug-log/debug-log.ts";
import { faultPoint } from "../../src/fault-injection.ts";
import { teardownMasquerade } from "../../src/netfilter/masquerade.ts";
import { teardownMacSpoofCheck } from "../../src/netfilter/spoofcheck.ts";
import { getLinkByName } from "../../src/netlink/link.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import { NetnsNotFoundError, openNetns, type NetnsHandle } from "../../src/netns/netns.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { loadSettings } from "./config.ts";
import { deleteLinkUnlessGone } from "./delete-link.ts";
import { parseHostVethRecord, removeRecordedHostVeth } from "./host-veth-record.ts";

/** @throws {KernelError} deleting fails for another reason than "gone" */
function removePodInterface(podNs: NetnsHandle, ifName: string): void {
  const pod = RtnlSocket.openInNetns(podNs);
  try {
    const link = getLinkByName(pod, ifName);
    if (link) deleteLinkUnlessGone(pod, link.index, ifName);
  } finally {
    pod.close();
  }
}

/**
 * Call holding the attachment's lock; on success the caller drops its record.
 * @throws {CniError} a bad config, a non-namespace CNI_NETNS, IPAM or netfilter failures
 */
export async function cmdDel(args: CmdArgs, raw: RawConf, lock: AttachmentLock): Promise<void> {
  const s = loadSettings(args, raw);

  // Rules first: nf_tables frees a committed transaction after a grace period, which then
  // passes during the veth's deletion instead of holding up the exit's socket close.
  if (s.macspoofchk) teardownMacSpoofCheck({ containerId: args.containerId, ifName: args.ifName });
  faultPoint("bridge-del:after-spoofcheck");
  if (s.ipMasq && s.ipamType) {
    teardownMasquerade({ network: s.name, containerId: args.containerId, ifName: args.ifName });
  }
  logStep("rules", { macspoofchk: s.macspoofchk, ipMasq: s.ipMasq });

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
        logStep("removePodInterface", { ifName: args.ifName });
        faultPoint("bridge-del:after-pod-iface");
      } finally {
        podNs.close();
      }
    }
  }
  if (!podNs) {
    removeRecordedHostVeth(parseHostVethRecord(lock.readRecord()), s.bridgeName);
    logStep("removeRecordedHostVeth");
  }

  try {
    if (s.ipamType) {
      await delegateIpam("DEL", s.ipamType, args, raw);
      logStep("ipam", { type: s.ipamType });
    }
  } catch (err) {
    // ADD refused this delegation before allocating anything: nothing to release.
    if (!(err instanceof DelegationRefusedError)) throw err;
  }
  faultPoint("bridge-del:after-ipam");
}
