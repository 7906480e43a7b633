/**
 * Everything the executable does beyond VERSION and the about text: a plugin
 * verb (through the skeleton) or the human CLI. In the single-executable
 * build this module and all it imports (zod, commander, netlink, the
 * plugins) are a separate bundle embedded as an asset, compiled only when an
 * invocation needs it (see ./load-asset-module.ts), so a runtime's VERSION
 * probe parses none of it.
 *
 * @module
 */
import { runPluginMain } from "../skel/main.ts";
import type { PluginDefinition } from "../skel/types.ts";
import type { PluginName } from "./pick-plugin.ts";

/** Loads one plugin's definition; only the loader that is called costs anything. */
const PLUGIN_LOADERS: Readonly<Record<PluginName, () => Promise<PluginDefinition>>> = {
  bridge: async () => (await import("../../plugins/bridge/plugin.ts")).bridgePlugin,
  loopback: async () => (await import("../../plugins/loopback/plugin.ts")).loopbackPlugin,
  "host-local": async () => (await import("../../ipam/host-local/plugin.ts")).hostLocalPlugin,
};

/**
 * Build-time only (scripts/lib/code-cache.cjs): load every plugin module and
 * run the config and result code once, so the code cache made afterwards
 * holds them compiled (see ./warm-up.ts).
 */
export async function warmUpForCodeCache(): Promise<void> {
  for (const load of Object.values(PLUGIN_LOADERS)) await load();
  const { warmUpCodePaths } = await import("./warm-up.ts");
  warmUpCodePaths();
}

/**
 * Run plugin `name` with its handlers, or the CLI when `name` is undefined.
 *
 * @param name the plugin picked from the executable's name
 * @param argv the full `process.argv`
 */
export async function runFull(name: PluginName | undefined, argv: readonly string[]): Promise<void> {
  if (name === undefined) {
    const { runCli } = await import("./cli.ts");
    process.exitCode = await runCli(argv);
    return;
  }
  await runPluginMain(await PLUGIN_LOADERS[name]());
}
