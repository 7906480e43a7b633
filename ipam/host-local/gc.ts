import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { loadHostLocalConfig } from "./config.ts";
import { withStore } from "./open-store.ts";

/**
 * Releases allocations not in the valid attachments: `null` means none is valid, no list releases
 * nothing. Legacy id-only records stay while their container ID has a valid attachment.
 * @throws {InvalidConfigError} bad config
 * @throws {IpamError} store failures
 */
export function cmdGc(_args: CmdArgs, conf: RawConf): void {
  const config = loadHostLocalConfig(conf, "");
  const valid = config.validAttachments;
  if (valid === undefined) return;
  const keys = new Set(valid.map((a) => JSON.stringify([a.containerId, a.ifName])));
  const ids = new Set(valid.map((a) => a.containerId));
  withStore(config, true, (store) => {
    const stale = store.scan().filter((a) => (a.ifName === undefined ? !ids.has(a.containerId) : !keys.has(JSON.stringify([a.containerId, a.ifName]))));
    store.releaseScanned(stale);
  });
}
