/**
 * One file per attachment listing its addresses, so DEL and CHECK read a handful of files instead
 * of the whole store. A cache only: address files stay the truth, and every use re-checks them.
 */
import { readdirSync } from "node:fs";
import { sha256Hex } from "../../src/hash/sha2.ts";
import { parseIp } from "../../src/ip/ip-bytes.ts";
import type { Owner } from "./owner-record.ts";
import type { StoreFiles } from "./store-files.ts";
import { entryPath } from "../../src/safe-dir.ts";

export interface IndexEntry extends Owner {
  names: Set<string>;
}

function entryKey(containerId: string, ifName: string | undefined): string {
  return JSON.stringify([containerId, ifName ?? null]);
}

export class AttachmentIndex {
  /** `complete` once a full scan filled it. */
  private readonly cache = new Map<string, IndexEntry>();
  private complete = false;
  private readonly dirty = new Set<string>();

  constructor(private readonly files: StoreFiles) {}

  /** Loaded from its file on first use. */
  entry(containerId: string, ifName: string | undefined): IndexEntry {
    const key = entryKey(containerId, ifName);
    let entry = this.cache.get(key);
    if (entry) return entry;
    entry = { containerId, ifName, names: new Set() };
    if (!this.complete) this.load(key, entry);
    this.cache.set(key, entry);
    return entry;
  }

  markDirty(entry: Owner): void {
    this.dirty.add(entryKey(entry.containerId, entry.ifName));
  }

  /** From what a full scan found on disk. */
  rebuild(found: readonly (Owner & { name: string })[]): void {
    for (const name of readdirSync(this.files.metaDir)) {
      if (name.startsWith("a-")) this.files.unlinkQuiet(entryPath(this.files.metaDir, name));
    }
    this.cache.clear();
    this.dirty.clear();
    for (const a of found) {
      const entry = this.entry(a.containerId, a.ifName);
      entry.names.add(a.name);
      this.markDirty(entry);
    }
    this.complete = true;
  }

  /** An empty entry removes its file. */
  flush(): void {
    for (const key of this.dirty) {
      const entry = this.cache.get(key);
      if (!entry) continue;
      const path = this.path(key);
      if (entry.names.size === 0) {
        this.files.unlinkQuiet(path);
      } else {
        const doc = { containerID: entry.containerId, ifname: entry.ifName ?? null, ips: [...entry.names].sort() };
        this.files.writeAtomic(path, JSON.stringify(doc));
      }
    }
    this.dirty.clear();
  }

  /** The next verb reads the files again. */
  forget(): void {
    this.cache.clear();
    this.complete = false;
  }

  private path(key: string): string {
    return entryPath(this.files.metaDir, `a-${sha256Hex(key).slice(0, 40)}`);
  }

  private load(key: string, entry: IndexEntry): void {
    const text = this.files.read(this.path(key));
    if (text === undefined) return;
    try {
      const doc = JSON.parse(text) as { containerID?: unknown; ifname?: unknown; ips?: unknown };
      if (doc.containerID === entry.containerId && (doc.ifname ?? undefined) === entry.ifName && Array.isArray(doc.ips)) {
        for (const ip of doc.ips) if (typeof ip === "string" && parseIp(ip)) entry.names.add(ip);
      }
    } catch {
      // A torn index file cannot exist (rename); ignore garbage.
    }
  }
}
