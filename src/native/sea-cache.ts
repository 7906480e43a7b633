/**
 * Loading the native addon inside a single-executable build.
 *
 * A SEA cannot `require` a `.node` file from its blob, so the addon travels
 * as an SEA asset and is written to a cache directory before `process.dlopen`.
 * Native code runs as root here, so the directory must be one nobody else can
 * write: owned by us, mode 0700, not a symlink, every ancestor owned by root
 * (or us) and not writable by others unless sticky. The cached file is
 * compared byte for byte with the embedded asset on every run (cheaper than
 * hashing it, and stronger), and replaced atomically (temp file + rename)
 * when it differs. Its name carries the asset's SHA-256 so executables of
 * different versions never fight over one file.
 *
 * @module
 */
import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { UnsafePathError } from "../errors.ts";

/** Set by the build: the asset key and the first 16 hex digits of its SHA-256. */
declare const __CNI_TS_NATIVE_ASSET__: string;
declare const __CNI_TS_NATIVE_SHA256__: string;

/**
 * `dlopen(3)`'s RTLD_NOW on Linux (`os.constants.dlopen.RTLD_NOW`), written
 * out so that loading the addon does not load `node:os` on every verb.
 */
const RTLD_NOW = 2;

/** Where the addon is cached unless `CNI_TS_CACHE_DIR` says otherwise. */
export const DEFAULT_CACHE_DIR = "/var/lib/cni-ts/cache";

/**
 * Write (if needed) and load the embedded addon.
 *
 * @throws {UnsafePathError} when the cache directory is not private to this user
 */
export function loadEmbeddedAddon(): unknown {
  const require = createRequire(__filename);
  const sea = require("node:sea") as typeof import("node:sea");
  const asset = new Uint8Array(sea.getRawAsset(__CNI_TS_NATIVE_ASSET__) as ArrayBuffer);
  const dir = process.env.CNI_TS_CACHE_DIR || DEFAULT_CACHE_DIR;
  const file = join(dir, `cni_ts_native-${__CNI_TS_NATIVE_SHA256__}.node`);
  if (!cachedCopyMatches(file, asset)) {
    ensurePrivateDirectory(dir);
    assertPrivateDirectory(dir); // before writing: never write into (or through) an unsafe directory
    writeAtomically(file, asset);
  }
  assertPrivateDirectory(dir);
  const module = { exports: {} as unknown };
  try {
    process.dlopen(module, file, RTLD_NOW);
  } catch (err) {
    throw new UnsafePathError(
      `cannot load the native addon from ${file}`,
      `${(err as Error).message}; a cache directory on a noexec mount cannot hold native code: set CNI_TS_CACHE_DIR to a root-owned directory on an exec mount`,
    );
  }
  return module.exports;
}

function cachedCopyMatches(file: string, asset: Uint8Array): boolean {
  try {
    const stat = lstatSync(file);
    if (!stat.isFile() || stat.uid !== process.geteuid!() || (stat.mode & 0o022) !== 0) return false;
    return readFileSync(file).equals(asset);
  } catch {
    return false;
  }
}

function ensurePrivateDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new UnsafePathError(`cannot create the native addon cache ${dir}`, (err as Error).message);
  }
}

/**
 * @throws {UnsafePathError} when `dir` or an ancestor could be written by another user
 */
export function assertPrivateDirectory(dir: string): void {
  const uid = process.geteuid!();
  const stat = lstatSync(dir);
  if (stat.isSymbolicLink()) throw new UnsafePathError(`native addon cache ${dir} is a symlink`);
  if (!stat.isDirectory()) throw new UnsafePathError(`native addon cache ${dir} is not a directory`);
  if (stat.uid !== uid) throw new UnsafePathError(`native addon cache ${dir} is owned by uid ${stat.uid}, not ${uid}`);
  if ((stat.mode & 0o077) !== 0) {
    throw new UnsafePathError(`native addon cache ${dir} has mode ${(stat.mode & 0o777).toString(8)}, want 700`);
  }
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    const p = lstatSync(parent);
    const writableByOthers = (p.mode & 0o022) !== 0 && (p.mode & 0o1000) === 0;
    if ((p.uid !== 0 && p.uid !== uid) || writableByOthers) {
      throw new UnsafePathError(`native addon cache ${dir} lies under ${parent}, which another user can modify`);
    }
    if (parent === dirname(parent)) break;
  }
}

function writeAtomically(file: string, bytes: Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o700);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(temp);
    throw err;
  }
  closeSync(fd);
  renameSync(temp, file);
}
