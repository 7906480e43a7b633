/**
 * One plugin config's checks, by plugin type. Pure.
 *
 * @module
 */
import { parsePrevResult } from "../config/prev-result.ts";
import { debugLogConfSchema } from "../debug-log/conf-schema.ts";
import { CniError } from "../errors.ts";
import type { RawConf } from "../skel/types.ts";
import { checkBridgeConf } from "./check-bridge.ts";
import { checkHostLocalConf } from "./check-host-local.ts";
import { jsonPath, unknownKey } from "./diagnostic.ts";
import type { Finding } from "./diagnostic.ts";
import { foreignTypeFinding, type PluginLookup } from "./foreign-type.ts";
import { CNI_TS_PLUGIN_TYPES, PLUGIN_CONFIG_SCHEMAS, isCniTsPluginType } from "./plugin-schemas.ts";
import { zodFindings } from "./zod-findings.ts";

/**
 * loopback reads no key of its own: beyond the skeleton's checks (the
 * document's, and the debug log's keys) its verbs only parse `prevResult`.
 */
function checkLoopbackConf(conf: RawConf, base: string): Finding[] {
  const findings = zodFindings(debugLogConfSchema, conf, base);
  try {
    parsePrevResult(conf);
  } catch (err) {
    if (!(err instanceof CniError)) throw err;
    findings.push({ path: jsonPath(base, ["prevResult"]), message: err.msg, severity: "error" });
  }
  const known = Object.keys(PLUGIN_CONFIG_SCHEMAS.loopback.shape);
  for (const key of Object.keys(conf)) {
    if (!known.includes(key)) findings.push(unknownKey(base, key, conf[key], known, "loopback"));
  }
  return findings;
}

/**
 * Check one plugin's effective config.
 *
 * @param conf the config the plugin would read on stdin (a list's `name` and `cniVersion` injected)
 * @param base its JSONPath (`$` for a single-plugin file, `$.plugins[N]` in a list)
 * @param lookup where the runtime finds plugins that are not ours
 * @returns every finding: a missing `type` is an error, a type that is not
 *   one of ours as {@link foreignTypeFinding} says
 * @example checkPluginConf({ name: "n", type: "portmap" }, "$.plugins[1]") // [{ severity: "note", ... }]
 */
export function checkPluginConf(conf: RawConf, base: string, lookup?: PluginLookup): Finding[] {
  const type = conf.type;
  if (type === undefined || type === null || type === "") {
    return [{ path: jsonPath(base, ["type"]), message: "missing (expected the plugin's type)", severity: "error" }];
  }
  if (!isCniTsPluginType(type)) {
    if (typeof type !== "string") {
      return [{ path: jsonPath(base, ["type"]), value: type, message: "expected a string", severity: "error" }];
    }
    return [foreignTypeFinding(jsonPath(base, ["type"]), type, "plugin", CNI_TS_PLUGIN_TYPES, lookup)];
  }
  switch (type) {
    case "bridge":
      return checkBridgeConf(conf, base, lookup);
    case "loopback":
      return checkLoopbackConf(conf, base);
    case "host-local":
      return checkHostLocalConf(conf, base);
  }
}
