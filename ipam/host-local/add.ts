import { readBounded, RESOLV_CONF } from "../../src/read-bounded.ts";
import { logStep } from "../../src/debug-log/debug-log.ts";
import { formatIp } from "../../src/ip/ip-bytes.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { isEmptyDns } from "../../src/types/result.ts";
import type { Result } from "../../src/types/result.ts";
import { allocateAddresses } from "./allocator.ts";
import { loadHostLocalConfig } from "./config.ts";
import { parseResolvConf } from "./dns.ts";
import { withStore } from "./open-store.ts";

/**
 * One address per range set, under one lock; routes and DNS from the config.
 * @throws {InvalidConfigError} bad config
 * @throws {FileReadError} (7) resolvConf missing, not a regular file, too large or with a too long line
 * @throws {IpamError} exhausted range, duplicate, unavailable requested address
 * @throws {UnsafePathError} unsafe dataDir
 */
export function cmdAdd(args: CmdArgs, conf: RawConf): Result {
  const config = loadHostLocalConfig(conf, args.args);
  const dns = config.resolvConf !== undefined ? parseResolvConf(readBounded(config.resolvConf, RESOLV_CONF)) : undefined;
  logStep("host-local: config", { dataDir: config.dataDir, rangeSets: config.rangeSets.length });
  const allocated = withStore(config, true, (store) =>
    allocateAddresses(store, {
      containerId: args.containerId,
      ifName: args.ifName,
      rangeSets: config.rangeSets,
      requested: config.requested,
    }),
  );
  logStep("host-local: allocate", { ips: allocated.map((a) => formatIp(a.ip)) });
  const result: Result = {
    cniVersion: config.cniVersion,
    ips: allocated.map((a) => ({ address: `${formatIp(a.ip)}/${a.prefix}`, gateway: formatIp(a.gateway) })),
  };
  if (config.routes.length > 0) result.routes = config.routes;
  if (!isEmptyDns(dns)) result.dns = dns;
  return result;
}
