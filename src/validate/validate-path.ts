/**
 * `cni-ts validate`'s file walking: a file, or a directory read the way
 * libcni reads `/etc/cni/net.d` (`.conf`, `.conflist`, `.json`, in name
 * order), and network names that collide across files.
 *
 * @module
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { checkDocument } from "./check-document.ts";
import type { DocumentKind } from "./check-document.ts";
import type { Diagnostic } from "./diagnostic.ts";

/** Extensions libcni loads from a config directory. */
const CONFIG_EXTENSIONS = [".conf", ".conflist", ".json"] as const;

function kindOf(file: string): DocumentKind {
  return extname(file) === ".conflist" ? "list" : "single";
}

function errno(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err);
}

/** The files a target names: itself, or a directory's config files in name order. */
function expand(target: string, out: Diagnostic[]): string[] {
  let st;
  try {
    st = statSync(target);
  } catch (err) {
    out.push({ file: target, path: "$", message: `cannot read: ${errno(err)}`, severity: "error" });
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
 * Validate files and directories.
 *
 * @param targets files or directories, in the order given
 * @returns every diagnostic, file by file, then name collisions (each file
 *   after the first that defines a name gets an error on `$.name`)
 * @example validatePaths(["/etc/cni/net.d"])
 */
export function validatePaths(targets: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const firstByName = new Map<string, string>();
  for (const target of targets) {
    for (const file of expand(target, out)) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        out.push({ file, path: "$", message: `cannot read: ${errno(err)}`, severity: "error" });
        continue;
      }
      const report = checkDocument(text, kindOf(file));
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
  return out;
}
