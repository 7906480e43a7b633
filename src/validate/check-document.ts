/**
 * One network configuration file's checks: JSON, a plugin list (`.conflist`)
 * or a single plugin (`.conf`/`.json`), the network name, the `cniVersion`
 * against what cni-ts supports, then each plugin as it would see its stdin
 * (libcni injects the list's `name` and `cniVersion`). Pure.
 *
 * @module
 */
import { UNSAFE_KEYS, findUnsafeKeys } from "../config/unsafe-keys.ts";
import { NAME_RE } from "../skel/env.ts";
import type { RawConf } from "../skel/types.ts";
import { SUPPORTED_VERSIONS, isSupportedVersion } from "../version.ts";
import { checkPluginConf } from "./check-plugin.ts";
import { jsonPath } from "./diagnostic.ts";
import type { PluginLookup } from "./foreign-type.ts";
import type { Finding } from "./diagnostic.ts";

/** How a file is read: by its extension, as libcni does. */
export type DocumentKind = "list" | "single";

/** A file's findings and the network name it defines (for collisions). */
export interface DocumentReport {
  findings: Finding[];
  /** The `name`, when it is a valid one. */
  networkName: string | undefined;
}

function checkName(doc: Record<string, unknown>): Finding[] {
  const name = doc.name;
  if (name === undefined || name === null || name === "") {
    return [{ path: "$.name", message: "missing network name", severity: "error" }];
  }
  if (typeof name !== "string") return [{ path: "$.name", value: name, message: "expected a string", severity: "error" }];
  if (!NAME_RE.test(name)) {
    return [
      {
        path: "$.name",
        value: name,
        message: "invalid characters in network name (allowed: letters, digits, _ . -, starting with a letter or digit)",
        severity: "error",
      },
    ];
  }
  return [];
}

function checkVersion(doc: Record<string, unknown>): Finding[] {
  const v = doc.cniVersion;
  if (v === undefined || v === null || v === "") {
    return [{ path: "$.cniVersion", message: "missing: plugins read the config as version 0.1.0", severity: "warning" }];
  }
  if (typeof v !== "string") return [{ path: "$.cniVersion", value: v, message: "expected a string", severity: "error" }];
  if (!isSupportedVersion(v)) {
    return [{ path: "$.cniVersion", value: v, message: `unsupported CNI version (cni-ts supports ${SUPPORTED_VERSIONS.join(", ")})`, severity: "error" }];
  }
  return [];
}

function checkList(doc: Record<string, unknown>, kind: DocumentKind, lookup: PluginLookup | undefined): Finding[] {
  const findings: Finding[] = [];
  if (kind === "single") {
    findings.push({
      path: "$.plugins",
      message: "a plugin list in a .conf/.json file: libcni reads those as one plugin; name the file .conflist",
      severity: "warning",
    });
  }
  for (const key of ["disableCheck", "disableGC"]) {
    if (doc[key] !== undefined && typeof doc[key] !== "boolean") {
      findings.push({ path: jsonPath("$", [key]), value: doc[key], message: "expected a boolean", severity: "error" });
    }
  }
  const plugins = doc.plugins;
  if (!Array.isArray(plugins)) {
    if (plugins === undefined) findings.push({ path: "$.plugins", message: "missing (a .conflist needs a plugins array)", severity: "error" });
    else findings.push({ path: "$.plugins", value: plugins, message: "expected an array", severity: "error" });
    return findings;
  }
  if (plugins.length === 0) findings.push({ path: "$.plugins", value: plugins, message: "empty plugin list", severity: "error" });
  plugins.forEach((plugin: unknown, i) => {
    const base = `$.plugins[${i}]`;
    if (plugin === null || typeof plugin !== "object" || Array.isArray(plugin)) {
      findings.push({ path: base, value: plugin, message: "expected an object", severity: "error" });
      return;
    }
    const own = plugin as Record<string, unknown>;
    if (own.cniVersion !== undefined && own.cniVersion !== doc.cniVersion) {
      findings.push({
        path: `${base}.cniVersion`,
        value: own.cniVersion,
        message: "ignored: libcni gives each plugin the list's cniVersion",
        severity: "note",
      });
    }
    const effective = { ...own, name: doc.name, cniVersion: doc.cniVersion } as RawConf;
    if (doc.cniVersion === undefined) delete effective.cniVersion;
    // name and cniVersion are the list's, already checked at the top.
    findings.push(...checkPluginConf(effective, base, lookup).filter((f) => f.path !== `${base}.name` && f.path !== `${base}.cniVersion`));
  });
  return findings;
}

/**
 * Check one file's text.
 *
 * @param text the file's contents
 * @param kind `list` for `.conflist`, `single` for `.conf`/`.json` (a single file holding `plugins` is still checked as a list)
 * @param lookup where the runtime finds plugins that are not ours (without it, they are only noted)
 * @returns the findings and the network name
 * @example checkDocument('{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"loopback"}]}', "list").findings // []
 */
export function checkDocument(text: string, kind: DocumentKind, lookup?: PluginLookup): DocumentReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { findings: [{ path: "$", message: `not valid JSON: ${(err as Error).message}`, severity: "error" }], networkName: undefined };
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return { findings: [{ path: "$", value: doc, message: "expected a JSON object", severity: "error" }], networkName: undefined };
  }
  // The plugins refuse such a document before reading anything else in it.
  const unsafe = findUnsafeKeys(doc);
  if (unsafe.length > 0) {
    const message = `key not allowed (${UNSAFE_KEYS.join(", ")} are refused at any depth)`;
    return { findings: unsafe.map((p) => ({ path: jsonPath("$", p), message, severity: "error" })), networkName: undefined };
  }
  const obj = doc as Record<string, unknown>;
  const nameFindings = checkName(obj);
  const findings = [...nameFindings, ...checkVersion(obj)];
  const isList = kind === "list" || "plugins" in obj;
  if (isList) {
    findings.push(...checkList(obj, kind, lookup));
  } else {
    findings.push(...checkPluginConf(obj as RawConf, "$", lookup).filter((f) => f.path !== "$.name" && f.path !== "$.cniVersion"));
  }
  return { findings, networkName: nameFindings.length === 0 ? (obj.name as string) : undefined };
}
