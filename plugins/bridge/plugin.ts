/**
 * The bridge plugin's verbs. ADD and DEL hold the attachment's lock so they never interleave;
 * ADD leaves the host veth's record there and a successful DEL drops it.
 */
import { withAttachmentLock, type AttachmentId } from "../../src/attachment-lock.ts";
import { delegateIpam } from "../../src/delegation/delegate.ts";
import type { CmdArgs, PluginDefinition, RawConf } from "../../src/skel/types.ts";
import { cmdAdd } from "./add.ts";
import { cmdCheck } from "./check.ts";
import { cmdDel } from "./del.ts";
import { cmdGc } from "./gc.ts";
import { formatHostVethRecord } from "./host-veth-record.ts";

/**
 * As the reference: the IPAM plugin's answer; an L2 network is always ready.
 * @throws {CniError} the IPAM plugin's answer (e.g. 50 when its ranges are exhausted)
 */
async function cmdStatus(args: CmdArgs, raw: RawConf): Promise<void> {
  const ipam = raw.ipam as { type?: unknown } | undefined | null;
  const type = typeof ipam?.type === "string" ? ipam.type : "";
  if (type) await delegateIpam("STATUS", type, args, raw);
}

function attachmentOf(args: CmdArgs, raw: RawConf): AttachmentId {
  return { network: raw.name, containerId: args.containerId, ifName: args.ifName };
}

export const bridgePlugin: PluginDefinition = {
  name: "bridge",
  // setns into the pod, links and addresses.
  privileges: ["CAP_NET_ADMIN", "CAP_SYS_ADMIN"],
  add: (args, raw) =>
    withAttachmentLock(attachmentOf(args, raw), async (lock) => {
      const result = await cmdAdd(args, raw);
      const record = formatHostVethRecord(result, attachmentOf(args, raw));
      if (record !== undefined) {
        try {
          lock.writeRecord(record);
        } catch (err) {
          // Without its record the attachment could not be cleaned up safely: undo it.
          await cmdDel(args, raw, lock);
          throw err;
        }
      }
      return result;
    }),
  del: (args, raw) =>
    withAttachmentLock(attachmentOf(args, raw), async (lock) => {
      await cmdDel(args, raw, lock);
      lock.clearRecord();
    }),
  check: cmdCheck,
  status: cmdStatus,
  gc: cmdGc,
};
