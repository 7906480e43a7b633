/**
 * Whether a path names the plugin's own network namespace (same device and
 * inode as `/proc/self/ns/net`). Used by the skeleton's post-ADD/DEL check.
 *
 * @module
 */
import { statSync } from "node:fs";

/**
 * @param path the `CNI_NETNS` value
 * @returns true only when both stat calls succeed and match; an empty or unopenable path gives false
 * @example isOwnNetnsPath("/proc/self/ns/net") // true
 */
export function isOwnNetnsPath(path: string): boolean {
  if (path === "") return false;
  try {
    const theirs = statSync(path);
    const ours = statSync("/proc/self/ns/net");
    return theirs.dev === ours.dev && theirs.ino === ours.ino;
  } catch {
    return false;
  }
}
