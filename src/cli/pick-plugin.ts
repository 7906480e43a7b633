/**
 * Which plugin an invocation of the multi-call executable means.
 *
 * @module
 */

/** The CNI plugins built into the executable, under the names they are installed as. */
export const PLUGIN_NAMES = ["bridge", "loopback", "host-local"] as const;

/** One of {@link PLUGIN_NAMES}. */
export type PluginName = (typeof PLUGIN_NAMES)[number];

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * The plugin named by the executable: the base name of `execPath` (the file
 * the kernel ran, which is the hard link's own name), else of `argv0` (what
 * the caller passed, which keeps a symlink's name), else `undefined` for
 * the human CLI.
 *
 * @param execPath `process.execPath`
 * @param argv0 `process.argv0`
 * @returns the plugin name, or `undefined` when neither names a plugin
 * @example
 * pickPlugin("/opt/cni/bin/bridge", "bridge"); // "bridge"
 * pickPlugin("/usr/local/bin/cni-ts", "/opt/cni/bin/loopback"); // "loopback"
 * pickPlugin("/usr/local/bin/cni-ts", "cni-ts"); // undefined
 */
export function pickPlugin(execPath: string, argv0: string): PluginName | undefined {
  for (const candidate of [baseName(execPath), baseName(argv0)]) {
    if ((PLUGIN_NAMES as readonly string[]).includes(candidate)) return candidate as PluginName;
  }
  return undefined;
}

/**
 * Whether this invocation can reach a plugin's handlers. VERSION and the
 * about text (empty `CNI_COMMAND`) are answered by the skeleton from the
 * plugin's name alone, so the entry skips loading the plugin's modules (and
 * zod, netlink, ... behind them) for them: a runtime's VERSION probe then
 * costs little more than Node's own start.
 *
 * @param command `CNI_COMMAND`, possibly undefined
 * @returns false for VERSION and the about text, true for every other verb
 * @example
 * needsHandlers("VERSION"); // false
 * needsHandlers("ADD"); // true
 */
export function needsHandlers(command: string | undefined): boolean {
  return command !== undefined && command !== "" && command !== "VERSION";
}
