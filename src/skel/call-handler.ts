import type { Result } from "../types/result.ts";
import type { CmdArgs, CniCommand, PluginDefinition, RawConf } from "./types.ts";

/** Shared by the skeleton and in-process IPAM; a missing handler means "success, nothing done". */
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
