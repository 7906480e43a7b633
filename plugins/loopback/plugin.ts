/**
 * The loopback plugin: brings `lo` up in the pod (ADD), down (DEL), and
 * checks it (CHECK). `CNI_IFNAME` is validated by the skeleton but ignored.
 * Chained after another plugin, ADD passes `prevResult` through.
 *
 * @module
 */
import { parsePrevResult } from "../../src/config/prev-result.ts";
import { KernelError } from "../../src/errors.ts";
import { NetnsNotFoundError } from "../../src/netns/netns.ts";
import type { CmdArgs, PluginDefinition, RawConf } from "../../src/skel/types.ts";
import type { Result } from "../../src/types/result.ts";
import { findNonLoopback, loopbackResult } from "./loopback-address.ts";
import { requireNetns, updateLo } from "./lo-netns.ts";

/**
 * ADD: set `lo` up, refuse a non-loopback address on it, report it (or the
 * chained `prevResult`).
 *
 * @throws {DecodingError} (6) for a malformed `prevResult`
 * @throws {KernelError} (100) when `lo` carries a non-loopback address, or the kernel refuses
 * @throws {InvalidEnvError} (4) when CNI_NETNS does not exist
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
 * DEL: set `lo` down. An empty or vanished CNI_NETNS means nothing is left to do.
 *
 * @throws {NotANetnsError} (4) when CNI_NETNS is not a namespace
 * @throws {KernelError} (100) when the kernel refuses
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

/**
 * CHECK: `lo` must be up and carry only loopback addresses.
 *
 * @throws {KernelError} (100) `loopback interface is down` or a non-loopback address
 */
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

/** The loopback plugin definition. STATUS and GC have nothing to do. */
export const loopbackPlugin: PluginDefinition = {
  name: "loopback",
  // setns into the pod, links and addresses.
  privileges: ["CAP_NET_ADMIN", "CAP_SYS_ADMIN"],
  add: addLoopback,
  del: delLoopback,
  check: checkLoopback,
};
