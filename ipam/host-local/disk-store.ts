/**
 * The on-disk store, byte-compatible with the reference's `backend/disk`. What cni-ts adds (index,
 * stamp, boot marker, temp files) lives in `<network>/.cni-ts/`, which the reference ignores: it
 * only reads files named like addresses and only deletes files holding exactly an owner record.
 * The layout is in ./README.md.
 */
import { closeSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { IpamError, UnsafePathError } from "../../src/errors.ts";
import { faultPoint } from "../../src/fault-injection.ts";
import { formatIp, parseIp } from "../../src/ip/ip-bytes.ts";
import type { IpBytes } from "../../src/ip/ip-bytes.ts";
import { AttachmentIndex } from "./attachment-index.ts";
import { readBootMarker, writeBootMarker } from "./boot-marker.ts";
import { isIndexCurrent, removeStamp, writeStamp } from "./index-stamp.ts";
import { isOwner, ownerContent, parseOwner } from "./owner-record.ts";
import { scanAddressFiles, type ScannedAllocation } from "./scan.ts";
import { assertSafeAncestors, ensureSafeDir, entryPath } from "../../src/safe-dir.ts";
import { storageError } from "../../src/storage-error.ts";
import { StoreFiles, type DiskStoreStats } from "./store-files.ts";
import { lockStoreDir } from "./store-lock.ts";
import type { Allocation, IpStore } from "./store.ts";

export const META_DIR = ".cni-ts";

/** Whether `name` can be a directory name inside dataDir. */
function isSafeNetworkName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/\0]/.test(name);
}

export class DiskStore implements IpStore {
  readonly dir: string;
  readonly metaDir: string;
  private readonly files: StoreFiles;
  private readonly index: AttachmentIndex;
  private mutating = false;
  private locked = false;

  /**
   * Creates the directories if needed.
   * @throws {UnsafePathError} a network name that would leave dataDir, or a directory (or an
   *   ancestor of dataDir) that another user can change
   * @throws {CniError} a directory cannot be created (code 5 when the file system is full or read-only)
   */
  constructor(dataDir: string, network: string) {
    if (!isSafeNetworkName(network)) {
      throw new UnsafePathError(`network name ${JSON.stringify(network)} cannot be used as a directory name under dataDir`);
    }
    const root = resolve(dataDir);
    const ensure = (path: string, mode: number, what: string, recursive: boolean) =>
      ensureSafeDir(path, mode, what, recursive, (err) =>
        storageError("host-local dataDir", root, `failed to create ${what} ${path}`, err, (msg) => new IpamError(msg, undefined, { cause: err })),
      );
    assertSafeAncestors(root, "dataDir");
    ensure(root, 0o755, "dataDir", true);
    this.dir = entryPath(root, network);
    ensure(this.dir, 0o755, "network directory", false);
    this.metaDir = entryPath(this.dir, META_DIR);
    ensure(this.metaDir, 0o700, "cni-ts index directory", false);
    this.files = new StoreFiles(root, this.dir, this.metaDir);
    this.index = new AttachmentIndex(this.files);
  }

  /** For tests. */
  get stats(): DiskStoreStats {
    return this.files.stats;
  }

  withLock<T>(fn: () => T): T {
    const fd = lockStoreDir(this.dir, (action, err) => this.files.failure(action, err));
    this.locked = true;
    try {
      try {
        if (!isIndexCurrent(this.files)) this.scan();
        return fn();
      } finally {
        this.commit();
      }
    } finally {
      this.locked = false;
      this.index.forget();
      closeSync(fd);
    }
  }

  reserve(containerId: string, ifName: string, ip: IpBytes, rangeId: number): boolean {
    this.beginMutation();
    const name = formatIp(ip);
    if (!this.files.claim(name, ownerContent(containerId, ifName))) return false;
    faultPoint("host-local:after-claim");
    try {
      this.files.overwriteHint(entryPath(this.dir, `last_reserved_ip.${rangeId}`), name);
    } catch (err) {
      // Not recorded in the index yet: the claim alone is undone.
      this.files.unlinkQuiet(entryPath(this.dir, name));
      throw err;
    }
    const entry = this.index.entry(containerId.trim(), ifName);
    entry.names.add(name);
    this.index.markDirty(entry);
    return true;
  }

