// The multi-call entry: a plugin name in argv[0] runs that plugin, any other the CLI. VERSION is
// answered from this small bundle; other verbs load one plugin's bundle, the CLI the full one.
import { writeSync } from "node:fs";
import { needsHandlers, pickPlugin, type PluginName } from "./cli/pick-plugin.ts";

/** Set by the build; a plugin has one code cache for ADD and one for its other verbs. */
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
  // The one Node variable already in effect at start that no build flag overrides: V8 coverage
  // would write a file as root into the directory it names (SECURITY.md).
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
