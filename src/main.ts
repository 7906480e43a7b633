/**
 * The multi-call entry of the single executable. One file on disk answers
 * to several names (hard links, or symlinks whose name the runtime passes as
 * argv[0]): `bridge`, `loopback` and `host-local` run that CNI plugin through
 * the skeleton; any other name (normally `cni-ts`) runs the human-facing CLI.
 *
 * Only the chosen plugin's modules are initialised: each is reached through
 * a dynamic `import()`, which the bundler turns into a lazily run module, so
 * a plugin never pays for another plugin, the CLI or commander; VERSION and
 * the about text load no plugin module at all (see `needsHandlers`).
 *
 * @module
 */
import { writeSync } from "node:fs";
import { needsHandlers, pickPlugin, type PluginName } from "./cli/pick-plugin.ts";
import type { PluginDefinition } from "./skel/types.ts";

/** Loads one plugin's definition; only the loader that is called costs anything. */
const PLUGIN_LOADERS: Readonly<Record<PluginName, () => Promise<PluginDefinition | undefined>>> = {
  bridge: async () => (await import("../plugins/bridge/plugin.ts")).bridgePlugin,
  loopback: async () => (await import("../plugins/loopback/plugin.ts")).loopbackPlugin,
  "host-local": async () => (await import("../ipam/host-local/plugin.ts")).hostLocalPlugin,
};

async function main(): Promise<void> {
  const name = pickPlugin(process.execPath, process.argv0);
  if (name === undefined) {
    const { runCli } = await import("./cli/cli.ts");
    process.exitCode = await runCli(process.argv);
    return;
  }
  // VERSION and the about text need only the name: the plugin's modules stay unloaded.
  const load = needsHandlers(process.env.CNI_COMMAND) ? PLUGIN_LOADERS[name]() : Promise.resolve({ name });
  const [definition, skeleton] = await Promise.all([load, import("./skel/main.ts")]);
  // A build made while a plugin's module did not exist yet carries a stub (see scripts/build.mjs).
  if (definition === undefined || typeof skeleton.runPluginMain !== "function") {
    writeSync(2, `cni-ts: this build does not contain the ${name} plugin\n`);
    process.exit(1);
  }
  await skeleton.runPluginMain(definition);
}

main().catch((err: unknown) => {
  writeSync(2, `cni-ts: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
