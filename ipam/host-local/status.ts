import { PluginNotAvailableError } from "../../src/errors.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { hasFreeAddress } from "./allocator.ts";
import { loadHostLocalConfig } from "./config.ts";
import { withStore } from "./open-store.ts";
import { formatRangeSet } from "./range-set.ts";

/**
 * @throws {PluginNotAvailableError} (50) a range set is exhausted
 * @throws {InvalidConfigError} bad config
 */
export function cmdStatus(args: CmdArgs, conf: RawConf): void {
  const config = loadHostLocalConfig(conf, args.args);
  const addresses = withStore(config, true, (store) => store.listAddresses());
  config.rangeSets.forEach((set, i) => {
    if (!hasFreeAddress(set, addresses)) {
      throw new PluginNotAvailableError(`no IP addresses available in range set ${i}: ${formatRangeSet(set)}`);
    }
  });
}
