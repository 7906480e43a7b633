import { logStep } from "../../src/debug-log/debug-log.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { loadHostLocalConfig } from "./config.ts";
import { withStore } from "./open-store.ts";

/**
 * Releases the attachment's addresses (legacy id-only records too); nothing to release is success.
 * @throws {InvalidConfigError} bad config
 * @throws {IpamError} store failures
 */
export function cmdDel(args: CmdArgs, conf: RawConf): void {
  const config = loadHostLocalConfig(conf, args.args);
  logStep("host-local: config", { dataDir: config.dataDir });
  withStore(config, false, (store) => store.releaseByAttachment(args.containerId, args.ifName));
  logStep("host-local: release");
}
