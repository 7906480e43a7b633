/**
 * host-local GC (CNI 1.1): release every allocation whose attachment is not
 * in `cni.dev/valid-attachments` (or `cni.dev/attachments`). `null` means no
 * attachment is valid; no list at all releases nothing. Legacy id-only
 * records are kept while their container ID has a valid attachment.
 *
 * @module
 */
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { loadHostLocalConfig } from "./config.ts";
import { withStore } from "./open-store.ts";

/**
 * Release stale allocations of this network.
 *
 * @throws {InvalidConfigError} bad config
 * @throws {IpamError} store failures
 * @example cmdGc(args, conf)
 */
export function cmdGc(_args: CmdArgs, conf: RawConf): void {
  const config = loadHostLocalConfig(conf, "");
  const valid = config.validAttachments;
  if (valid === undefined) return;
  const keys = new Set(valid.map((a) => JSON.stringify([a.containerId, a.ifName])));
  const ids = new Set(valid.map((a) => a.containerId));
  withStore(config, true, (store) => {
    const stale = store
      .scan()
      .filter((a) => (a.ifName === undefined ? !ids.has(a.containerId) : !keys.has(JSON.stringify([a.containerId, a.ifName]))));
    store.releaseScanned(stale);
  });
}
