/**
 * The loopback plugin: `lo` up (ADD), down (DEL), checked (CHECK). `CNI_IFNAME` is ignored,
 * as in the reference; chained, ADD passes `prevResult` through.
 */
import { parsePrevResult } from "../../src/config/prev-result.ts";
import { KernelError } from "../../src/errors.ts";
import { NetnsNotFoundError } from "../../src/netns/netns.ts";
import type { CmdArgs, PluginDefinition, RawConf } from "../../src/skel/types.ts";
import type { Result } from "../../src/types/result.ts";
import { findNonLoopback, loopbackResult } from "./loopback-address.ts";
import { requireNetns, updateLo } from "./lo-netns.ts";

/**
 * @throws {DecodingError} (6) malformed `prevResult`
 * @throws {KernelError} (100) `lo` carries a non-loopback address, or the kernel refuses
 * @throws {InvalidEnvError} (4) CNI_NETNS does not exist
 */
export function addLoopback(args: CmdArgs, conf: RawConf): Result {
  const prev = parsePrevResult(conf);
  let state;
  try {
    state = updateLo(args.netns, "up");
  } catch (err) {
    requireNetns(err);
  }
  const bad = findNonLoopback(state.addresses);
  if (bad) throw new KernelError(`loopback interface found with non-loopback address ${JSON.stringify(bad.address)}`);
  return prev ?? loopbackResult(args.netns, state.addresses);
}

/**
 * An empty or vanished CNI_NETNS leaves nothing to do.
 * @throws {NotANetnsError} (4) CNI_NETNS is not a namespace
 * @throws {KernelError} (100) the kernel refuses
 */
export function delLoopback(args: CmdArgs): void {
  if (args.netns === "") return;
  try {
    updateLo(args.netns, "down");
  } catch (err) {
    if (err instanceof NetnsNotFoundError) return;
    throw err;
  }
}

/** @throws {KernelError} (100) `lo` is down or carries a non-loopback address */
export function checkLoopback(args: CmdArgs): void {
  let state;
  try {
    state = updateLo(args.netns, "none");
  } catch (err) {
    requireNetns(err);
  }
  if (!state.up) throw new KernelError("loopback interface is down");
  const bad = findNonLoopback(state.addresses);
  if (bad) throw new KernelError(`loopback interface found with non-loopback address ${JSON.stringify(bad.address)}`);
}

/** STATUS and GC have nothing to do. */
export const loopbackPlugin: PluginDefinition = {
  name: "loopback",
  // setns into the pod, links and addresses.
  privileges: ["CAP_NET_ADMIN", "CAP_SYS_ADMIN"],
  add: addLoopback,
  del: delLoopback,
  check: checkLoopback,
};
