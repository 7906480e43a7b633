/** Handlers never print: the skeleton, or the bridge in-process, uses the 1.1.0 result they return. */
import type { PluginDefinition } from "../../src/skel/types.ts";
import { cmdAdd } from "./add.ts";
import { cmdCheck } from "./check.ts";
import { cmdDel } from "./del.ts";
import { cmdGc } from "./gc.ts";
import { cmdStatus } from "./status.ts";

export const hostLocalPlugin: PluginDefinition = {
  name: "host-local",
  // Its store and the addon cache live in root's directories.
  privileges: [],
  add: cmdAdd,
  del: cmdDel,
  check: cmdCheck,
  status: cmdStatus,
  gc: cmdGc,
};
