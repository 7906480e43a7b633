/**
 * The debug log's files: written only into a directory no one but us can
 * change, only to files this log created itself, never through a symlink,
 * and rotation renames only such files.
 *
 * - The directory must be a directory owned by our effective user and not
 *   writable by group or others (no sticky-bit exception): nobody else can
 *   then plant, swap or remove entries between our checks and our writes.
 * - A log file comes into being whole: its marker line ({@link MARKER_LINE})
 *   is written to a private temporary file (`O_EXCL`) that is then
 *   `link()`ed to the log's name, which fails if the name exists.
 * - An existing file is used only when it is a regular file (opened
 *   `O_NOFOLLOW|O_NONBLOCK`: a symlink or FIFO is never followed or waited
 *   on), owned by us, with one link, and starts with the marker line: a file
 *   that merely sits at the name (`/etc/shadow` hard-linked there, an
 *   administrator's own file) is neither appended to nor rotated.
 * - Rotation renames `<file>` to `<file>.1` only when `<file>` is ours and
 *   `<file>.1` is absent or ours too.
 *
 * Imports only `node:fs`: this runs in every logged invocation.
 *
 * @module
 */
import { closeSync, constants, fstatSync, linkSync, lstatSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from "node:fs";

/** First line of every log file: how the log recognises its own files. */
export const MARKER_LINE = '{"cniTsDebugLog":1}\n';
const MARKER = Buffer.from(MARKER_LINE);

// Read-write so the marker can be read through the same descriptor (reads take a position; writes still append).
const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Why a log directory or file is not used. */
export class UnsafeLogPathError extends Error {
  override name = "UnsafeLogPathError";
}

function euid(): number {
  return process.geteuid?.() ?? 0;
}

/**
 * Check that `dir` can hold a log: a directory owned by us, not writable by group or others.
 *
 * @throws {UnsafeLogPathError} naming the reason
 */
export function checkLogDirectory(dir: string): void {
  const st = statSync(dir);
  if (!st.isDirectory()) throw new UnsafeLogPathError(`${dir} is not a directory`);
  if (st.uid !== euid()) throw new UnsafeLogPathError(`${dir} is owned by uid ${st.uid}, not ${euid()}`);
  if ((st.mode & 0o022) !== 0) throw new UnsafeLogPathError(`${dir} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`);
}

function isOurs(st: Stats): boolean {
  return st.isFile() && st.uid === euid() && st.nlink === 1;
}

function startsWithMarker(fd: number): boolean {
  const head = Buffer.alloc(MARKER.length);
  return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(MARKER);
}

/** Whether the file at `path` (not followed) is one this log created; false when absent. */
function isOurLogFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch {
    return false;
  }
  try {
    return isOurs(fstatSync(fd)) && startsWithMarker(fd);
  } finally {
    closeSync(fd);
  }
}

/** Create `path` holding only the marker line; nothing when the name exists (another invocation was first). */
function createLogFile(path: string): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    try {
      writeSync(fd, MARKER);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** Open our log at `path` for appending, creating it when absent. */
function openOwnLog(path: string): { fd: number; st: Stats } {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, APPEND_FLAGS);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      createLogFile(path);
      continue;
    }
    try {
      const st = fstatSync(fd);
      if (!isOurs(st)) throw new UnsafeLogPathError(`${path} is not a regular file of ours (uid ${st.uid}, ${st.nlink} links)`);
      if (!startsWithMarker(fd)) throw new UnsafeLogPathError(`${path} was not created by the debug log (no marker line)`);
      return { fd, st };
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }
  throw new UnsafeLogPathError(`${path} keeps disappearing`);
}

/**
 * Append one line to the log at `path` (its directory already checked with
 * {@link checkLogDirectory}), rotating it to `<path>.1` first when the line
 * would take it past `maxBytes`.
 *
 * @param line one whole line, written with a single `write(2)` so concurrent invocations never interleave
 * @param maxBytes rotation size; 0 = never rotate
 * @throws {UnsafeLogPathError} when `path` (or `<path>.1`) is not a file this log created; the filesystem's error otherwise
 */
export function appendLogLine(path: string, line: Buffer, maxBytes: number): void {
  let { fd, st } = openOwnLog(path);
  try {
    if (maxBytes > 0 && st.size > MARKER.length && st.size + line.length > maxBytes) {
      const current = lstatSync(path, { throwIfNoEntry: false });
      const rotated = `${path}.1`;
      // Another invocation may have rotated first: then `path` is a new file and this one is done.
      if (current && current.ino === st.ino && current.dev === st.dev) {
        if (lstatSync(rotated, { throwIfNoEntry: false }) && !isOurLogFile(rotated)) {
          throw new UnsafeLogPathError(`${rotated} was not created by the debug log: not rotating over it`);
        }
        renameSync(path, rotated);
      }
      closeSync(fd);
      fd = -1;
      ({ fd, st } = openOwnLog(path));
    }
    writeSync(fd, line);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
