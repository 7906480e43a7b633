// Whether dist/bin is older than anything that goes into it.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { BIN_DIR, MAIN_NAME, NATIVE_ADDON, PLUGIN_NAMES, ROOT } from "./paths.mjs";

/** Folders whose non-test TypeScript ends up in the bundle. */
const SOURCE_DIRS = ["src", "plugins", "ipam"];
/** Single files that change the output. */
const SOURCE_FILES = ["package.json", "package-lock.json", "scripts/build.mjs", NATIVE_ADDON];

function newestIn(dir, newest) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = newestIn(path, newest);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The newest modification time among the build's inputs. */
export function newestSourceMtime() {
  let newest = 0;
  for (const dir of SOURCE_DIRS) newest = newestIn(join(ROOT, dir), newest);
  const scripts = readdirSync(join(ROOT, "scripts/lib")).map((f) => join(ROOT, "scripts/lib", f));
  for (const file of [...SOURCE_FILES.map((f) => (f.startsWith("/") ? f : join(ROOT, f))), ...scripts]) {
    if (existsSync(file)) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

/**
 * True when an executable is missing, the names are not one file, or a source is newer.
 *
 * @param {string} [binDir] the build's output directory (dist/bin, the build machine's architecture)
 */
export function isStale(binDir = BIN_DIR) {
  const main = join(binDir, MAIN_NAME);
  if (!existsSync(main)) return true;
  const built = statSync(main);
  for (const name of PLUGIN_NAMES) {
    const path = join(binDir, name);
    if (!existsSync(path) || statSync(path).ino !== built.ino) return true;
  }
  return newestSourceMtime() > built.mtimeMs;
}
