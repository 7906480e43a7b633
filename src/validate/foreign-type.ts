/**
 * A plugin or IPAM type that is not ours: the runtime must find it in its
 * plugin directories, or ADD fails with "failed to find plugin". Pure; the
 * lookup is handed in (`validate-path.ts` looks at the files).
 *
 * @module
 */
import { nearestWord } from "./diagnostic.ts";
import type { Finding } from "./diagnostic.ts";

/** Where the runtime finds plugins (`cni-ts validate --cni-path`). */
export interface PluginLookup {
  /** The directories, in search order. */
  dirs: readonly string[];
  /** The executable `type` names in them, or undefined. */
  find(type: string): string | undefined;
}

/**
 * The finding for a `type` (or `ipam.type`) cni-ts does not implement.
 *
 * @param path its JSONPath
 * @param type its value
 * @param what "plugin" or "IPAM plugin", for the message
 * @param ours our types of that kind, for "did you mean"
 * @param lookup the plugin directories; without it the type is only noted
 * @returns a note when found (or not looked up), a warning when not found or
 *   when it is one edit or two from one of ours
 * @example foreignTypeFinding("$.ipam.type", "host-locl", "IPAM plugin", ["host-local"]).message // 'not a cni-ts IPAM plugin; did you mean "host-local"?'
 */
export function foreignTypeFinding(path: string, type: string, what: string, ours: readonly string[], lookup?: PluginLookup): Finding {
  const found = lookup?.find(type);
  if (found !== undefined) return { path, value: type, message: `not a cni-ts ${what}, not checked (found ${found})`, severity: "note" };
  const near = nearestWord(type, ours);
  if (near !== undefined) return { path, value: type, message: `not a cni-ts ${what}; did you mean ${JSON.stringify(near)}?`, severity: "warning" };
  if (lookup === undefined) return { path, value: type, message: `not a cni-ts ${what}, not checked`, severity: "note" };
  return {
    path,
    value: type,
    message: `no such ${what} in ${lookup.dirs.join(":") || "(empty --cni-path)"}: ADD would fail with "failed to find plugin"`,
    severity: "warning",
  };
}
