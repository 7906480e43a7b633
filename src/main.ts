/**
 * The multi-call entry of the single executable. One file on disk answers
 * to several names (hard links, or symlinks whose name the runtime passes as
 * argv[0]): `bridge`, `loopback` and `host-local` run that CNI plugin through
 * the skeleton; any other name (normally `cni-ts`) runs the human-facing CLI.
 *
 * VERSION and the about text need only the plugin's name, so they are
 * answered from this small bundle. A runtime's other verbs (no arguments)
 * go to ./cli/plugin-entry.ts, built once per plugin with only that
 * plugin's modules, and everything else (the CLI, a plugin name with
 * arguments) to ./cli/full-entry.ts: in the build each is a separate
 * embedded bundle, compiled only on its own paths.
 *
 * @module
 */
import { writeSync } from "node:fs";
import { needsHandlers, pickPlugin, type PluginName } from "./cli/pick-plugin.ts";

/**
 * Set by the build: the asset keys of each plugin's bundle and of the full
 * one, with their code caches (a plugin has one for ADD and one for its
 * other verbs).
 */
declare const __CNI_TS_PLUGIN_ASSETS__: Record<PluginName, { bundle: string; cache: string; addCache: string }> | undefined;
declare const __CNI_TS_FULL_ASSET__: string | undefined;
declare const __CNI_TS_FULL_CACHE_ASSET__: string | undefined;

async function loadPlugin(name: PluginName): Promise<typeof import("./cli/plugin-entry.ts")> {
  if (typeof __CNI_TS_PLUGIN_ASSETS__ === "object") {
    const { bundle, cache, addCache } = __CNI_TS_PLUGIN_ASSETS__[name];
    const { loadAssetModule } = await import("./sea-asset.ts");
    return loadAssetModule(bundle, process.env.CNI_COMMAND === "ADD" ? addCache : cache) as typeof import("./cli/plugin-entry.ts");
  }
  return import("./cli/plugin-entry.ts");
}

async function loadFull(): Promise<typeof import("./cli/full-entry.ts")> {
  if (typeof __CNI_TS_FULL_ASSET__ === "string" && typeof __CNI_TS_FULL_CACHE_ASSET__ === "string") {
    const { loadAssetModule } = await import("./sea-asset.ts");
    return loadAssetModule(__CNI_TS_FULL_ASSET__, __CNI_TS_FULL_CACHE_ASSET__) as typeof import("./cli/full-entry.ts");
  }
  return import("./cli/full-entry.ts");
}

async function main(): Promise<void> {
  // The one Node environment variable whose effect is already running when
  // this script starts and that no build flag overrides: V8 coverage would
  // write a JSON file as root into the directory it names when we exit.
  // (The rest are overridden by the SEA's execArgv or never used: SECURITY.md.)
  if (process.env.NODE_V8_COVERAGE !== undefined) {
    const { stopCoverage } = await import("node:v8");
    stopCoverage();
  }
  const name = pickPlugin(process.execPath, process.argv0);
  // Runtimes pass no arguments; any (`--help`, `--version`) is for a human and goes the full way.
  if (name === undefined || process.argv.length > 2) {
    const { runFull } = await loadFull();
    await runFull(name, process.argv);
    return;
  }
  if (needsHandlers(process.env.CNI_COMMAND)) {
    const { runPlugin } = await loadPlugin(name);
    await runPlugin(name);
    return;
  }
  const { runPluginMain } = await import("./skel/main.ts");
  await runPluginMain({ name });
}

main().catch((err: unknown) => {
  // One line, never a stack trace: the executable's users are runtimes and their logs.
  writeSync(2, `cni-ts: ${(err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, " ")}\n`);
  process.exit(1);
});
