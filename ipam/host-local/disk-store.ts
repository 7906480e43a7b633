/**
 * The on-disk store, byte-compatible with the reference's `backend/disk`:
 * `<dataDir>/<network>/<ip>` holds `<containerID>\r\n<ifname>` (0600),
 * `last_reserved_ip.<rangeId>` the last address handed out per set, and
 * `lock` is flock'ed for the whole verb.
 *
 * What cni-ts adds lives in `<network>/.cni-ts/` (the reference ignores it:
 * its allocator only looks at files named like addresses, and its release
 * walk only deletes files whose content is exactly `<id>\r\n<ifname>` or
 * `<id>`, which ours never are):
 * - `a-<sha256(key)>`: one index file per attachment, JSON listing its
 *   addresses, so DEL/CHECK read a handful of files, not the whole store;
 * - `stamp`: the network directory's mtime after our last write. We set
 *   that mtime ourselves to a value with random nanoseconds, so any later
 *   create/delete by someone else (the reference) changes it; then, and
 *   after any crash (the stamp is removed before every change and written
 *   back last), the index is rebuilt by one full scan;
 * - `boot`: the boot id of the last reboot reclaim;
 * - `tmp-*`: temporary files (content written first, then `link`ed to the
 *   address name, which fails if it exists: an O_EXCL claim with content).
 *
 * @module
 */
import {
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
  constants as fsConstants,
} from "node:fs";
import type { Stats } from "node:fs";
import { join, resolve } from "node:path";
import { IpamError, UnsafePathError, hasErrno } from "../../src/errors.ts";
import { sha256Hex } from "../../src/hash/sha2.ts";
import { formatIp, parseIp } from "../../src/ip/ip-bytes.ts";
import type { IpBytes } from "../../src/ip/ip-bytes.ts";
import { LOCK_EX, native } from "../../src/native/addon.ts";
import { faultPoint } from "../../src/fault-injection.ts";
import type { Allocation, IpStore } from "./store.ts";

/** Our bookkeeping directory inside the network directory. */
export const META_DIR = ".cni-ts";

/** One address file found by a full scan. */
export interface ScannedAllocation extends Allocation {
  /** File name in the network directory. */
  name: string;
  /** Modification time of the address file (ms). */
  mtimeMs: number;
}

/** Counters, so tests can assert what a verb cost. */
export interface DiskStoreStats {
  /** Files whose content was read. */
  fileReads: number;
  /** Full scans of the network directory. */
  fullScans: number;
}

interface IndexEntry {
  containerId: string;
  ifName: string | undefined;
  names: Set<string>;
}

let tempCounter = 0;

function entryKey(containerId: string, ifName: string | undefined): string {
  return JSON.stringify([containerId, ifName ?? null]);
}

function ownerContent(containerId: string, ifName: string): string {
  return `${containerId.trim()}\r\n${ifName}`;
}

/** Parse an address file's content: `<id>\r\n<ifname>`, or legacy `<id>`. */
function parseOwner(content: string): { containerId: string; ifName: string | undefined } | undefined {
  const text = content.trim();
  if (text === "") return undefined;
  const cut = text.indexOf("\r\n");
  if (cut < 0) return { containerId: text, ifName: undefined };
  return { containerId: text.slice(0, cut), ifName: text.slice(cut + 2) };
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
 * @throws {UnsafePathError} unsafe directory
 * @throws {IpamError} it cannot be created
 */
function ensureDir(path: string, mode: number, what: string, recursive: boolean): void {
  let st: Stats | undefined;
  try {
    st = lstatSync(path);
  } catch {
    // Missing (or unreachable: then mkdir reports why).
  }
  if (st === undefined) {
    try {
      mkdirSync(path, { mode, recursive });
    } catch (err) {
      if (!hasErrno(err, "EEXIST")) throw new IpamError(`failed to create ${what} ${path}: ${(err as Error).message}`);
    }
    st = lstatSync(path);
  }
  assertSafeDir(path, what, st);
}

/**
 * Whether `name` can be a directory name inside dataDir.
 *
 * @example isSafeNetworkName("..") // false
 */
export function isSafeNetworkName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/\0]/.test(name);
}

