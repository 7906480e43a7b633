/**
 * The store's file operations. A failing write removes what it created before reporting, so a full
 * or read-only file system leaves no temp or half-made address file behind.
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

/** So tests can assert what a verb cost. */
export interface DiskStoreStats {
  fileReads: number;
  fullScans: number;
}

let tempCounter = 0;

export class StoreFiles {
  readonly stats: DiskStoreStats = { fileReads: 0, fullScans: 0 };
  /** Kept for the next claim of the same content. */
  private readonly claimTemps = new Map<string, string>();

  /** @param dataDir named in errors */
  constructor(
    readonly dataDir: string,
    readonly dir: string,
    readonly metaDir: string,
  ) {}

  /** undefined when it cannot be read, also for a symlink, FIFO or oversized file planted there. */
  read(path: string): string | undefined {
    try {
      this.stats.fileReads++;
      return readBounded(path, STORE_FILE);
    } catch {
      return undefined;
    }
  }

  /** @throws {CniError} see {@link StoreFiles.failure}; a file already gone is fine */
  unlinkQuiet(path: string): void {
    try {
      unlinkSync(path);
    } catch (err) {
      if (!hasErrno(err, "ENOENT")) throw this.failure(`failed to remove ${path}`, err);
    }
  }

  /** @throws {CniError} see {@link StoreFiles.failure} */
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
   * In place, for a file whose torn content does no harm (the reader validates it): ext4 and XFS
   * flush a file's data when a rename replaces it, a disk write on every ADD. Anything but a plain
   * file with one link (symlink, FIFO, hard link) is replaced atomically, never written through.
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
   * A temp file `link`ed to the name: an exclusive create never seen half-written (plain O_EXCL
   * where hard links are not supported).
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

  discardClaimTemps(): void {
    for (const temp of this.claimTemps.values()) this.unlinkQuiet(temp);
    this.claimTemps.clear();
  }

  /** Ours and those left by an interrupted run. */
  sweepTemps(): void {
    for (const name of readdirSync(this.metaDir)) {
      if (name.startsWith("tmp-")) this.unlinkQuiet(entryPath(this.metaDir, name));
    }
    this.claimTemps.clear();
  }

  /** Says what to free when the file system is full or read-only; otherwise an IPAM failure. */
  failure(action: string, err: unknown): CniError {
    return storageError("host-local dataDir", this.dataDir, action, err, (msg) => new IpamError(msg, undefined, { cause: err }));
  }

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

  /** On an error path, where the first error is the one to report. */
  private removeQuietly(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // Already reporting a failure; a leftover temp is swept by the next scan.
    }
  }

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
