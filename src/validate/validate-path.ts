/**
 * `cni-ts validate`'s file walking: a file, or a directory read the way
 * libcni reads `/etc/cni/net.d` (`.conf`, `.conflist`, `.json`, in name
 * order), network names that collide across files, and the plugin
 * directories foreign types are looked up in.
 *
 * @module
 */
import { accessSync, closeSync, constants, fstatSync, openSync, readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { checkDocument } from "./check-document.ts";
import type { DocumentKind } from "./check-document.ts";
import type { Diagnostic } from "./diagnostic.ts";
import type { PluginLookup } from "./foreign-type.ts";

/** Extensions libcni loads from a config directory. */
const CONFIG_EXTENSIONS = [".conf", ".conflist", ".json"] as const;

/** A network config larger than this is not one (and is not read whole). */
const MAX_CONFIG_BYTES = 1 << 20;

/** What each target came to: every file or directory reported on, in order, and every finding. */
export interface ValidationReport {
  /** `checked`: a config file that was read and checked (not a missing target or an empty directory). */
  files: { file: string; checked: boolean }[];
  diagnostics: Diagnostic[];
}

function kindOf(file: string): DocumentKind {
  return extname(file) === ".conflist" ? "list" : "single";
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "a part of the path is not a directory",
  ELOOP: "too many symbolic links",
  EISDIR: "is a directory",
};

/** A failure to read, in words. */
function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (code && REASONS[code]) ?? (err as Error)?.message ?? String(err);
}

/** The files a target names: itself, or a directory's config files in name order. */
function expand(target: string, out: Diagnostic[]): string[] {
  let st;
  try {
    st = statSync(target);
  } catch (err) {
    out.push({ file: target, path: "$", message: `cannot read: ${reason(err)}`, severity: "error" });
    return [];
  }
  if (!st.isDirectory()) return [target];
  const files = readdirSync(target, { withFileTypes: true })
    .filter((e) => !e.isDirectory() && (CONFIG_EXTENSIONS as readonly string[]).includes(extname(e.name)))
    .map((e) => e.name)
    .sort()
    .map((name) => join(target, name));
  if (files.length === 0) {
    out.push({ file: target, path: "$", message: `no network configuration files (${CONFIG_EXTENSIONS.join(", ")})`, severity: "note" });
  }
  return files;
}

/**
 * A config file's text: a regular file of at most {@link MAX_CONFIG_BYTES}
 * (opened non-blocking, so a FIFO planted in the directory cannot hang us).
 *
 * @throws {Error} with the reason in words
 */
function readConfig(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new Error(reason(err));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error("not a regular file");
    if (st.size > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * Look plugin types up as libcni does: `<dir>/<type>`, an executable
 * regular file, in the first directory that has one.
 *
 * @example pluginLookup(["/opt/cni/bin"]).find("portmap") // "/opt/cni/bin/portmap" when installed
 */
export function pluginLookup(dirs: readonly string[]): PluginLookup {
  return {
    dirs,
    find(type) {
      if (type.includes("/") || type === "." || type === "..") return undefined;
      for (const dir of dirs) {
        const path = join(dir, type);
        try {
          if (!statSync(path).isFile()) continue;
          accessSync(path, constants.X_OK);
          return path;
        } catch {
          // not here
        }
      }
      return undefined;
    },
  };
}

/**
 * Validate files and directories.
 *
 * @param targets files or directories, in the order given
 * @param lookup where foreign plugin types are looked up (see {@link pluginLookup})
 * @returns the files checked and every diagnostic, file by file, then name
 *   collisions (each file after the first that defines a name gets an error on `$.name`)
 * @example validatePaths(["/etc/cni/net.d"], pluginLookup(["/opt/cni/bin"]))
 */
export function validatePaths(targets: readonly string[], lookup?: PluginLookup): ValidationReport {
  const out: Diagnostic[] = [];
  const files: ValidationReport["files"] = [];
  const firstByName = new Map<string, string>();
  for (const target of targets) {
    const before = out.length;
    const expanded = expand(target, out);
    if (out.length > before) files.push({ file: target, checked: false });
    for (const file of expanded) {
      files.push({ file, checked: true });
      let text: string;
      try {
        text = readConfig(file);
      } catch (err) {
        out.push({ file, path: "$", message: `cannot read: ${(err as Error).message}`, severity: "error" });
        continue;
      }
      const report = checkDocument(text, kindOf(file), lookup);
      for (const f of report.findings) out.push({ file, ...f });
      const name = report.networkName;
      if (name === undefined) continue;
      const first = firstByName.get(name);
      if (first === undefined) firstByName.set(name, file);
      else {
        out.push({
          file,
          path: "$.name",
          value: name,
          message: `network name collides with ${first} (libcni loads the first file in name order; this one is shadowed)`,
          severity: "error",
        });
      }
    }
  }
  return { files, diagnostics: out };
}
