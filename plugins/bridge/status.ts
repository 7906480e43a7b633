/**
 * Bridge STATUS: delegated to IPAM when the network has one (the reference's
 * behaviour); an L2 network is always ready.
 *
 * @module
 */
import { delegateIpam } from "../../src/delegation/delegate.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";

/**
 * STATUS: whether ADDs can succeed.
 *
 * @throws {CniError} the IPAM plugin's answer (e.g. 50 when its ranges are exhausted)
 */
export async function cmdStatus(args: CmdArgs, raw: RawConf): Promise<void> {
  const ipam = raw.ipam as { type?: unknown } | undefined | null;
  const type = typeof ipam?.type === "string" ? ipam.type : "";
  if (type) await delegateIpam("STATUS", type, args, raw);
}
