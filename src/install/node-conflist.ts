/**
 * Write this node's conflist into the CNI config directory (see
 * ./conflist.ts for its content), deciding `portmap: auto` by looking for
 * an executable portmap in the bin directory.
 *
 * @module
 */
import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";
import { conflistText, nodeConflist, normalisePodCidrs } from "./conflist.ts";
import type { InstallSettings, PortmapMode } from "./settings.ts";
import { writeFileIfChanged, type WriteOutcome } from "./write-if-changed.ts";

/** The conflist this node should have, ready to write. */
export interface PreparedConflist {
  path: string;
  text: string;
  podCidrs: readonly string[];
  portmap: boolean;
}

/** What was written. */
export interface WrittenConflist extends PreparedConflist {
  outcome: WriteOutcome;
}

/** Whether portmap goes into the chain: `auto` means an executable file `portmap` is in `binDir`. */
function portmapWanted(mode: PortmapMode, binDir: string): boolean {
  if (mode !== "auto") return mode === "on";
  const path = join(binDir, "portmap");
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Build the conflist for `givenCidrs` (before anything is installed, so bad input leaves no trace).
 *
 * @throws {InvalidConfigError} when a setting or CIDR is unusable
 * @example prepareNodeConflist(settings, ["10.244.1.0/24"])
 */
export function prepareNodeConflist(settings: InstallSettings, givenCidrs: readonly string[]): PreparedConflist {
  const podCidrs = normalisePodCidrs(givenCidrs);
  const portmap = portmapWanted(settings.portmap, settings.cniBinDir);
  const conflist = nodeConflist({
    networkName: settings.networkName,
    bridge: settings.bridge,
    podCidrs,
    portmap,
    hairpin: settings.hairpin,
    ipMasq: settings.ipMasq,
    mtu: settings.mtu,
  });
  return { path: join(settings.cniConfDir, settings.conflistName), text: conflistText(conflist), podCidrs, portmap };
}

/**
 * Write a prepared conflist, only when its bytes change.
 *
 * @example writeNodeConflist(prepareNodeConflist(settings, ["10.244.1.0/24"]))
 */
export function writeNodeConflist(prepared: PreparedConflist): WrittenConflist {
  return { ...prepared, outcome: writeFileIfChanged(prepared.path, prepared.text) };
}
