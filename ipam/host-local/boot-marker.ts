/** The boot id whose reboot reclaim is done, so it runs once per boot. */
import type { StoreFiles } from "./store-files.ts";
import { entryPath } from "../../src/safe-dir.ts";

export function readBootMarker(files: StoreFiles): string | undefined {
  const text = files.read(entryPath(files.metaDir, "boot"));
  if (text === undefined) return undefined;
  try {
    const id = (JSON.parse(text) as { bootId?: unknown }).bootId;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

export function writeBootMarker(files: StoreFiles, bootId: string): void {
  files.writeAtomic(entryPath(files.metaDir, "boot"), JSON.stringify({ bootId }));
}
