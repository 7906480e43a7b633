/**
 * The bridge plugin: wires each CNI verb to its handler.
 *
 * @module
 */
import type { PluginDefinition } from "../../src/skel/types.ts";
import { cmdAdd } from "./add.ts";
import { cmdCheck } from "./check.ts";
import { cmdDel } from "./del.ts";
import { cmdGc } from "./gc.ts";
import { cmdStatus } from "./status.ts";

/** The bridge plugin definition (run by `runPluginMain`). */
export const bridgePlugin: PluginDefinition = {
  name: "bridge",
  add: cmdAdd,
  del: cmdDel,
  check: cmdCheck,
  status: cmdStatus,
  gc: cmdGc,
};
