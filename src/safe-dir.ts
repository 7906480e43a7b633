/**
 * Directory safety: the directories a plugin writes into (the host-local
 * store, the attachment locks) must be real directories owned by us and
 * writable by nobody else, so another user can neither redirect nor fill them.
 *
 * @module
 */
import { lstatSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Stats } from "node:fs";
import { type CniError, UnsafePathError, hasErrno } from "./errors.ts";

/**
 * The path of the entry `name` in the directory `dir`, as `path.join` makes
 * it, without normalising the whole path again: the store and the locks
 * build ~20 such paths per ADD, and Node's normalisation, a loop over every
 * character, ran often enough for V8 to compile it with Maglev in every
 * process (BENCHMARKS.md, "Ninth pass").
 *
 * @param dir a directory path as `path.resolve` or `path.join` return it
 * @param name the entry; anything but one plain component goes through `path.join`
 * @example entryPath("/var/lib/cni/networks/net", "10.1.0.2") // "/var/lib/cni/networks/net/10.1.0.2"
 */
export function entryPath(dir: string, name: string): string {
  const plain = dir !== "/" && name !== "" && name !== "." && name !== ".." && !name.includes("/");
  return plain ? `${dir}/${name}` : join(dir, name);
}

/**
 * Refuse a directory that another user could redirect or fill.
 * @throws {UnsafePathError}
 */
function assertSafeDir(path: string, what: string, st: Stats): void {
  if (st.isSymbolicLink()) throw new UnsafePathError(`${what} ${path} is a symbolic link; refusing to use it`);
  if (!st.isDirectory()) throw new UnsafePathError(`${what} ${path} is not a directory`);
  if (st.mode & 0o002) throw new UnsafePathError(`${what} ${path} is world-writable; refusing to use it`);
  const euid = process.geteuid?.();
  if (euid !== undefined && st.uid !== euid) {
    throw new UnsafePathError(`${what} ${path} is owned by uid ${st.uid}, not by uid ${euid}; refusing to use it`);
  }
}

/**
 * Check the directory, creating it first only when it is missing (every
 * verb after the first: one lstat, no mkdir).
 * @param createFailed the error to throw when the directory cannot be created
 * @throws {UnsafePathError} unsafe directory
 */
export function ensureSafeDir(path: string, mode: number, what: string, recursive: boolean, createFailed: (err: unknown) => CniError): void {
  let st: Stats | undefined;
  try {
    st = lstatSync(path);
  } catch {
    // Missing (or unreachable: then mkdir reports why).
  }
  if (st === undefined) {
    try {
      // The leaf on its own: a recursive mkdir reports a read-only file
      // system as ENOENT.
      if (recursive) mkdirSync(dirname(path), { mode, recursive });
      mkdirSync(path, { mode });
    } catch (err) {
      if (!hasErrno(err, "EEXIST")) throw createFailed(err);
    }
    st = lstatSync(path);
  }
  assertSafeDir(path, what, st);
}
