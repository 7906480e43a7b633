/**
 * The store's file operations: counted reads, removals that tolerate a file
 * already gone, whole-file atomic writes, in-place writes of hints, and
 * exclusive creates with content.
 * Temporary files live in the bookkeeping directory as `tmp-*`; a failing
 * write removes what it created before reporting, so a full or read-only
 * file system leaves no temp file or half-made address file behind, and
 * the error (code 5) names the dataDir and what to free.
 *
 * @module
 */
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  ftruncateSync,
  linkSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { readBounded, STORE_FILE } from "../../src/read-bounded.ts";
import { type CniError, IpamError, hasErrno } from "../../src/errors.ts";
import { storageError } from "../../src/storage-error.ts";
import { entryPath } from "../../src/safe-dir.ts";

/** Counters, so tests can assert what a verb cost. */
export interface DiskStoreStats {
  /** Files whose content was read. */
  fileReads: number;
  /** Full scans of the network directory. */
  fullScans: number;
}

let tempCounter = 0;

/** File operations in one network directory and its bookkeeping directory. */
export class StoreFiles {
  /** What was read so far (for tests). */
  readonly stats: DiskStoreStats = { fileReads: 0, fullScans: 0 };
  /** Temp files kept for the next claim of the same content, by content. */
  private readonly claimTemps = new Map<string, string>();

  /**
   * @param dataDir the configured dataDir (named in errors)
   * @param dir the network directory (address files)
   * @param metaDir the bookkeeping directory (temp files)
   */
  constructor(
    readonly dataDir: string,
    readonly dir: string,
    readonly metaDir: string,
  ) {}

  /** A file's content, or undefined when it cannot be read (also a symlink, FIFO or oversized file planted there). */
  read(path: string): string | undefined {
    try {
      this.stats.fileReads++;
      return readBounded(path, STORE_FILE);
    } catch {
      return undefined;
    }
  }

  /**
   * Remove a file; one already gone is fine.
   * @throws {CniError} see {@link StoreFiles.failure}
   */
  unlinkQuiet(path: string): void {
    try {
      unlinkSync(path);
    } catch (err) {
      if (!hasErrno(err, "ENOENT")) throw this.failure(`failed to remove ${path}`, err);
    }
  }

  /**
   * Write a whole file atomically (temp + rename), mode 0600.
   * @throws {CniError} see {@link StoreFiles.failure}
   */
  writeAtomic(path: string, content: string): void {
    const temp = this.writeTemp(content, `failed to write ${path}`);
    try {
      renameSync(temp, path);
    } catch (err) {
      this.removeQuietly(temp);
      throw this.failure(`failed to write ${path}`, err);
    }
  }

  /**
   * Write a hint in place: `content` over the file's start, cut to its
   * length; the file is created if missing. For a file whose torn content
   * after a crash does no harm (the reader validates it, as it must a file
   * the reference wrote), where replacing it atomically costs a flush: ext4
   * and XFS write a file's data out when it replaces another by rename (or
   * was truncated to zero), their guard for rename-replacing writers, ~0.3 ms
   * per ADD on the benchmark machine's disk against ~15 µs for this
   * (BENCHMARKS.md). Anything but a plain file with one link there (a
   * symlink, a FIFO, a hard link to something else) is replaced atomically
   * instead, never written through.
   *
   * @throws {CniError} see {@link StoreFiles.failure}
   */
  overwriteHint(path: string, content: string): void {
    const { O_WRONLY, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = fsConstants;
    let fd: number;
    try {
      fd = openSync(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600);
    } catch (err) {
      if (hasErrno(err, "ELOOP", "ENXIO", "EISDIR")) return this.writeAtomic(path, content);
      throw this.failure(`failed to write ${path}`, err);
    }
    let created = false;
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.nlink !== 1) {
        closeSync(fd);
        fd = -1;
        return this.writeAtomic(path, content);
      }
      created = st.size === 0;
      const bytes = Buffer.from(content);
      writeSync(fd, bytes, 0, bytes.length, 0);
      ftruncateSync(fd, bytes.length);
    } catch (err) {
      // A hint this run created and could not fill is not left behind empty.
      if (created) this.removeQuietly(path);
      throw this.failure(`failed to write ${path}`, err);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /**
   * Create the file `name` in the network directory with `content`, failing
   * if it exists: content written to a temp file first, then `link`ed to the
   * name (an O_EXCL claim that is never seen half-written); where hard links
   * are not supported, a plain O_EXCL create.
   *
   * @returns false when the name is already taken
   * @throws {CniError} see {@link StoreFiles.failure}
   */
  claim(name: string, content: string): boolean {
    const path = entryPath(this.dir, name);
    let temp = this.claimTemps.get(content);
    if (!temp) {
      temp = this.writeTemp(content, `failed to reserve ${name}`);
      this.claimTemps.set(content, temp);
    }
    try {
      linkSync(temp, path);
      // One inode per address file: the next claim gets a fresh temp.
      this.claimTemps.delete(content);
      this.unlinkQuiet(temp);
      return true;
    } catch (err) {
      if (hasErrno(err, "EEXIST")) return false;
      if (!hasErrno(err, "EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "EMLINK")) {
        throw this.failure(`failed to reserve ${name}`, err);
      }
    }
    return this.createExclusive(path, name, content);
  }

  /** Remove the temp files this instance still keeps for claims. */
  discardClaimTemps(): void {
    for (const temp of this.claimTemps.values()) this.unlinkQuiet(temp);
    this.claimTemps.clear();
  }

  /** Remove every temp file, ours or left by an interrupted run. */
  sweepTemps(): void {
    for (const name of readdirSync(this.metaDir)) {
      if (name.startsWith("tmp-")) this.unlinkQuiet(entryPath(this.metaDir, name));
    }
    this.claimTemps.clear();
  }

  /**
   * The error for a failed file operation: what to free when the file
   * system is full or read-only, otherwise an IPAM failure.
   */
  failure(action: string, err: unknown): CniError {
    return storageError("host-local dataDir", this.dataDir, action, err, (msg) => new IpamError(msg, undefined, { cause: err }));
  }

  /** A new temp file holding `content` (removed again if writing it fails). */
  private writeTemp(content: string, action: string): string {
    const temp = entryPath(this.metaDir, `tmp-${process.pid}-${Date.now().toString(36)}-${tempCounter++}`);
    try {
      writeFileSync(temp, content, { mode: 0o600, flag: "wx" });
    } catch (err) {
      // The create may have succeeded and the write failed (a full disk).
      if (!hasErrno(err, "EEXIST")) this.removeQuietly(temp);
      throw this.failure(action, err);
    }
    return temp;
  }

  /** Best-effort removal on an error path, where the first error is the one to report. */
  private removeQuietly(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // Already reporting a failure; a leftover temp is swept by the next scan.
    }
  }

  /** Plain O_EXCL create, removed again if the write fails. */
  private createExclusive(path: string, name: string, content: string): boolean {
    let fd: number;
    try {
      fd = openSync(path, "wx", 0o600);
    } catch (err) {
      if (hasErrno(err, "EEXIST")) return false;
      throw this.failure(`failed to reserve ${name}`, err);
    }
    try {
      writeSync(fd, content);
    } catch (err) {
      closeSync(fd);
      this.removeQuietly(path);
      throw this.failure(`failed to write ${path}`, err);
    }
    closeSync(fd);
    return true;
  }
}
