/**
 * The multi-call entry of the single executable. One file on disk answers
 * to several names (hard links, or symlinks whose name the runtime passes as
 * argv[0]): `bridge`, `loopback` and `host-local` run that CNI plugin through
 * the skeleton; any other name (normally `cni-ts`) runs the human-facing CLI.
 *
 * VERSION and the about text need only the plugin's name, so they are
 * answered from this small bundle. Everything else (plugin handlers, zod,
 * netlink, commander) lives in ./cli/full-entry.ts, which the build ships
 * as a separate embedded bundle compiled only on those paths.
 *
 * @module
 */
import { writeSync } from "node:fs";
import { needsHandlers, pickPlugin } from "./cli/pick-plugin.ts";

/** Set by the build: the asset keys of the full bundle and of its code cache. */
declare const __CNI_TS_FULL_ASSET__: string | undefined;
declare const __CNI_TS_FULL_CACHE_ASSET__: string | undefined;

async function loadFull(): Promise<typeof import("./cli/full-entry.ts")> {
  if (typeof __CNI_TS_FULL_ASSET__ === "string" && typeof __CNI_TS_FULL_CACHE_ASSET__ === "string") {
    const { loadAssetModule } = await import("./cli/load-asset-module.ts");
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
  if (name === undefined || needsHandlers(process.env.CNI_COMMAND) || process.argv.length > 2) {
    const { runFull } = await loadFull();
    await runFull(name, process.argv);
    return;
  }
  const { runPluginMain } = await import("./skel/main.ts");
  await runPluginMain({ name });
}

main().catch((err: unknown) => {
  writeSync(2, `cni-ts: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
