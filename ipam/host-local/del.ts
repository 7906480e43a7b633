/**
 * host-local DEL: release the attachment's addresses; nothing to release is
 * success. Reads only the attachment's index entry and its address files.
 *
 * @module
 */
import { logStep } from "../../src/debug-log/debug-log.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { loadHostLocalConfig } from "./config.ts";
import { withStore } from "./open-store.ts";

/**
 * Release `(CNI_CONTAINERID, CNI_IFNAME)` (or legacy id-only records).
 *
 * @throws {InvalidConfigError} bad config
 * @throws {IpamError} store failures
 * @example cmdDel(args, conf)
 */
export function cmdDel(args: CmdArgs, conf: RawConf): void {
  const config = loadHostLocalConfig(conf, args.args);
  logStep("host-local: config", { dataDir: config.dataDir });
  withStore(config, false, (store) => store.releaseByAttachment(args.containerId, args.ifName));
  logStep("host-local: release");
}
