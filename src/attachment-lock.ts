/**
 * One lock per attachment (network name + container id + interface name),
 * held across a whole ADD or DEL, so the two verbs of one attachment never
 * interleave: whatever order a runtime runs them in, the attachment ends up
 * fully there or fully gone.
 *
 * The lock is `flock` on a file in a root-owned private directory on
 * `/run` (emptied at every boot). The file also carries the attachment's
 * record, a short text the verb writes (the bridge keeps the identity of
 * the host veth it made there). A file exists only while it holds a
 * record: a verb that leaves the record empty removes the file before
 * unlocking, so lock files are bounded by the attachments alive on the node.
 *
 * Removing a lock file while others wait on it is safe because every taker
 * checks, once locked, that the path still names the inode it locked, and
 * starts over otherwise.
 *
 * @module
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, lstatSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, writeSync, constants as fsConstants } from "node:fs";
import { join } from "node:path";
import { IoFailureError, hasErrno, type CniError } from "./errors.ts";
import { sha256Hex } from "./hash/sha2.ts";
import { LOCK_EX, native } from "./native/addon.ts";
import { ensureSafeDir, entryPath } from "./safe-dir.ts";
import { storageError } from "./storage-error.ts";

/** Where attachment locks live (root-owned, 0700, emptied at boot). */
const ATTACHMENT_LOCK_DIR = "/run/cni-ts/attachments";

/** What identifies an attachment. */
export interface AttachmentId {
  network: string;
  containerId: string;
  ifName: string;
}

/** The largest record read back (records are a few hundred bytes). */
const MAX_RECORD = 4096;

/**
 * The lock file of an attachment: a hash, so no input chooses a path.
 *
 * @example attachmentLockPath({ network: "n", containerId: "c", ifName: "eth0" })
 */
export function attachmentLockPath(id: AttachmentId, dir = ATTACHMENT_LOCK_DIR): string {
  return entryPath(dir, sha256Hex(JSON.stringify([id.network, id.containerId, id.ifName])).slice(0, 40));
}

function lockDirError(dir: string, action: string, err: unknown): CniError {
  return storageError("attachment lock directory", dir, action, err, (msg) => new IoFailureError(msg, undefined, { cause: err }));
}

/** The private directories, created on first use and checked on every use. */
function ensureLockDir(dir: string): void {
  const parent = join(dir, "..");
  ensureSafeDir(parent, 0o700, "cni-ts run directory", true, (err) => lockDirError(dir, `failed to create ${parent}`, err));
  ensureSafeDir(dir, 0o700, "attachment lock directory", false, (err) => lockDirError(dir, `failed to create ${dir}`, err));
}

/** A held attachment lock. */
export class AttachmentLock {
  private constructor(
    private readonly fd: number,
    /** The lock file. */
    readonly path: string,
    private readonly dir: string,
  ) {}

  /**
   * Take the attachment's lock, waiting while another verb holds it.
   *
   * @throws {UnsafePathError} the lock directory is not private
   * @throws {CniError} code 5 when it cannot be created or written
   */
  static acquire(id: AttachmentId, dir = ATTACHMENT_LOCK_DIR): AttachmentLock {
    ensureLockDir(dir);
    const path = attachmentLockPath(id, dir);
    for (;;) {
      let fd: number;
      try {
        fd = openSync(path, fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW, 0o600);
      } catch (err) {
        throw lockDirError(dir, "failed to open the attachment lock", err);
      }
      try {
        native().flock(fd, LOCK_EX);
        if (sameInode(fd, path)) return new AttachmentLock(fd, path, dir);
      } catch (err) {
        closeSync(fd);
        throw lockDirError(dir, "failed to lock the attachment", err);
      }
      // Removed (or replaced) by the previous holder: lock the current file.
      closeSync(fd);
    }
  }

  /** The record, "" when none. */
  readRecord(): string {
    const buf = Buffer.alloc(MAX_RECORD);
    const n = readSync(this.fd, buf, 0, MAX_RECORD, 0);
    return buf.toString("utf8", 0, n);
  }

  /**
   * Replace the record.
   * @throws {CniError} code 5 when /run cannot take it
   */
  writeRecord(text: string): void {
    try {
      ftruncateSync(this.fd, 0);
      writeSync(this.fd, text, 0, "utf8");
    } catch (err) {
      this.clearRecord();
      throw lockDirError(this.dir, "failed to record the attachment", err);
    }
  }

  /** Drop the record: the attachment is gone. */
  clearRecord(): void {
    ftruncateSync(this.fd, 0);
  }

  /** Unlock; the file goes first when it holds no record. */
  release(): void {
    try {
      if (fstatSync(this.fd).size === 0) unlinkSync(this.path);
    } catch (err) {
      if (!hasErrno(err, "ENOENT")) throw lockDirError(this.dir, "failed to remove the attachment lock", err);
    } finally {
      closeSync(this.fd);
    }
  }
}

/**
 * Every record in the lock directory, read without locking: a hint for GC,
 * which re-reads each under its attachment's lock before acting.
 */
export function listRecords(dir = ATTACHMENT_LOCK_DIR): string[] {
  if (!existsSync(dir)) return [];
  ensureLockDir(dir);
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!/^[0-9a-f]{40}$/.test(name)) continue;
    try {
      out.push(readFileSync(entryPath(dir, name), "utf8"));
    } catch {
      // Removed meanwhile by its DEL.
    }
  }
  return out;
}

/** Whether `path` still names the file open as `fd`. */
function sameInode(fd: number, path: string): boolean {
  const held = fstatSync(fd);
  try {
    const current = lstatSync(path);
    return current.ino === held.ino && current.dev === held.dev;
  } catch (err) {
    if (hasErrno(err, "ENOENT")) return false;
    throw err;
  }
}

/**
 * Run `fn` holding the attachment's lock.
 *
 * @example await withAttachmentLock({ network, containerId, ifName }, async (lock) => cmdDel(args, raw, lock))
 */
export async function withAttachmentLock<T>(id: AttachmentId, fn: (lock: AttachmentLock) => T | Promise<T>, dir = ATTACHMENT_LOCK_DIR): Promise<T> {
  const lock = AttachmentLock.acquire(id, dir);
  try {
    return await fn(lock);
  } finally {
    lock.release();
  }
}