/** The disk store of one network. */
export class DiskStore implements IpStore {
  /** `<dataDir>/<network>`. */
  readonly dir: string;
  /** `<dir>/.cni-ts`. */
  readonly metaDir: string;
  /** What this instance read (for tests). */
  readonly stats: DiskStoreStats = { fileReads: 0, fullScans: 0 };

  /** Index entries loaded so far, by key; `complete` once a full scan filled it. */
  private readonly cache = new Map<string, IndexEntry>();
  private cacheComplete = false;
  private readonly dirty = new Set<string>();
  private mutating = false;
  private locked = false;
  private readonly tempFiles = new Map<string, string>();

  /**
   * Open (creating if needed) the store of `network` under `dataDir`.
   *
   * @throws {UnsafePathError} a network name that would leave dataDir, or an
   *   unsafe dataDir / network directory (symlink, world-writable, other owner)
   * @throws {IpamError} a directory cannot be created
   * @example const store = new DiskStore("/var/lib/cni/networks", "mynet");
   */
  constructor(dataDir: string, network: string) {
    if (!isSafeNetworkName(network)) {
      throw new UnsafePathError(`network name ${JSON.stringify(network)} cannot be used as a directory name under dataDir`);
    }
    const root = resolve(dataDir);
    ensureDir(root, 0o755, "dataDir", true);
    this.dir = join(root, network);
    ensureDir(this.dir, 0o755, "network directory", false);
    this.metaDir = join(this.dir, META_DIR);
    ensureDir(this.metaDir, 0o700, "cni-ts index directory", false);
  }

  withLock<T>(fn: () => T): T {
    let fd: number;
    try {
      fd = openSync(join(this.dir, "lock"), fsConstants.O_RDONLY | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW, 0o750);
    } catch (err) {
      throw new IpamError(`failed to open lock file in ${this.dir}: ${(err as Error).message}`, undefined, { cause: err });
    }
    try {
      try {
        native().flock(fd, LOCK_EX);
      } catch (err) {
        throw new IpamError(`failed to lock ${join(this.dir, "lock")}: ${(err as Error).message}`, undefined, { cause: err });
      }
      this.locked = true;
      try {
        if (!this.isIndexCurrent()) this.scan();
        return fn();
      } finally {
        this.commit();
      }
    } finally {
      this.locked = false;
      this.cache.clear();
      this.cacheComplete = false;
      closeSync(fd);
    }
  }

  reserve(containerId: string, ifName: string, ip: IpBytes, rangeId: number): boolean {
    this.beginMutation();
    const name = formatIp(ip);
    const content = ownerContent(containerId, ifName);
    if (!this.claim(name, content)) return false;
    faultPoint("host-local:after-claim");
    this.writeAtomic(join(this.dir, `last_reserved_ip.${rangeId}`), name);
    const entry = this.entry(containerId.trim(), ifName);
    entry.names.add(name);
    this.dirty.add(entryKey(entry.containerId, entry.ifName));
    return true;
  }

  lastReservedIp(rangeId: number): IpBytes | undefined {
    const text = this.read(join(this.dir, `last_reserved_ip.${rangeId}`));
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
    const entry = this.entry(id, owner);
    for (const name of names) {
      this.unlinkQuiet(join(this.dir, name));
      faultPoint("host-local:after-release-one");
      entry.names.delete(name);
    }
    this.dirty.add(entryKey(id, owner));
    return names.map((name) => parseIp(name)!);
  }

