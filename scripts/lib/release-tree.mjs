// The files a release carries, laid out in a directory: the executable, one
// hard link per plugin name, and the native addon under the name the
// executable looks for beside itself (src/native/embedded-addon.ts).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, linkSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MAIN_NAME, PLUGIN_NAMES } from "./paths.mjs";

/**
 * The first 16 hex digits of the addon's SHA-256: the build embeds it and
 * the executable derives the addon's file name from it.
 *
 * @param {string} addonPath
 */
export function addonSha16(addonPath) {
  return createHash("sha256").update(readFileSync(addonPath)).digest("hex").slice(0, 16);
}

/**
 * Copy the executable into `dir` (a private copy: a concurrent rebuild of
 * the source directory cannot change it under tar), hard-link the plugin
 * names to it and put the addon beside it, root's modes.
 *
 * @param {{ dir: string, binDir: string, addon: string }} options
 */
export function stageExecutables({ dir, binDir, addon }) {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  copyFileSync(join(binDir, MAIN_NAME), join(dir, MAIN_NAME));
  chmodSync(join(dir, MAIN_NAME), 0o755);
  for (const name of PLUGIN_NAMES) linkSync(join(dir, MAIN_NAME), join(dir, name));
  const addonFile = join(dir, `cni_ts_native-${addonSha16(addon)}.node`);
  copyFileSync(addon, addonFile);
  chmodSync(addonFile, 0o644);
}

/** Reproducible archives: SOURCE_DATE_EPOCH, else the last commit's time, else 0. */
export function sourceDateEpoch(root) {
  if (process.env.SOURCE_DATE_EPOCH) return process.env.SOURCE_DATE_EPOCH;
  try {
    return execFileSync("git", ["log", "-1", "--format=%ct"], { cwd: root, encoding: "utf8" }).trim() || "0";
  } catch {
    return "0";
  }
}

/**
 * Tar `dir`'s contents into `file` reproducibly (fixed owner, order and
 * timestamp; hard links kept as links), gzip'd when `gzip` is set.
 *
 * @param {{ file: string, dir: string, epoch: string, gzip: boolean }} options
 */
export function reproducibleTar({ file, dir, epoch, gzip }) {
  execFileSync(
    "tar",
    [
      "--create",
      "--file",
      file,
      ...(gzip ? ["--use-compress-program", "gzip -n -6"] : []),
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      // A builder's umask (002 for many non-root users) must not show in the archive.
      "--mode=go-w",
      "--sort=name",
      "--format=gnu",
      `--mtime=@${epoch}`,
      "--directory",
      dir,
      ".",
    ],
    { stdio: "inherit" },
  );
}

/** SHA-256 of a file, hex. */
export function sha256File(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
