/**
 * Write this node's conflist into the CNI config directory (see
 * ./conflist.ts for its content): its pod CIDRs judged as a peer's would be
 * (./route-plan.ts), the uplink's MTU unless one is set, `portmap: auto`
 * decided by looking for an executable portmap in the bin directory, and
 * the result refused when `cni-ts validate` would refuse it, before
 * anything is written.
 *
 * @module
 */
import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { InvalidConfigError } from "../errors.ts";
import { recordConflist } from "./backup.ts";
import { conflistText, nodeConflist, normalisePodCidrs } from "./conflist.ts";
import { masqueradeMode } from "./egress-plan.ts";
import { type HostView, uplinkMtu } from "./host-view.ts";
import { checkOwnPodCidrs } from "./route-plan.ts";
import type { InstallSettings, PortmapMode } from "./settings.ts";
import { writeFileIfChanged, type WriteOutcome } from "./write-if-changed.ts";

/** The conflist this node should have, ready to write. */
export interface PreparedConflist {
  path: string;
  text: string;
  podCidrs: readonly string[];
  portmap: boolean;
  mtu: number | undefined;
  /** The bin directory whose manifest records the conflist. */
  binDir: string;
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

/** What the node looks like: its networking, and its InternalIPs when its Node object is known. */
export interface NodeFacts {
  host: HostView;
  internalIps: readonly string[];
}

/**
 * Build the conflist for `givenCidrs` (before anything is installed, so bad input leaves no trace).
 *
 * @throws {InvalidConfigError} when a setting or CIDR is unusable, or `cni-ts validate` would refuse the result
 * @example await prepareNodeConflist(settings, ["10.244.1.0/24"], { host: readHostView(sock), internalIps: [] })
 */
export async function prepareNodeConflist(settings: InstallSettings, givenCidrs: readonly string[], node: NodeFacts): Promise<PreparedConflist> {
  const podCidrs = normalisePodCidrs(givenCidrs);
  checkOwnPodCidrs(podCidrs, { host: node.host, bridge: settings.bridge, floors: settings.floors });
  const portmap = portmapWanted(settings.portmap, settings.cniBinDir);
  const mtu = settings.mtu ?? uplinkMtu(node.host, node.internalIps);
  const conflist = nodeConflist({
    networkName: settings.networkName,
    bridge: settings.bridge,
    podCidrs,
    portmap,
    hairpin: settings.hairpin,
    // Node-level rules keep pod-to-pod traffic un-NATed; the bridge's own would not.
    ipMasq: masqueradeMode(settings) === "bridge",
    mtu,
  });
  const text = conflistText(conflist);
  await refuseWhatValidateRefuses(text);
  return { path: join(settings.cniConfDir, settings.conflistName), text, podCidrs, portmap, mtu, binDir: settings.cniBinDir };
}

/** The plugins' own rules, through `cni-ts validate`'s entry (loaded here only: it brings zod and every plugin's schema). */
async function refuseWhatValidateRefuses(text: string): Promise<void> {
  const [{ checkDocument }, { failsValidation }] = await Promise.all([import("../validate/check-document.ts"), import("../validate/diagnostic.ts")]);
  const findings = checkDocument(text, "list").findings.filter((f) => failsValidation([f]));
  if (findings.length > 0) {
    throw new InvalidConfigError(`the conflist would not pass cni-ts validate: ${findings.map((f) => `${f.path}: ${f.message}`).join("; ")}`);
  }
}

/**
 * Write a prepared conflist, only when its bytes change, and record it for uninstall.
 *
 * @example writeNodeConflist(await prepareNodeConflist(settings, ["10.244.1.0/24"], node))
 */
export function writeNodeConflist(prepared: PreparedConflist): WrittenConflist {
  const outcome = writeFileIfChanged(prepared.path, prepared.text);
  recordConflist(prepared.binDir, prepared.path, prepared.text);
  return { ...prepared, outcome };
}

/**
 * The config files in `confDir` that sort before `name`: libcni and the
 * runtimes take the first file in name order, so any of them wins over ours.
 *
 * @example configsSortingFirst("/etc/cni/net.d", "10-cni-ts.conflist") // ["05-other.conflist"]
 */
export function configsSortingFirst(confDir: string, name: string): string[] {
  return readdirSync(confDir, { withFileTypes: true })
    .filter((e) => !e.isDirectory() && [".conf", ".conflist", ".json"].includes(extname(e.name)) && e.name < name)
    .map((e) => e.name)
    .sort();
}
