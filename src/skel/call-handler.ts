/**
 * Calling a plugin's handler for one verb: the one place that maps a verb to
 * its handler, used by the skeleton and by in-process IPAM delegation.
 *
 * @module
 */
import type { Result } from "../types/result.ts";
import type { CmdArgs, CniCommand, PluginDefinition, RawConf } from "./types.ts";

/**
 * Run `def`'s handler for `verb`. A missing handler means "success, nothing
 * done" (VERSION never has one: the skeleton answers it).
 *
 * @returns ADD's result, otherwise undefined
 */
export async function callHandler(def: PluginDefinition, verb: CniCommand, args: CmdArgs, conf: RawConf): Promise<Result | undefined> {
  switch (verb) {
    case "ADD":
      return def.add ? await def.add(args, conf) : undefined;
    case "DEL":
      await def.del?.(args, conf);
      return undefined;
    case "CHECK":
      await def.check?.(args, conf);
      return undefined;
    case "STATUS":
      await def.status?.(args, conf);
      return undefined;
    case "GC":
      await def.gc?.(args, conf);
      return undefined;
    case "VERSION":
      return undefined;
  }
}
