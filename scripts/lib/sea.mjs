// Node single-executable application: blob from the bundle, injected into a
// stripped copy of the pinned Node 24 runtime.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { NATIVE_ADDON, NATIVE_ASSET_KEY, PINNED_NODE, SEA_SENTINEL_FUSE } from "./paths.mjs";

/**
 * Write the SEA config and generate the blob with the pinned runtime (a blob
 * only runs on the Node version that made it).
 *
 * @param {{ dir: string, main: string, useCodeCache: boolean }} options
 * @returns {string} the blob's path
 */
export function makeSeaBlob({ dir, main, useCodeCache }) {
  const blob = join(dir, "sea-prep.blob");
  const config = {
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache,
    assets: { [NATIVE_ASSET_KEY]: NATIVE_ADDON },
  };
  const configPath = join(dir, "sea-config.json");
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  execFileSync(PINNED_NODE, ["--experimental-sea-config", configPath], { stdio: ["ignore", "ignore", "inherit"] });
  return blob;
}

/**
 * Copy the runtime to `output`, strip it and inject the blob.
 *
 * @param {{ blob: string, output: string }} options
 */
export async function injectSeaBlob({ blob, output }) {
  copyFileSync(PINNED_NODE, output);
  chmodSync(output, 0o755);
  execFileSync("strip", [output], { stdio: "inherit" });
  const { inject } = createRequire(import.meta.url)("postject");
  await inject(output, "NODE_SEA_BLOB", readFileSync(blob), { sentinelFuse: SEA_SENTINEL_FUSE });
  chmodSync(output, 0o755);
}