  releaseIp(ip: IpBytes, containerId: string, ifName: string): void {
    const name = formatIp(ip);
    const owner = parseOwner(this.read(join(this.dir, name)) ?? "");
    if (!owner || owner.containerId !== containerId.trim() || owner.ifName !== ifName) return;
    this.beginMutation();
    this.unlinkQuiet(join(this.dir, name));
    const entry = this.entry(owner.containerId, owner.ifName);
    entry.names.delete(name);
    this.dirty.add(entryKey(owner.containerId, owner.ifName));
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
    if (allocations.length === 0) return;
    this.beginMutation();
    for (const a of allocations) {
      const owner = parseOwner(this.read(join(this.dir, a.name)) ?? "");
      if (!owner || owner.containerId !== a.containerId || owner.ifName !== a.ifName) continue;
      this.unlinkQuiet(join(this.dir, a.name));
      const entry = this.entry(a.containerId, a.ifName);
      entry.names.delete(a.name);
      this.dirty.add(entryKey(a.containerId, a.ifName));
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
    this.stats.fullScans++;
    const found: ScannedAllocation[] = [];
    for (const name of readdirSync(this.dir)) {
      const ip = parseIp(name);
      if (!ip) continue;
      const path = join(this.dir, name);
      let mtimeMs: number;
      try {
        const st = lstatSync(path);
        if (!st.isFile()) continue;
        mtimeMs = st.mtimeMs;
      } catch {
        continue;
      }
      const owner = parseOwner(this.read(path) ?? "");
      if (owner) found.push({ name, ip, mtimeMs, ...owner });
    }
    for (const name of readdirSync(this.metaDir)) {
      if (name.startsWith("a-") || name.startsWith("tmp-")) this.unlinkQuiet(join(this.metaDir, name));
    }
    this.tempFiles.clear();
    this.cache.clear();
    this.dirty.clear();
    for (const a of found) {
      const entry = this.entry(a.containerId, a.ifName);
      entry.names.add(a.name);
      this.dirty.add(entryKey(a.containerId, a.ifName));
    }
    this.cacheComplete = true;
    return found;
  }

  /** The reclaim marker's boot id, if any. */
  readBootMarker(): string | undefined {
    const text = this.read(join(this.metaDir, "boot"));
    if (text === undefined) return undefined;
    try {
      const id = (JSON.parse(text) as { bootId?: unknown }).bootId;
      return typeof id === "string" ? id : undefined;
    } catch {
      return undefined;
    }
  }

  /** Record the boot id whose reclaim is done. */
  writeBootMarker(bootId: string): void {
    this.writeAtomic(join(this.metaDir, "boot"), JSON.stringify({ bootId }));
  }

  // --- internals ---

  private read(path: string): string | undefined {
    try {
      this.stats.fileReads++;
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  }

  private unlinkQuiet(path: string): void {
    try {
      unlinkSync(path);
    } catch (err) {
      if (!hasErrno(err, "ENOENT")) throw new IpamError(`failed to remove ${path}: ${(err as Error).message}`, undefined, { cause: err });
    }
  }

  private tempPath(): string {
    return join(this.metaDir, `tmp-${process.pid}-${Date.now().toString(36)}-${tempCounter++}`);
  }

  /** Write a whole file atomically (temp + rename), mode 0600. */
  private writeAtomic(path: string, content: string): void {
    const temp = this.tempPath();
    writeFileSync(temp, content, { mode: 0o600, flag: "wx" });
    try {
      renameSync(temp, path);
    } catch (err) {
      this.unlinkQuiet(temp);
      throw new IpamError(`failed to write ${path}: ${(err as Error).message}`, undefined, { cause: err });
    }
  }

  /** Create the address file with its content, failing if it exists. */
  private claim(name: string, content: string): boolean {
    const path = join(this.dir, name);
    let temp = this.tempFiles.get(content);
    if (!temp) {
      temp = this.tempPath();
      writeFileSync(temp, content, { mode: 0o600, flag: "wx" });
      this.tempFiles.set(content, temp);
    }
    try {
      linkSync(temp, path);
      // One inode per address file: the next claim gets a fresh temp.
      this.tempFiles.delete(content);
      this.unlinkQuiet(temp);
      return true;
    } catch (err) {
      if (hasErrno(err, "EEXIST")) return false;
      if (!hasErrno(err, "EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "EMLINK")) {
        throw new IpamError(`failed to reserve ${name}: ${(err as Error).message}`, undefined, { cause: err });
      }
    }
    // No hard links here: plain O_EXCL create, removed again if the write fails.
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

  private indexPath(key: string): string {
    return join(this.metaDir, `a-${sha256Hex(key).slice(0, 40)}`);
  }

  /** The index entry of an attachment, loaded from its file on first use. */
  private entry(containerId: string, ifName: string | undefined): IndexEntry {
    const key = entryKey(containerId, ifName);
    let entry = this.cache.get(key);
    if (entry) return entry;
    entry = { containerId, ifName, names: new Set() };
    if (!this.cacheComplete) {
      const text = this.read(this.indexPath(key));
      if (text !== undefined) {
        try {
          const doc = JSON.parse(text) as { containerID?: unknown; ifname?: unknown; ips?: unknown };
          if (doc.containerID === containerId && (doc.ifname ?? undefined) === ifName && Array.isArray(doc.ips)) {
            for (const ip of doc.ips) if (typeof ip === "string" && parseIp(ip)) entry.names.add(ip);
          }
        } catch {
          // A torn index file cannot exist (rename); ignore garbage.
        }
      }
    }
    this.cache.set(key, entry);
    return entry;
  }

  /** The indexed addresses of an owner whose files still say so. */
  private verified(containerId: string, ifName: string | undefined): string[] {
    const entry = this.entry(containerId, ifName);
    const out: string[] = [];
    for (const name of entry.names) {
      const owner = parseOwner(this.read(join(this.dir, name)) ?? "");
      if (owner && owner.containerId === containerId && owner.ifName === ifName) {
        out.push(name);
      } else {
        entry.names.delete(name);
        this.beginMutation();
        this.dirty.add(entryKey(containerId, ifName));
      }
    }
    return out;
  }

  private beginMutation(): void {
    if (!this.locked) throw new IpamError("internal error: store changed without holding its lock");
    if (this.mutating) return;
    this.unlinkQuiet(join(this.metaDir, "stamp"));
    this.mutating = true;
  }

  /** Whether the stamp says the index matches the directory. */
  private isIndexCurrent(): boolean {
    const text = this.read(join(this.metaDir, "stamp"));
    if (text === undefined) return false;
    try {
      const stamp = JSON.parse(text) as { mtimeNs?: unknown; ino?: unknown };
      const st = statSync(this.dir, { bigint: true });
      return stamp.mtimeNs === String(st.mtimeNs) && stamp.ino === String(st.ino);
    } catch {
      return false;
    }
  }

  /** Write changed index entries, then set and record the directory's mtime. */
  private commit(): void {
    if (!this.mutating) return;
    for (const key of this.dirty) {
      const entry = this.cache.get(key);
      if (!entry) continue;
      const path = this.indexPath(key);
      if (entry.names.size === 0) {
        this.unlinkQuiet(path);
      } else {
        const doc = { containerID: entry.containerId, ifname: entry.ifName ?? null, ips: [...entry.names].sort() };
        this.writeAtomic(path, JSON.stringify(doc));
      }
    }
    this.dirty.clear();
    for (const temp of this.tempFiles.values()) this.unlinkQuiet(temp);
    this.tempFiles.clear();
    // Nanoseconds the kernel's coarse clock will not reproduce: any later
    // create or delete in the directory by anyone changes the mtime.
    const now = Date.now() / 1000;
    utimesSync(this.dir, now, now - (1 + Math.floor(Math.random() * 999)) / 1_000_000);
    const st = statSync(this.dir, { bigint: true });
    if (st.mtimeNs % 1_000_000_000n !== 0n) {
      // Only trust the stamp where the file system keeps sub-second times.
      this.writeAtomic(join(this.metaDir, "stamp"), JSON.stringify({ mtimeNs: String(st.mtimeNs), ino: String(st.ino) }));
    }
    this.mutating = false;
  }
}
