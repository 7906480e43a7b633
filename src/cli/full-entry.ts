/**
 * Everything the executable does beyond VERSION, the about text and a
 * runtime's plugin verbs (./plugin-entry.ts): the human CLI (`cni-ts …`)
 * and a plugin name run with arguments (`bridge --help`). In the
 * single-executable build this module and all it imports (commander, the
 * installer, the validator, the plugins) are a separate bundle embedded as
 * an asset, compiled only when such an invocation needs it (see
 * ../sea-asset.ts).
 *
 * @module
 */
import { runPluginMain } from "../skel/main.ts";
import type { PluginName } from "./pick-plugin.ts";
import { IN_PROCESS_IPAM, PLUGIN_LOADERS } from "./plugin-entry.ts";

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
  await runPluginMain(await PLUGIN_LOADERS[name](), IN_PROCESS_IPAM);
}
