/**
 * Locating a delegated plugin (`ipam.type`) in `CNI_PATH`, as libcni's
 * `FindInPath` does.
 *
 * @module
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { IpamError } from "../errors.ts";

/**
 * Find the executable named `name` in the directories `paths`, first match wins.
 *
 * @param name the plugin type, e.g. `host-local`
 * @param paths the `CNI_PATH` directories
 * @returns the full path of the regular file found
 * @throws {IpamError} `no plugin name provided`, `invalid plugin name: x`,
 *   `no paths provided`, or `failed to find plugin "x" in path [a b]`
 * @example findPlugin("host-local", ["/opt/cni/bin"]) // "/opt/cni/bin/host-local"
 */
export function findPlugin(name: string, paths: readonly string[]): string {
  if (!name) throw new IpamError("no plugin name provided");
  if (name.includes("/") || name === "." || name === "..") throw new IpamError(`invalid plugin name: ${name}`);
  const dirs = paths.filter((p) => p !== "");
  if (dirs.length === 0) throw new IpamError("no paths provided");
  for (const dir of dirs) {
    const candidate = join(dir, name);
    const st = statSync(candidate, { throwIfNoEntry: false });
    if (st?.isFile()) return candidate;
  }
  throw new IpamError(`failed to find plugin "${name}" in path [${dirs.join(" ")}]`);
}

/**
 * Whether `path` is the very file this process runs from (same device and
 * inode as `process.execPath`): our multi-call executable under another name.
 */
export function isOwnExecutable(path: string): boolean {
  const self = statSync(process.execPath, { throwIfNoEntry: false });
  const other = statSync(path, { throwIfNoEntry: false });
  return !!self && !!other && self.dev === other.dev && self.ino === other.ino;
}
