/**
 * The store's file operations: counted reads, removals that tolerate a file
 * already gone, whole-file atomic writes, and exclusive creates with content.
 * Temporary files live in the bookkeeping directory as `tmp-*`.
 *
 * @module
 */
import { closeSync, linkSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { IpamError, hasErrno } from "../../src/errors.ts";

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
   * @param dir the network directory (address files)
   * @param metaDir the bookkeeping directory (temp files)
   */
  constructor(
    readonly dir: string,
    readonly metaDir: string,
  ) {}

  /** A file's content, or undefined when it cannot be read. */
  read(path: string): string | undefined {
    try {
      this.stats.fileReads++;
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  }

  /**
   * Remove a file; one already gone is fine.
   * @throws {IpamError} any other failure
   */
  unlinkQuiet(path: string): void {
    try {
      unlinkSync(path);
    } catch (err) {
      if (!hasErrno(err, "ENOENT")) throw new IpamError(`failed to remove ${path}: ${(err as Error).message}`, undefined, { cause: err });
    }
  }

  /**
   * Write a whole file atomically (temp + rename), mode 0600.
   * @throws {IpamError}
   */
  writeAtomic(path: string, content: string): void {
    const temp = this.tempPath();
    writeFileSync(temp, content, { mode: 0o600, flag: "wx" });
    try {
      renameSync(temp, path);
    } catch (err) {
      this.unlinkQuiet(temp);
      throw new IpamError(`failed to write ${path}: ${(err as Error).message}`, undefined, { cause: err });
    }
  }

  /**
   * Create the file `name` in the network directory with `content`, failing
   * if it exists: content written to a temp file first, then `link`ed to the
   * name (an O_EXCL claim that is never seen half-written); where hard links
   * are not supported, a plain O_EXCL create.
   *
   * @returns false when the name is already taken
   * @throws {IpamError}
   */
  claim(name: string, content: string): boolean {
    const path = join(this.dir, name);
    let temp = this.claimTemps.get(content);
    if (!temp) {
      temp = this.tempPath();
      writeFileSync(temp, content, { mode: 0o600, flag: "wx" });
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
        throw new IpamError(`failed to reserve ${name}: ${(err as Error).message}`, undefined, { cause: err });
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
      if (name.startsWith("tmp-")) this.unlinkQuiet(join(this.metaDir, name));
    }
    this.claimTemps.clear();
  }

  private tempPath(): string {
    return join(this.metaDir, `tmp-${process.pid}-${Date.now().toString(36)}-${tempCounter++}`);
  }

  /** Plain O_EXCL create, removed again if the write fails. */
  private createExclusive(path: string, name: string, content: string): boolean {
    let fd: number;
    try {
      fd = openSync(path, "wx", 0o600);
    } catch (err) {
      if (hasErrno(err, "EEXIST")) return false;
      throw new IpamError(`failed to reserve ${name}: ${(err as Error).message}`, undefined, { cause: err });
    }
    try {
      writeSync(fd, content);
    } catch (err) {
      closeSync(fd);
      this.unlinkQuiet(path);
      throw new IpamError(`failed to write ${path}: ${(err as Error).message}`, undefined, { cause: err });
    }
    closeSync(fd);
    return true;
  }
}
