/**
 * What `cni-ts install` put on the node and what it replaced, so that
 * uninstalling restores the node it found. A root-only directory beside the
 * executables (`<bin-dir>/.cni-ts-backup`, same filesystem, so keeping a
 * file is one hard link) holds the files each plugin name had before, under
 * that name, and `manifest.json`: the names installed, the identity (inode,
 * size, mtime) of the executable and addon we wrote, and the hash of the
 * conflist we wrote. A file whose identity no longer matches is someone
 * else's and is left alone.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, linkSync, lstatSync, openSync, readSync, renameSync, type Stats } from "node:fs";
import { join } from "node:path";
import { InvalidConfigError, IoFailureError, UnsafePathError } from "../errors.ts";
import { ensureSafeDir } from "../safe-dir.ts";
import { writeFileIfChanged } from "./write-if-changed.ts";

/** The directory's name inside the CNI bin directory (a dot name: no runtime takes it for a plugin). */
export const BACKUP_DIR_NAME = ".cni-ts-backup";
const MANIFEST = "manifest.json";
const MAX_MANIFEST_BYTES = 64 << 10;

/** Which file a path held when we wrote it. */
export interface FileId {
  ino: number;
  size: number;
  mtimeMs: number;
}

/** What the manifest records. */
export interface Manifest {
  /** Every name we installed the executable under. */
  names: string[];
  /** The executable(s) we installed: one, or two while an install is switching names over. */
  executables: FileId[];
  /** The native addon we installed beside them. */
  addon?: { name: string; id: FileId } | undefined;
  /** The conflist we last wrote. */
  conflist?: { path: string; sha256: string } | undefined;
}

/** The backup directory of a bin directory. */
export function backupDir(binDir: string): string {
  return join(binDir, BACKUP_DIR_NAME);
}

/** A file's identity. */
export function fileId(stat: Stats): FileId {
  return { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
}

/** Whether `stat` is one of `ids`. */
export function matchesId(stat: Stats | undefined, ids: readonly FileId[]): boolean {
  return stat !== undefined && stat.isFile() && ids.some((id) => id.ino === stat.ino && id.size === stat.size && id.mtimeMs === stat.mtimeMs);
}

/** The conflist text's hash, as the manifest records it. */
export function textHash(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** lstat, or undefined when nothing is there. */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Create the backup directory (0700) or check the one there.
 *
 * @throws {UnsafePathError} when it is a symlink, not ours, or open to others
 */
function ensureBackupDir(binDir: string): string {
  const dir = backupDir(binDir);
  ensureSafeDir(dir, 0o700, "cni-ts backup directory", false, (err) => new IoFailureError(`cannot create ${dir}`, (err as Error).message));
  if ((lstatSync(dir).mode & 0o077) !== 0) throw new UnsafePathError(`cni-ts backup directory ${dir} is open to other users; refusing to use it`);
  return dir;
}

/**
 * The manifest of `binDir`, or undefined when cni-ts never installed there.
 *
 * @throws {InvalidConfigError} when the manifest is not one we wrote
 * @throws {UnsafePathError} when the backup directory is unsafe
 */
export function readManifest(binDir: string): Manifest | undefined {
  if (lstatOrUndefined(backupDir(binDir)) === undefined) return undefined;
  const path = join(ensureBackupDir(binDir), MANIFEST);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let text: string;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > MAX_MANIFEST_BYTES) throw new InvalidConfigError(`${path} is not a cni-ts manifest (remove it to start afresh)`);
    const buf = Buffer.alloc(stat.size);
    text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString("utf8");
  } finally {
    closeSync(fd);
  }
  return parseManifest(text, path);
}

function parseManifest(text: string, path: string): Manifest {
  const bad = () => new InvalidConfigError(`${path} is not a cni-ts manifest (remove it to start afresh)`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad();
  }
  const m = doc as Partial<Record<keyof Manifest, unknown>> | null;
  const isId = (v: unknown): v is FileId =>
    typeof v === "object" && v !== null && ["ino", "size", "mtimeMs"].every((k) => typeof (v as Record<string, unknown>)[k] === "number");
  // Names are joined onto the bin directory: plain file names only.
  const isName = (v: unknown): v is string => typeof v === "string" && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v);
  if (m === null || typeof m !== "object" || !Array.isArray(m.names) || !m.names.every(isName)) throw bad();
  if (!Array.isArray(m.executables) || !m.executables.every(isId)) throw bad();
  const addon = m.addon as { name?: unknown; id?: unknown } | undefined;
  if (addon !== undefined && !(isName(addon.name) && isId(addon.id))) throw bad();
  const conflist = m.conflist as { path?: unknown; sha256?: unknown } | undefined;
  if (conflist !== undefined && !(typeof conflist.path === "string" && typeof conflist.sha256 === "string")) throw bad();
  return m as Manifest;
}

/** Write the manifest (atomically, only when it changes). */
export function writeManifest(binDir: string, manifest: Manifest): void {
  writeFileIfChanged(join(ensureBackupDir(binDir), MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Keep what `name` holds before we replace it, unless it is already ours:
 * a hard link in the backup directory, replacing an older backup (the
 * newer file is the one the node had last).
 *
 * @returns whether a file was kept
 */
export function keepPrevious(binDir: string, name: string, ours: readonly FileId[]): boolean {
  const path = join(binDir, name);
  const stat = lstatOrUndefined(path);
  if (stat === undefined || matchesId(stat, ours)) return false;
  if (!stat.isFile() && !stat.isSymbolicLink()) return false;
  const dir = ensureBackupDir(binDir);
  const temp = join(dir, `.${name}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  linkSync(path, temp);
  renameSync(temp, join(dir, name));
  return true;
}

/**
 * Record the conflist we wrote, when `binDir` has a manifest.
 *
 * @example recordConflist("/opt/cni/bin", "/etc/cni/net.d/10-cni-ts.conflist", text)
 */
export function recordConflist(binDir: string, path: string, text: string): void {
  const manifest = readManifest(binDir);
  if (manifest !== undefined) writeManifest(binDir, { ...manifest, conflist: { path, sha256: textHash(text) } });
}