  lastReservedIp(rangeId: number): IpBytes | undefined {
    const text = this.files.read(entryPath(this.dir, `last_reserved_ip.${rangeId}`));
    return text === undefined ? undefined : parseIp(text.trim());
  }

  getByAttachment(containerId: string, ifName: string): IpBytes[] {
    const id = containerId.trim();
    return [...this.verified(id, ifName), ...this.verified(id, undefined)].map((name) => parseIp(name)!);
  }

  releaseByAttachment(containerId: string, ifName: string): IpBytes[] {
    const id = containerId.trim();
    let names = this.verified(id, ifName);
    let owner: string | undefined = ifName;
    if (names.length === 0) {
      names = this.verified(id, undefined);
      owner = undefined;
    }
    if (names.length === 0) return [];
    this.beginMutation();
    const entry = this.index.entry(id, owner);
    for (const name of names) {
      this.files.unlinkQuiet(entryPath(this.dir, name));
      faultPoint("host-local:after-release-one");
      entry.names.delete(name);
    }
    this.index.markDirty(entry);
    return names.map((name) => parseIp(name)!);
  }

  releaseIp(ip: IpBytes, containerId: string, ifName: string): void {
    const name = formatIp(ip);
    if (!isOwner(this.ownerOf(name), containerId.trim(), ifName)) return;
    this.release(name, containerId.trim(), ifName);
  }

  listAllocations(): Allocation[] {
    return this.scan();
  }

  listAddresses(): IpBytes[] {
    const out: IpBytes[] = [];
    for (const name of readdirSync(this.dir)) {
      const ip = parseIp(name);
      if (ip) out.push(ip);
    }
    return out;
  }

  /** Each only if its owner is still the one scanned. */
  releaseScanned(allocations: ScannedAllocation[]): void {
    for (const a of allocations) {
      if (isOwner(this.ownerOf(a.name), a.containerId, a.ifName)) this.release(a.name, a.containerId, a.ifName);
    }
  }

  /** Rebuilds the index from every address file, sweeping leftovers of interrupted runs. */
  scan(): ScannedAllocation[] {
    this.beginMutation();
    const found = scanAddressFiles(this.files);
    this.files.sweepTemps();
    this.index.rebuild(found);
    return found;
  }

  readBootMarker(): string | undefined {
    return readBootMarker(this.files);
  }

  writeBootMarker(bootId: string): void {
    writeBootMarker(this.files, bootId);
  }

  private ownerOf(name: string) {
    return parseOwner(this.files.read(entryPath(this.dir, name)) ?? "");
  }

  private release(name: string, containerId: string, ifName: string | undefined): void {
    this.beginMutation();
    this.files.unlinkQuiet(entryPath(this.dir, name));
    const entry = this.index.entry(containerId, ifName);
    entry.names.delete(name);
    this.index.markDirty(entry);
  }

  /** The indexed addresses of an owner whose files still say so. */
  private verified(containerId: string, ifName: string | undefined): string[] {
    const entry = this.index.entry(containerId, ifName);
    const out: string[] = [];
    for (const name of entry.names) {
      if (isOwner(this.ownerOf(name), containerId, ifName)) {
        out.push(name);
      } else {
        entry.names.delete(name);
        this.beginMutation();
        this.index.markDirty(entry);
      }
    }
    return out;
  }

  private beginMutation(): void {
    if (!this.locked) throw new IpamError("internal error: store changed without holding its lock");
    if (this.mutating) return;
    removeStamp(this.files);
    this.mutating = true;
  }

  /** The index is only a cache: failing to write it (a full disk) does not fail the verb. */
  private commit(): void {
    if (!this.mutating) return;
    try {
      this.index.flush();
      writeStamp(this.files);
    } catch {
      // The stamp stays absent: the next verb rebuilds the index.
    } finally {
      this.mutating = false;
      this.files.discardClaimTemps();
    }
  }
}
