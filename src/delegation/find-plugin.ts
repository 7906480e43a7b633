import { statSync } from "node:fs";
import { join } from "node:path";
import { IpamError } from "../errors.ts";

/**
 * As libcni's `FindInPath`: the first regular file named `name` in the `CNI_PATH` directories.
 * @throws {IpamError} an empty or invalid name, no paths, or not found
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

/** Same device and inode as `process.execPath`: our multi-call executable under any name. */
export function isOwnExecutable(path: string): boolean {
  const self = statSync(process.execPath, { throwIfNoEntry: false });
  const other = statSync(path, { throwIfNoEntry: false });
  return !!self && !!other && self.dev === other.dev && self.ino === other.ino;
}
