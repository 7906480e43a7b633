/**
 * The on-disk store, byte-compatible with the reference's `backend/disk`:
 * `<dataDir>/<network>/<ip>` holds `<containerID>\r\n<ifname>` (0600),
 * `last_reserved_ip.<rangeId>` the last address handed out per set, and
 * `lock` is flock'ed for the whole verb.
 *
 * What cni-ts adds lives in `<network>/.cni-ts/` (the reference ignores it:
 * its allocator only looks at files named like addresses, and its release
 * walk only deletes files whose content is exactly `<id>\r\n<ifname>` or
 * `<id>`, which ours never are): the attachment index (./attachment-index.ts),
 * the stamp that says whether the index is current (./index-stamp.ts), the
 * boot marker (./boot-marker.ts) and temp files (./store-files.ts).
 *
 * This class only sequences those pieces: lock, check the stamp (scan when
 * stale), run the verb, write the index and stamp back.
 *
 * @module
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
import { ensureSafeDir, entryPath } from "../../src/safe-dir.ts";
import { storageError } from "../../src/storage-error.ts";
import { StoreFiles, type DiskStoreStats } from "./store-files.ts";
import { lockStoreDir } from "./store-lock.ts";
import type { Allocation, IpStore } from "./store.ts";

/** Our bookkeeping directory inside the network directory. */
export const META_DIR = ".cni-ts";

/**
 * Whether `name` can be a directory name inside dataDir.
 *
 * @example isSafeNetworkName("..") // false
 */
function isSafeNetworkName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/\0]/.test(name);
}

/** The disk store of one network. */
export class DiskStore implements IpStore {
  /** `<dataDir>/<network>`. */
  readonly dir: string;
  /** `<dir>/.cni-ts`. */
  readonly metaDir: string;
  private readonly files: StoreFiles;
  private readonly index: AttachmentIndex;
  private mutating = false;
  private locked = false;

  /**
   * Open (creating if needed) the store of `network` under `dataDir`.
   *
   * @throws {UnsafePathError} a network name that would leave dataDir, or an
   *   unsafe dataDir / network directory (symlink, world-writable, other owner)
   * @throws {CniError} a directory cannot be created (code 5 when the file
   *   system is full, read-only or not writable)
   * @example const store = new DiskStore("/var/lib/cni/networks", "mynet");
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
    ensure(root, 0o755, "dataDir", true);
    this.dir = entryPath(root, network);
    ensure(this.dir, 0o755, "network directory", false);
    this.metaDir = entryPath(this.dir, META_DIR);
    ensure(this.metaDir, 0o700, "cni-ts index directory", false);
    this.files = new StoreFiles(root, this.dir, this.metaDir);
    this.index = new AttachmentIndex(this.files);
  }

  /** What this instance read (for tests). */
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

  /**
   * Delete the given address files (GC and reboot reclaim), each only if its
   * owner is still the one scanned.
   */
  releaseScanned(allocations: ScannedAllocation[]): void {
    for (const a of allocations) {
      if (isOwner(this.ownerOf(a.name), a.containerId, a.ifName)) this.release(a.name, a.containerId, a.ifName);
    }
  }

  /**
   * Read every address file and rebuild the index from what is on disk
   * (cleaning leftovers of interrupted runs).
   *
   * @returns every allocation, with its file's mtime
   */
  scan(): ScannedAllocation[] {
    this.beginMutation();
    const found = scanAddressFiles(this.files);
    this.files.sweepTemps();
    this.index.rebuild(found);
    return found;
  }

  /** The reclaim marker's boot id, if any. */
  readBootMarker(): string | undefined {
    return readBootMarker(this.files);
  }

  /** Record the boot id whose reclaim is done. */
  writeBootMarker(bootId: string): void {
    writeBootMarker(this.files, bootId);
  }

  // --- internals ---

  private ownerOf(name: string) {
    return parseOwner(this.files.read(entryPath(this.dir, name)) ?? "");
  }

  /** Delete one address file and drop it from its owner's index entry. */
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

  /**
   * Write changed index entries, then set and record the directory's mtime.
   * The index is a cache of the address files, so failing to write it (a
   * full disk) does not fail the verb: the stamp, removed before the first
   * change, stays absent and the next verb rebuilds the index by a scan.
   */
  private commit(): void {
    if (!this.mutating) return;
    try {
      this.index.flush();
      writeStamp(this.files);
    } catch {
      // No stamp: the index is rebuilt next time.
    } finally {
      this.mutating = false;
      this.files.discardClaimTemps();
    }
  }
}
