/**
 * A single executable's addon is an SEA asset that must be a file before `process.dlopen`: the
 * copy beside the executables (an exec directory, usable where /var/lib is noexec), else a private
 * cache. Native code runs as root, so either is used only where nobody else can write it and only
 * when byte for byte the asset (cheaper than hashing, and stronger). The name carries the asset's
 * hash so versions never fight over one file.
 */
import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { UnsafePathError } from "../errors.ts";

/** Set by the build. */
declare const __CNI_TS_NATIVE_ASSET__: string;
declare const __CNI_TS_NATIVE_SHA256__: string;

/** `os.constants.dlopen.RTLD_NOW`, written out so loading the addon does not load `node:os`. */
const RTLD_NOW = 2;

/** Unless `CNI_TS_CACHE_DIR` says otherwise. */
const DEFAULT_CACHE_DIR = "/var/lib/cni-ts/cache";

const ADDON_FILE_PREFIX = "cni_ts_native-";

function addonFileName(): string {
  return `${ADDON_FILE_PREFIX}${__CNI_TS_NATIVE_SHA256__}.node`;
}

function embeddedAddon(): Uint8Array {
  const sea = process.getBuiltinModule("node:sea");
  return new Uint8Array(sea.getRawAsset(__CNI_TS_NATIVE_ASSET__));
}

/** @throws {UnsafePathError} the cache directory is not private to this user, or on a noexec mount */
export function loadEmbeddedAddon(): unknown {
  const asset = embeddedAddon();
  const beside = join(dirname(process.execPath), addonFileName());
  if (trustedCopyMatches(beside, asset)) {
    try {
      return dlopen(beside);
    } catch {
      // unusable after all: the cache below is the fallback
    }
  }
  const dir = process.env.CNI_TS_CACHE_DIR || DEFAULT_CACHE_DIR;
  const file = join(dir, addonFileName());
  if (!cachedCopyMatches(file, asset)) {
    ensurePrivateDirectory(dir);
    assertPrivateDirectory(dir); // before writing: never write into (or through) an unsafe directory
    writeAtomically(file, asset, 0o700);
  }
  assertPrivateDirectory(dir);
  try {
    return dlopen(file);
  } catch (err) {
    throw new UnsafePathError(
      `cannot load the native addon from ${file}`,
      `${(err as Error).message}; a cache directory on a noexec mount cannot hold native code: set CNI_TS_CACHE_DIR to a root-owned directory on an exec mount`,
    );
  }
}

function dlopen(file: string): unknown {
  const module = { exports: {} as unknown };
  process.dlopen(module, file, RTLD_NOW);
  return module.exports;
}

/**
 * Other builds' addons there are removed: after an upgrade only this build's executables remain,
 * and a process that loaded an old addon keeps its mapping.
 */
export function installAddonBeside(dir: string): string {
  const asset = embeddedAddon();
  const file = join(dir, addonFileName());
  if (!cachedCopyMatches(file, asset)) writeAtomically(file, asset, 0o644);
  for (const name of readdirSync(dir)) {
    if (name.startsWith(ADDON_FILE_PREFIX) && name.endsWith(".node") && name !== addonFileName()) unlinkSync(join(dir, name));
  }
  return file;
}

/** Root's or ours, not writable by others, in a directory chain nobody else can modify. */
function trustedCopyMatches(file: string, asset: Uint8Array): boolean {
  try {
    const stat = lstatSync(file);
    if (!stat.isFile() || (stat.uid !== 0 && stat.uid !== process.geteuid!()) || (stat.mode & 0o022) !== 0) return false;
    if (modifiableAncestor(file) !== undefined) return false;
    return readFileSync(file).equals(asset);
  } catch {
    return false;
  }
}

/** The first ancestor not root's or ours, or writable by others and not sticky. */
function modifiableAncestor(path: string): string | undefined {
  const uid = process.geteuid!();
  for (let parent = dirname(path); ; parent = dirname(parent)) {
    const p = lstatSync(parent);
    const writableByOthers = (p.mode & 0o022) !== 0 && (p.mode & 0o1000) === 0;
    if ((p.uid !== 0 && p.uid !== uid) || writableByOthers) return parent;
    if (parent === dirname(parent)) return undefined;
  }
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

/** @throws {UnsafePathError} `dir` or an ancestor could be written by another user */
function assertPrivateDirectory(dir: string): void {
  const uid = process.geteuid!();
  const stat = lstatSync(dir);
  if (stat.isSymbolicLink()) throw new UnsafePathError(`native addon cache ${dir} is a symlink`);
  if (!stat.isDirectory()) throw new UnsafePathError(`native addon cache ${dir} is not a directory`);
  if (stat.uid !== uid) throw new UnsafePathError(`native addon cache ${dir} is owned by uid ${stat.uid}, not ${uid}`);
  if ((stat.mode & 0o077) !== 0) {
    throw new UnsafePathError(`native addon cache ${dir} has mode ${(stat.mode & 0o777).toString(8)}, want 700`);
  }
  const parent = modifiableAncestor(dir);
  if (parent !== undefined) {
    throw new UnsafePathError(`native addon cache ${dir} lies under ${parent}, which another user can modify`);
  }
}

function writeAtomically(file: string, bytes: Uint8Array, mode: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
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
