import { IpamError } from "../../src/errors.ts";
import { parseAddress } from "../../src/ip/cidr.ts";
import { formatIp } from "../../src/ip/ip-bytes.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import { loadHostLocalConfig } from "./config.ts";
import { withStore } from "./open-store.ts";
import { rangeSetContains } from "./range-set.ts";
import type { RangeSet } from "./range-set.ts";

/** From a prevResult of any version (0.2.0's `ip4`/`ip6` too), prefix dropped, canonical text. */
function prevResultAddresses(prev: unknown): string[] {
  if (typeof prev !== "object" || prev === null) return [];
  const doc = prev as { ips?: { address?: unknown }[]; ip4?: { ip?: unknown }; ip6?: { ip?: unknown } };
  const cidrs: unknown[] = Array.isArray(doc.ips) ? doc.ips.map((i) => i?.address) : [doc.ip4?.ip, doc.ip6?.ip];
  const out: string[] = [];
  for (const cidr of cidrs) {
    if (typeof cidr !== "string") continue;
    const ip = parseAddress(cidr.split("/")[0]!);
    if (ip) out.push(formatIp(ip));
  }
  return out;
}

function inSets(sets: RangeSet[], text: string): boolean {
  const ip = parseAddress(text)!;
  return sets.some((set) => rangeSetContains(set, ip));
}

/**
 * The allocation must exist and, stricter than the reference, match `prevResult`'s addresses.
 * @throws {IpamError} no allocation, or it differs from prevResult
 */
export function cmdCheck(args: CmdArgs, conf: RawConf): void {
  const config = loadHostLocalConfig(conf, args.args);
  const held = withStore(config, false, (store) => store.getByAttachment(args.containerId, args.ifName)).map(formatIp);
  if (held.length === 0) throw new IpamError(`host-local: Failed to find address added by container ${args.containerId}`);
  if (config.prevResult === undefined) return;
  const expected = prevResultAddresses(config.prevResult).filter((ip) => inSets(config.rangeSets, ip));
  const missing = expected.filter((ip) => !held.includes(ip));
  const extra = held.filter((ip) => !expected.includes(ip));
  if (missing.length > 0 || extra.length > 0) {
    throw new IpamError(
      `host-local: addresses of container ${args.containerId} (${args.ifName}) do not match prevResult: allocated [${held.join(" ")}], prevResult [${expected.join(" ")}]`,
    );
  }
}
