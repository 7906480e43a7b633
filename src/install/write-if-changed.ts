/**
 * Replace a small file atomically, and only when its bytes change: a
 * runtime watching the directory (containerd's CRI reloads its CNI config
 * on every event there) sees one rename of a complete file, never a
 * truncated one, and nothing at all when the content is the same.
 *
 * @module
 */
import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";

/** What {@link writeFileIfChanged} did. */
export type WriteOutcome = "written" | "unchanged";

/**
 * Write `text` to `path` (mode 0644) unless it already holds exactly that.
 * A symlink at `path` is replaced, never followed.
 *
 * @throws {Error} a Node system error when the directory cannot be written
 * @example writeFileIfChanged("/etc/cni/net.d/10-cni-ts.conflist", text) // "written"
 */
export function writeFileIfChanged(path: string, text: string): WriteOutcome {
  const bytes = Buffer.from(text, "utf8");
  if (holds(path, bytes)) return "unchanged";
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  // A dot name the runtime skips (it reads .conf/.conflist/.json only).
  const temp = join(dir, `.${basename(path)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    unlinkSync(temp);
    throw err;
  }
  syncDirectory(dir);
  return "written";
}

function holds(path: string, bytes: Buffer): boolean {
  try {
    const stat = lstatSync(path);
    return stat.isFile() && stat.size === bytes.length && (stat.mode & 0o777) === 0o644 && readFileSync(path).equals(bytes);
  } catch {
    return false;
  }
}

/** Make the rename itself durable. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
