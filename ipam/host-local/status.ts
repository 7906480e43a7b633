/**
 * host-local STATUS (CNI 1.1): available while every range set has a free
 * address.
 *
 * @module
 */
import { PluginNotAvailableError } from "../../src/errors.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { hasFreeAddress } from "./allocator.ts";
import { loadHostLocalConfig } from "./config.ts";
import { withStore } from "./open-store.ts";
import { formatRangeSet } from "./range-set.ts";

/**
 * Report whether an ADD could be served now.
 *
 * @throws {PluginNotAvailableError} (50) a range set is exhausted
 * @throws {InvalidConfigError} bad config
 * @example cmdStatus(args, conf)
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
