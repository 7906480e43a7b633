/**
 * Bridge GC (the reference has none, docs/REFERENCE.md gap 1): IPAM GC, then the rules, host veth
 * and record of this network's attachments not in `cni.dev/valid-attachments`.
 */
import { delegateIpam } from "../../src/delegation/delegate.ts";
import { gcNetfilter } from "../../src/netfilter/gc.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { listRecords, withAttachmentLock } from "../../src/attachment-lock.ts";
import { parseBridgeConf } from "./config.ts";
import { parseGcAttachments } from "./gc-conf.ts";
import { parseHostVethRecord, removeRecordedHostVeth } from "./host-veth-record.ts";

/**
 * @throws {CniError} IPAM's error, or a netfilter removal failure
 */
export async function cmdGc(args: CmdArgs, raw: RawConf): Promise<void> {
  const s = parseBridgeConf(raw);
  const valid = parseGcAttachments(raw);
  if (s.ipamType) await delegateIpam("GC", s.ipamType, args, raw);
  // Without the list nothing is known to be stale: keep every rule.
  if (!valid) return;
  gcNetfilter({
    network: s.name,
    bridgeName: s.bridgeName,
    valid: valid.map((a) => ({ containerId: a.containerID, ifName: a.ifname })),
  });
  const isValid = new Set(valid.map((a) => JSON.stringify([a.containerID, a.ifname])));
  for (const text of listRecords()) {
    const stale = parseHostVethRecord(text)?.attachment;
    if (!stale || stale.network !== s.name || isValid.has(JSON.stringify([stale.containerId, stale.ifName]))) continue;
    await withAttachmentLock(stale, (lock) => {
      // Re-read under the lock: a DEL may have finished meanwhile.
      const record = parseHostVethRecord(lock.readRecord());
      if (!record) return;
      removeRecordedHostVeth(record, s.bridgeName);
      lock.clearRecord();
    });
  }
}
