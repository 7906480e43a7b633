// Node single-executable application: blob from the bundle, injected into a
// stripped copy of the pinned Node 24 runtime.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { NATIVE_ASSET_KEY, SEA_SENTINEL_FUSE } from "./paths.mjs";

/**
 * The Node runtime an executable embeds, and how to run it on the build
 * machine (directly, or under qemu-user for another architecture): blob,
 * code cache and executable must all come from the same runtime.
 *
 * @typedef {{ node: string, run: (args: string[], options?: import("node:child_process").ExecFileSyncOptions) => void, strip: string, addon: string }} Runtime
 */

/**
 * The V8 flag every run that writes code cache (or a SEA blob, which holds
 * the main script's) is given: without it the cache's bytes differ from one
 * run to the next, so no two builds would make the same executable. V8
 * leaves it out of the flag hash a cache is checked against, so the
 * executable, which runs without it, still accepts the cache.
 */
export const REPRODUCIBLE_V8 = "--predictable";

/**
 * Write the SEA config and generate the blob with the pinned runtime (a blob
 * only runs on the Node version that made it).
 *
 * @param {{ runtime: Runtime, dir: string, main: string, useCodeCache: boolean, assets?: Record<string, string> }} options
 * @returns {string} the blob's path
 */
export function makeSeaBlob({ runtime, dir, main, useCodeCache, assets = {} }) {
  const blob = join(dir, "sea-prep.blob");
  // Paths relative to `dir` (the generator runs there): the main path is what
  // stack traces show, so it carries no build-machine directory.
  const config = {
    main: relative(dir, main),
    output: "sea-prep.blob",
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache,
    execArgv: [
      // A plugin lives ~50 ms: V8's worker pool (4 threads by default) only
      // costs thread stacks (measured: private dirty memory per bridge ADD
      // 12.0 -> 11.8 MiB, ADD/DEL/VERSION times unchanged). One thread, the
      // least Node starts: 0 would mean one per CPU but one, and Node waits
      // for all of them to start (63 threads cost `node -e 0` +5 ms here).
      "--v8-pool-size=1",
      // An ADD allocates ~6 MB on the V8 heap, the code cache's objects
      // included; with the default young generation that forced one
      // scavenge (~1.6 ms, objects copied) in every invocation. 8 MB
      // semi-spaces let the process exit before any collection (fewer
      // instructions, lower private memory). A heap-sizing flag: V8 still
      // accepts the code cache made without it.
      "--min-semi-space-size=8",
      // The node agent runs for days: a young generation allowed to grow
      // past 8 MB semi-spaces kept ~18 MB more resident at 5,000 Nodes
      // (docs/agent-bench.md); plugins never fill even one.
      "--max-semi-space-size=8",
      // The runtime's environment reaches every plugin, and these flags take
      // precedence over the variables Node would otherwise obey (SECURITY.md,
      // "Node's own environment variables"): OPENSSL_CONF can load a provider
      // (foreign code) at start-up, NODE_ICU_DATA points ICU at other data
      // files, and NODE_REDIRECT_WARNINGS/NODE_PENDING_DEPRECATION would make
      // a warning write a file of the caller's choosing as root.
      "--openssl-config=/dev/null",
      "--icu-data-dir=/dev/null",
      "--no-warnings",
    ],
    // NODE_OPTIONS is ignored: it could preload code (--require/--import),
    // open a debugger (--inspect-brk), or stop the executable before it
    // prints its JSON answer (an unknown flag).
    execArgvExtension: "none",
    assets: { [NATIVE_ASSET_KEY]: runtime.addon, ...assets },
  };
  const configPath = join(dir, "sea-config.json");
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  runtime.run([REPRODUCIBLE_V8, "--experimental-sea-config", configPath], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  return blob;
}

/**
 * V8 code cache for `script` as the executable will compile it (vm.Script
 * named `filename`), made by the pinned runtime so V8 accepts it.
 *
 * @param {{ runtime: Runtime, script: string, filename: string, output: string, eager?: boolean }} options
 *   `eager`: every function compiled into the cache, not only the top level (see code-cache.cjs)
 */
export function makeCodeCache({ runtime, script, filename, output, eager = false }) {
  const helper = join(dirname(fileURLToPath(import.meta.url)), "code-cache.cjs");
  runtime.run([REPRODUCIBLE_V8, helper, script, filename, output, ...(eager ? ["--eager"] : [])], { stdio: "inherit" });
}

/**
 * Copy the runtime to `output`, strip it and inject the blob.
 *
 * @param {{ runtime: Runtime, blob: string, output: string }} options
 */
export function injectSeaBlob({ runtime, blob, output }) {
  copyFileSync(runtime.node, output);
  chmodSync(output, 0o755);
  execFileSync(runtime.strip, [output], { stdio: "inherit" });
  // postject (LIEF) warns once per stripped note section; keep its real errors only.
  const cli = createRequire(import.meta.url).resolve("postject/dist/cli.js");
  const result = spawnSync(process.execPath, [cli, output, "NODE_SEA_BLOB", blob, "--sentinel-fuse", SEA_SENTINEL_FUSE], {
    encoding: "utf8",
  });
  const noise = /^warning: Can't find string offset for section name/;
  const stderr = result.stderr.split("\n").filter((line) => line && !noise.test(line));
  if (stderr.length) console.error(stderr.join("\n"));
  if (result.status !== 0) throw new Error(`postject failed with status ${result.status}: ${result.stdout}`);
  chmodSync(output, 0o755);
}
