/**
 * `cni-ts uninstall` and `install --watch --uninstall-on-exit`: undo what
 * install did, and only that. Our routes go (they carry our protocol
 * number); each plugin name gets back the file it held before, or is
 * removed, but only while it still holds the executable we wrote; the
 * conflist goes only while it still has the bytes we wrote; the addon only
 * while it is ours. Whatever someone changed since is left, and said so.
 *
 * @module
 */
import { closeSync, constants, fstatSync, openSync, readSync, renameSync, rmdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { RtnlSocket } from "../netlink/socket.ts";
import { removeEgress } from "../netfilter/egress.ts";
import { backupDir, lstatOrUndefined, matchesId, readManifest, textHash } from "./backup.ts";
import { removeOwnedRoutes } from "./peer-routes.ts";
import type { InstallLocations } from "./settings.ts";
import { syncDirectory } from "./write-if-changed.ts";

/** One line of the agent's log. */
export type Log = (line: string) => void;

/**
 * Undo the install in `locations`, and remove our routes and egress masquerade rules when given a socket.
 *
 * @throws {InvalidConfigError} when the manifest is not ours
 * @throws {UnsafePathError} when the backup directory is unsafe
 * @example uninstall({ cniBinDir: "/opt/cni/bin", cniConfDir: "/etc/cni/net.d", conflistName: "10-cni-ts.conflist" }, sock, console.log)
 */
export function uninstall(locations: InstallLocations, sock: RtnlSocket | undefined, log: Log): void {
  if (sock !== undefined) {
    log(`removed ${removeOwnedRoutes(sock)} route(s)`);
    removeEgressRules(log);
  }
  const binDir = locations.cniBinDir;
  const manifest = readManifest(binDir);
  if (manifest === undefined) {
    log(`nothing of cni-ts to remove in ${binDir}`);
    return;
  }
  const conflist = join(locations.cniConfDir, locations.conflistName);
  const text = readSmallFile(conflist);
  if (text !== undefined) {
    if (manifest.conflist !== undefined && textHash(text) === manifest.conflist.sha256) remove(conflist, log);
    else log(`kept ${conflist}: not the conflist cni-ts wrote`);
  }
  const backups = backupDir(binDir);
  for (const name of manifest.names) {
    const path = join(binDir, name);
    const current = lstatOrUndefined(path);
    const kept = join(backups, name);
    if (current !== undefined && !matchesId(current, manifest.executables)) {
      log(`kept ${path}: replaced since cni-ts installed it`);
    } else if (lstatOrUndefined(kept) !== undefined) {
      renameSync(kept, path);
      log(`restored ${path} (the file cni-ts had replaced)`);
    } else if (current !== undefined) {
      remove(path, log);
    }
  }
  if (manifest.addon !== undefined) {
    const addon = join(binDir, manifest.addon.name);
    if (matchesId(lstatOrUndefined(addon), [manifest.addon.id])) remove(addon, log);
  }
  unlinkSync(join(backups, "manifest.json"));
  try {
    rmdirSync(backups);
  } catch {
    log(`kept ${backups}: it still holds files cni-ts had replaced`);
  }
  syncDirectory(binDir);
}

/** The node-level egress masquerade, of either backend; a failure is logged, the rest of the uninstall goes on. */
function removeEgressRules(log: Log): void {
  try {
    removeEgress();
    log("removed the egress masquerade rules");
  } catch (err) {
    log(`egress masquerade rules not removed: ${(err as Error).message}`);
  }
}

function remove(path: string, log: Log): void {
  unlinkSync(path);
  log(`removed ${path}`);
}

/** A regular file's bytes (at most 1 MiB, not through a symlink), or undefined when it is not one. */
function readSmallFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > 1 << 20) return undefined;
    const buf = Buffer.alloc(stat.size);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
  } finally {
    closeSync(fd);
  }
}
