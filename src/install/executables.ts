/**
 * Put the plugins into a CNI bin directory as one file
 * with one hard link per plugin name, so three plugins cost one runtime on
 * disk.
 *
 * The copy is run once (`version`) before it replaces anything, then once
 * more to put its native addon beside it (`install-addon`), so the plugins
 * never need a writable, executable cache directory on the node.
 * Replacement is atomic per name: the new executable is written to a temp
 * file inside the target directory (same filesystem), fsync'd, then each
 * name is hard-linked to a temp name and renamed over the old one. A runtime
 * exec'ing a plugin at that moment gets either the complete old file or the
 * complete new one; the old inode is never written to (no ETXTBSY) and a
 * name never points at a half-written file (no ENOEXEC). What a name held
 * before, unless it was our own, is kept first (./backup.ts).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  linkSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { fileId, keepPrevious, readManifest, writeManifest } from "./backup.ts";

/** What to install where. */
export interface InstallOptions {
  /** The multi-call executable to copy. */
  source: string;
  /** The CNI bin directory; created (0755) when missing. */
  dir: string;
  /** The names to install it under. */
  names: readonly string[];
}

/** One installed name. */
export interface InstalledFile {
  name: string;
  path: string;
  /** Whether the file the name held before was kept for uninstall. */
  kept: boolean;
}

/**
 * Install `source` into `dir` under each of `names`, replacing existing files atomically.
 *
 * @param options source, target directory and names
 * @returns the installed paths, in the order of `names`
 * @throws {Error} a Node system error when the directory cannot be written
 * @example
 * installExecutables({ source: process.execPath, dir: "/opt/cni/bin", names: ["bridge", "loopback"] });
 */
export function installExecutables(options: InstallOptions): InstalledFile[] {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const staged = join(dir, `.cni-ts-install-${tag}`);
  const leftovers = [staged];
  try {
    copyFileSync(options.source, staged, constants.COPYFILE_EXCL);
    chmodSync(staged, 0o755);
    syncPath(staged);
    assertRuns(staged, dir);
    installAddonWith(staged, dir);
    const id = fileId(statSync(staged));
    const before = readManifest(dir) ?? { names: [], executables: [] };
    const kept = options.names.map((name) => keepPrevious(dir, name, before.executables));
    const names = [...new Set([...before.names, ...options.names])];
    // Both executables count as ours while the names switch over, so an interrupted install still uninstalls cleanly.
    writeManifest(dir, { ...before, names, executables: [...before.executables, id] });
    const installed: InstalledFile[] = [];
    options.names.forEach((name, i) => {
      const temp = join(dir, `.${name}.cni-ts-install-${tag}`);
      const path = join(dir, name);
      leftovers.push(temp);
      linkSync(staged, temp);
      renameSync(temp, path);
      installed.push({ name, path, kept: kept[i]! });
    });
    syncPath(dir);
    writeManifest(dir, { ...before, names, executables: [id], addon: installedAddon(dir) });
    return installed;
  } finally {
    for (const file of leftovers) {
      try {
        unlinkSync(file);
      } catch {
        // renamed into place, or never created
      }
    }
  }
}

/**
 * Run the staged copy once (as the CLI: its temp name is no plugin's) before
 * any name points at it: a noexec mount or a damaged copy fails here, while
 * the old plugins are still in place.
 */
function assertRuns(staged: string, dir: string): void {
  let stdout: string;
  try {
    stdout = runStaged(staged, ["version"]);
  } catch (err) {
    throw new Error(`the copied executable does not run from ${dir} (${(err as Error).message}); is the directory on a noexec mount?`);
  }
  if (!stdout.startsWith("cni-ts ")) throw new Error(`the copied executable in ${dir} is not cni-ts (it printed ${JSON.stringify(stdout.slice(0, 80))})`);
}

/** Put the staged copy's own embedded addon beside it (not ours: `--from` may name another build). */
function installAddonWith(staged: string, dir: string): void {
  try {
    runStaged(staged, ["install-addon", dir]);
  } catch (err) {
    throw new Error(`the copied executable could not install its native addon into ${dir} (${(err as Error).message})`);
  }
}

/** The addon the staged copy put beside it (it removes every other version). */
function installedAddon(dir: string): { name: string; id: ReturnType<typeof fileId> } | undefined {
  const name = readdirSync(dir).find((n) => /^cni_ts_native-[0-9a-f]{16}\.node$/.test(n));
  return name === undefined ? undefined : { name, id: fileId(statSync(join(dir, name))) };
}

/** Run the staged copy's CLI with a fixed PATH; its stdout, or an Error saying how it failed. */
function runStaged(staged: string, args: string[]): string {
  const run = spawnSync(staged, args, { encoding: "utf8", env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } });
  if (run.status !== 0) throw new Error(run.error ? run.error.message : `exit status ${run.status}: ${run.stderr.trim()}`);
  return run.stdout;
}

function syncPath(path: string): void {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
