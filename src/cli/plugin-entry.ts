/**
 * A plugin verb as a runtime calls it: no arguments, CNI_COMMAND set. In
 * the single-executable build this module is bundled once per plugin, with
 * only that plugin's modules (the other loaders are stubbed out; the
 * bridge keeps host-local, which it runs in-process) and no commander nor
 * `cni-ts` CLI: an asset whose V8 code cache holds the functions a
 * runtime's verbs run, compiled at build time by running them
 * (scripts/lib/code-cache-training.mjs), so a verb compiles nothing at run
 * time. Everything else (the CLI, `--help` on a plugin name) goes to
 * ./full-entry.ts.
 *
 * @module
 */
import { runPluginMain } from "../skel/main.ts";
import type { InProcessPlugins, PluginDefinition } from "../skel/types.ts";
import type { PluginName } from "./pick-plugin.ts";

/** Loads one plugin's definition; only the loader that is called costs anything. */
export const PLUGIN_LOADERS: Readonly<Record<PluginName, () => Promise<PluginDefinition>>> = {
  bridge: async () => (await import("../../plugins/bridge/plugin.ts")).bridgePlugin,
  loopback: async () => (await import("../../plugins/loopback/plugin.ts")).loopbackPlugin,
  "host-local": async () => (await import("../../ipam/host-local/plugin.ts")).hostLocalPlugin,
};

/** The IPAM plugins a delegating plugin of this executable runs in-process. */
export const IN_PROCESS_IPAM: InProcessPlugins = { "host-local": PLUGIN_LOADERS["host-local"] };

/**
 * Run plugin `name` for the verb in the environment.
 *
 * @param name the plugin picked from the executable's name
 */
export async function runPlugin(name: PluginName): Promise<void> {
  await runPluginMain(await PLUGIN_LOADERS[name](), IN_PROCESS_IPAM);
}
