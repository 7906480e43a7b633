import { lstatSync, readdirSync } from "node:fs";
import { parseIp } from "../../src/ip/ip-bytes.ts";
import { parseOwner } from "./owner-record.ts";
import type { StoreFiles } from "./store-files.ts";
import type { Allocation } from "./store.ts";
import { entryPath } from "../../src/safe-dir.ts";

export interface ScannedAllocation extends Allocation {
  name: string;
  mtimeMs: number;
}

/** Every regular, non-empty file named like an address; files that vanish meanwhile are skipped. */
export function scanAddressFiles(files: StoreFiles): ScannedAllocation[] {
  files.stats.fullScans++;
  const found: ScannedAllocation[] = [];
  for (const name of readdirSync(files.dir)) {
    const ip = parseIp(name);
    if (!ip) continue;
    const path = entryPath(files.dir, name);
    let mtimeMs: number;
    try {
      const st = lstatSync(path);
      if (!st.isFile()) continue;
      mtimeMs = st.mtimeMs;
    } catch {
      continue;
    }
    const owner = parseOwner(files.read(path) ?? "");
    if (owner) found.push({ name, ip, mtimeMs, ...owner });
  }
  return found;
}
