/**
 * One flock per attachment across a whole ADD or DEL, so the verbs of one attachment never
 * interleave. The file also holds the attachment's record and goes when the record is empty,
 * so files are bounded by live attachments; a taker that finds its inode unlinked starts over.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  unlinkSync,
  writeSync,
  constants as fsConstants,
} from "node:fs";
import { join } from "node:path";
import { ATTACHMENT_RECORD, readBounded } from "./read-bounded.ts";
import { IoFailureError, hasErrno, type CniError } from "./errors.ts";
import { sha256Hex } from "./hash/sha2.ts";
import { LOCK_EX, native } from "./native/addon.ts";
import { ensureSafeDir, entryPath } from "./safe-dir.ts";
import { storageError } from "./storage-error.ts";

/** Where attachment locks live (root-owned, 0700, emptied at boot). */
const ATTACHMENT_LOCK_DIR = "/run/cni-ts/attachments";

export interface AttachmentId {
  network: string;
  containerId: string;
  ifName: string;
}

/** Records are a few hundred bytes. */
const MAX_RECORD = 4096;

/** A hash, so no input chooses a path. */
export function attachmentLockPath(id: AttachmentId, dir = ATTACHMENT_LOCK_DIR): string {
  return entryPath(dir, sha256Hex(JSON.stringify([id.network, id.containerId, id.ifName])).slice(0, 40));
}

function lockDirError(dir: string, action: string, err: unknown): CniError {
  return storageError("attachment lock directory", dir, action, err, (msg) => new IoFailureError(msg, undefined, { cause: err }));
}

/** Created on first use, checked on every use. */
function ensureLockDir(dir: string): void {
  const parent = join(dir, "..");
  ensureSafeDir(parent, 0o700, "cni-ts run directory", true, (err) => lockDirError(dir, `failed to create ${parent}`, err));
  ensureSafeDir(dir, 0o700, "attachment lock directory", false, (err) => lockDirError(dir, `failed to create ${dir}`, err));
}

export class AttachmentLock {
  private constructor(
    private readonly fd: number,
    readonly path: string,
    private readonly dir: string,
  ) {}

  /**
   * Waits while another verb holds the lock.
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
   * Written over the old record, cut only when that was longer: a new attachment's file is empty,
   * and where /run is on disk every truncation is a journal transaction.
   * @throws {CniError} code 5 when /run cannot take it
   */
  writeRecord(text: string): void {
    try {
      const bytes = Buffer.from(text, "utf8");
      writeSync(this.fd, bytes, 0, bytes.length, 0);
      if (fstatSync(this.fd).size > bytes.length) ftruncateSync(this.fd, bytes.length);
    } catch (err) {
      this.clearRecord();
      throw lockDirError(this.dir, "failed to record the attachment", err);
    }
  }

  /** The attachment is gone. */
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

/** Read without locking: a hint for GC, which re-reads each under its lock before acting. */
export function listRecords(dir = ATTACHMENT_LOCK_DIR): string[] {
  if (!existsSync(dir)) return [];
  ensureLockDir(dir);
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!/^[0-9a-f]{40}$/.test(name)) continue;
    try {
      out.push(readBounded(entryPath(dir, name), ATTACHMENT_RECORD));
    } catch {
      // Removed meanwhile by its DEL.
    }
  }
  return out;
}

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
 */
export async function withAttachmentLock<T>(id: AttachmentId, fn: (lock: AttachmentLock) => T | Promise<T>, dir = ATTACHMENT_LOCK_DIR): Promise<T> {
  const lock = AttachmentLock.acquire(id, dir);
  try {
    return await fn(lock);
  } finally {
    lock.release();
  }
}
