/**
 * Bridge DEL, idempotent. Removes the pod interface, releases IPAM, and
 * removes the attachment's masquerade and spoof-check rules, which need no addresses: so unlike the reference
 * (docs/REFERENCE.md gap 2) an empty or vanished netns still cleans the rules. A path that
 * exists but is not a namespace is an error (IPAM is then kept). With the
 * namespace unreachable, the host veth is removed too, but only the one ADD
 * recorded for this attachment (./host-veth-record.ts).
 *
 * @module
 */
import type { AttachmentLock } from "../../src/attachment-lock.ts";
import { delegateIpam } from "../../src/ipam/delegate.ts";
import { faultPoint } from "../../src/fault-injection.ts";
import { teardownMasquerade } from "../../src/netfilter/masquerade.ts";
import { teardownMacSpoofCheck } from "../../src/netfilter/spoofcheck.ts";
import { getLinkByName } from "../../src/netlink/link.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import { NetnsNotFoundError, openNetns, withNetns, type NetnsHandle } from "../../src/netns/netns.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { loadSettings } from "./config.ts";
import { deleteLinkUnlessGone } from "./delete-link.ts";
import { parseHostVethRecord, removeRecordedHostVeth } from "./host-veth-record.ts";

/**
 * Delete the container interface if present.
 *
 * @throws {KernelError} when deleting fails for another reason than "gone"
 */
function removePodInterface(podNs: NetnsHandle, ifName: string): void {
  // The second socket sends the deletion from a detached child, so DEL does
  // not wait for the kernel to free the veth once it is gone (~15 ms).
  const [pod, sender] = withNetns(podNs, () => {
    const first = RtnlSocket.open();
    try {
      return [first, RtnlSocket.open()];
    } catch (err) {
      first.close();
      throw err;
    }
  });
  try {
    const link = getLinkByName(pod, ifName);
    if (link) deleteLinkUnlessGone(pod, link.index, ifName, sender);
  } finally {
    sender.close();
    pod.close();
  }
}

/**
 * DEL: detach the pod. Call holding the attachment's lock; on success the
 * caller drops the attachment's record.
 *
 * @throws {CniError} a bad config, a non-namespace CNI_NETNS, IPAM or netfilter failures
 */
export async function cmdDel(args: CmdArgs, raw: RawConf, lock: AttachmentLock): Promise<void> {
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
  if (!podNs) removeRecordedHostVeth(parseHostVethRecord(lock.readRecord()), s.bridgeName);

  if (s.ipamType) await delegateIpam("DEL", s.ipamType, args, raw);
  faultPoint("bridge-del:after-ipam");

  if (s.macspoofchk) teardownMacSpoofCheck({ containerId: args.containerId, ifName: args.ifName });
  faultPoint("bridge-del:after-spoofcheck");
  if (s.ipMasq && s.ipamType) {
    teardownMasquerade({ network: s.name, containerId: args.containerId, ifName: args.ifName });
  }
}
