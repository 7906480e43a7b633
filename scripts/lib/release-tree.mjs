// The files a release carries, laid out in a directory: the executable, one
// hard link per plugin name, and the native addon under the name the
// executable looks for beside itself (src/native/embedded-addon.ts).
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readFileSync } from "node:fs";
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

/**
 * The timestamp archives carry: SOURCE_DATE_EPOCH, else the last commit's
 * time, else (not a git checkout) 0. A checkout git will not read (owned by
 * another user: git's safe.directory check) is an error, not 0: that build
 * would silently differ from its owner's.
 */
export function sourceDateEpoch(root) {
  const fromEnv = process.env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined) {
    if (!/^\d{1,12}$/.test(fromEnv)) throw new Error(`SOURCE_DATE_EPOCH must be whole seconds since 1970, not ${JSON.stringify(fromEnv)}`);
    return fromEnv;
  }
  if (!existsSync(join(root, ".git"))) return "0";
  const git = spawnSync("git", ["log", "-1", "--format=%ct"], { cwd: root, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
  const epoch = git.stdout?.trim() ?? "";
  if (git.status !== 0 || !/^\d+$/.test(epoch)) {
    throw new Error(
      `cannot read the last commit's time (${git.error?.message ?? git.stderr.trim().split("\n")[0]}): set SOURCE_DATE_EPOCH to \`git log -1 --format=%ct\` run as the checkout's owner`,
    );
  }
  return epoch;
}

/**
 * Tar `dir`'s contents into `file` reproducibly: fixed owner, order and
 * timestamp, modes that do not depend on the builder's umask (rw for the
 * owner, r for others, x kept where the file has any), hard links kept as
 * links, no extended attributes (the GNU format has none); gzip'd without a
 * name or time in its header when `gzip` is set.
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
      "--mode=u=rwX,go=rX",
      "--sort=name",
      "--format=gnu",
      `--mtime=@${epoch}`,
      "--directory",
      dir,
      ".",
    ],
    { stdio: "inherit", env: { ...process.env, LC_ALL: "C", TZ: "UTC" } },
  );
}

/** SHA-256 of a file, hex. */
export function sha256File(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
