/**
 * Opening CNI_NETNS with the reference's error text.
 *
 * @module
 */
import { CniError, InvalidEnvError } from "../../src/errors.ts";
import { openNetns, type NetnsHandle } from "../../src/netns/netns.ts";

/**
 * Open the pod's namespace for ADD or CHECK.
 *
 * @throws {InvalidEnvError} `failed to open netns "<path>": …`
 */
export function openPodNetns(path: string): NetnsHandle {
  try {
    return openNetns(path);
  } catch (err) {
    const msg = err instanceof CniError ? err.msg : (err as Error).message;
    throw new InvalidEnvError(`failed to open netns "${path}": ${msg}`);
  }
}
