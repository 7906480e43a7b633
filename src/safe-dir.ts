/**
 * Directories a plugin writes into must be real, ours and writable by nobody else, so another
 * user can neither redirect nor fill them.
 */
import { lstatSync, mkdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Stats } from "node:fs";
import { type CniError, UnsafePathError, hasErrno } from "./errors.ts";

/**
 * The path of the entry `name` in the directory `dir`, as `path.join` makes
 * it, without normalising the whole path again (a hot path: ~20 per ADD);
 * a `name` that is not one plain component goes through `path.join`.
 */
export function entryPath(dir: string, name: string): string {
  const plain = dir !== "/" && name !== "" && name !== "." && name !== ".." && !name.includes("/");
  return plain ? `${dir}/${name}` : join(dir, name);
}

/** @throws {UnsafePathError} */
function assertSafeDir(path: string, what: string, st: Stats): void {
  if (st.isSymbolicLink()) throw new UnsafePathError(`${what} ${path} is a symbolic link; refusing to use it`);
  if (!st.isDirectory()) throw new UnsafePathError(`${what} ${path} is not a directory`);
  if (st.mode & 0o002) throw new UnsafePathError(`${what} ${path} is world-writable; refusing to use it`);
  if (st.mode & 0o020) throw new UnsafePathError(`${what} ${path} is group-writable; refusing to use it`);
  const euid = process.geteuid?.();
  if (euid !== undefined && st.uid !== euid) {
    throw new UnsafePathError(`${what} ${path} is owned by uid ${st.uid}, not by uid ${euid}; refusing to use it`);
  }
}

/**
 * Creates the directory only when missing, so later verbs cost one lstat.
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

function trustedOwner(uid: number): boolean {
  return uid === 0 || uid === process.geteuid?.();
}

/**
 * No other user may swap a directory above `path` (not checked itself): each existing ancestor
 * is ours or root's and not writable by others unless sticky, or such a symlink to one.
 * @throws {UnsafePathError} naming the ancestor and why
 */
export function assertSafeAncestors(path: string, what: string): void {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) {
      if (!trustedOwner(st.uid)) throw new UnsafePathError(`${what} ${path} lies under ${dir}, a symbolic link owned by uid ${st.uid}; refusing to use it`);
      const target = realpathSync(dir);
      assertSafeAncestorDir(target, path, what);
      assertSafeAncestors(target, what);
    } else if (st) {
      assertSafeAncestorDir(dir, path, what, st);
    }
    if (dir === dirname(dir)) return;
  }
}

function assertSafeAncestorDir(dir: string, path: string, what: string, st: Stats = lstatSync(dir)): void {
  const writableByOthers = (st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0;
  if (!trustedOwner(st.uid) || writableByOthers) {
    throw new UnsafePathError(`${what} ${path} lies under ${dir}, which another user can modify; refusing to use it`);
  }
}
