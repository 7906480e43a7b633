import { statSync } from "node:fs";

/** Whether `path` is the plugin's own netns; false when it cannot be opened. */
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
