/**
 * The bridge plugin's config checks for `cni-ts validate`, through the
 * bridge's own functions (from its public config module): its zod schema,
 * `collectVlanTrunk` per trunk entry, then `parseBridgeConf` and
 * `checkAddRules` (what ADD runs) repeatedly, each rule they refuse located
 * at the key it concerns and set aside so the next rule can be reached. The
 * `ipam` is checked as host-local when it names host-local, and any other
 * IPAM type looked up like a plugin type. Pure.
 *
 * @module
 */
import { canonicalizeKeys, checkAddRules, collectVlanTrunk, parseBridgeConf } from "../../plugins/bridge/config.ts";
import type { VlanTrunkEntry } from "../../plugins/bridge/config.ts";
import { callingPluginAsIpam, ownExecutableAsIpam } from "../delegation/delegate.ts";
import { CniError, InvalidConfigError } from "../errors.ts";
import type { RawConf } from "../skel/types.ts";
import { checkHostLocalConf } from "./check-host-local.ts";
import { jsonPath, unknownKey, valueAt } from "./diagnostic.ts";
import type { Finding } from "./diagnostic.ts";
import { foreignTypeFinding, type PluginLookup } from "./foreign-type.ts";
import { PLUGIN_CONFIG_SCHEMAS } from "./plugin-schemas.ts";
import { zodFindings } from "./zod-findings.ts";

/** Which key each of `parseBridgeConf`'s rules is about (by its message). */
const RULE_KEYS: readonly { re: RegExp; keys: (c: Record<string, unknown>) => string[] }[] = [
  { re: /VLAN ID/, keys: () => ["vlan"] },
  { re: /trunk/, keys: () => ["vlanTrunk"] },
  { re: /ipmasq backend/, keys: () => ["ipMasqBackend"] },
  { re: /MTU/, keys: () => ["mtu"] },
  { re: /bridge name/, keys: () => ["bridge"] },
  { re: /DisableContainerInterface/, keys: () => ["disableContainerInterface"] },
  { re: /hairpin mode and promiscuous/, keys: () => ["promiscMode"] },
  {
    re: /MAC address/,
    keys: (c) => (valueAt(c, ["runtimeConfig", "mac"]) ? ["runtimeConfig", "mac"] : ["args", "cni", "mac"]),
  },
];

/** A copy of `doc` without the key at `segments` (copying only along the path). */
function without(doc: Record<string, unknown>, segments: readonly string[]): Record<string, unknown> {
  const [head, ...rest] = segments;
  const copy = { ...doc };
  if (head === undefined) return copy;
  if (rest.length === 0) delete copy[head];
  else if (copy[head] !== null && typeof copy[head] === "object") copy[head] = without(copy[head] as Record<string, unknown>, rest);
  return copy;
}

/**
 * Check a bridge plugin config.
 *
 * @param conf the effective config (list `name`/`cniVersion` injected)
 * @param base its JSONPath
 * @param lookup where the runtime finds plugins that are not ours
 * @returns every finding (`ipam.type`: see {@link foreignTypeFinding})
 */
export function checkBridgeConf(conf: RawConf, base: string, lookup?: PluginLookup): Finding[] {
  const schema = PLUGIN_CONFIG_SCHEMAS.bridge;
  const canonical = canonicalizeKeys(conf, Object.keys(schema.shape)) as Record<string, unknown>;
  const findings = zodFindings(schema, canonical, base);
  const known = new Set(Object.keys(schema.shape).map((k) => k.toLowerCase()));
  for (const key of Object.keys(conf)) {
    if (!known.has(key.toLowerCase())) {
      findings.push(unknownKey(base, key, conf[key], Object.keys(schema.shape), "bridge"));
    }
  }
  // Keys zod refused are reported; set them aside so the remaining rules are still checked.
  let rest = canonical;
  const schemaResult = schema.safeParse(canonical);
  for (const issue of schemaResult.success ? [] : schemaResult.error.issues) {
    const key = issue.path[0];
    if (typeof key === "string" && key !== "name" && key !== "ipam") rest = without(rest, [key]);
  }
  const trunk = canonical.vlanTrunk;
  if (Array.isArray(trunk)) {
    let bad = false;
    trunk.forEach((entry: VlanTrunkEntry | null, j) => {
      if (schemaResult.success === false && schemaResult.error.issues.some((i) => i.path[0] === "vlanTrunk" && i.path[1] === j)) return;
      try {
        collectVlanTrunk([entry]);
      } catch (err) {
        if (!(err instanceof InvalidConfigError)) throw err;
        bad = true;
        findings.push({ path: jsonPath(base, ["vlanTrunk", j]), value: entry, message: err.msg, severity: "error" });
      }
    });
    if (bad) rest = without(rest, ["vlanTrunk"]);
  }
  for (let attempt = 0; attempt < RULE_KEYS.length + 1; attempt++) {
    try {
      // What ADD runs, in its order (DEL and CHECK run the first part only).
      checkAddRules(parseBridgeConf(rest));
      break;
    } catch (err) {
      // (Code 7, or 1 for an L2 network at a version that cannot print its result.)
      if (!(err instanceof CniError)) throw err;
      // A schema failure ("invalid config: …") is already reported, issue by issue.
      if (err.msg.startsWith("invalid config:")) break;
      const rule = RULE_KEYS.find((r) => r.re.test(err.msg));
      if (!rule) {
        findings.push({ path: base, message: err.msg, severity: "error" });
        break;
      }
      const keys = rule.keys(rest);
      const finding: Finding = { path: jsonPath(base, keys), message: err.msg, severity: "error" };
      const value = valueAt(rest, keys);
      if (value !== undefined) finding.value = value;
      findings.push(finding);
      rest = without(rest, keys);
    }
  }

  const ipamType = valueAt(canonical, ["ipam", "type"]);
  if (ipamType === "host-local") {
    // host-local reads the whole document: keep what it says beyond the bridge's own findings.
    const seen = new Set(findings.map((f) => `${f.path} ${f.message}`));
    findings.push(...checkHostLocalConf(canonical as RawConf, base).filter((f) => !seen.has(`${f.path} ${f.message}`)));
  } else if (typeof ipamType === "string" && ipamType !== "") {
    const refused = delegationRefusal(ipamType, lookup);
    if (refused) findings.push({ path: jsonPath(base, ["ipam", "type"]), value: ipamType, message: refused.msg, severity: "error" });
    else findings.push(foreignTypeFinding(jsonPath(base, ["ipam", "type"]), ipamType, "IPAM plugin", ["host-local"], lookup));
  }
  return findings;
}

/** Names under which the installed cni-ts executable is not an IPAM plugin. */
const OWN_NON_IPAM_NAMES = ["loopback", "cni-ts"];

/** What ADD's delegation refuses before any effect: bridge as its own IPAM, or our executable under a non-IPAM name. */
function delegationRefusal(ipamType: string, lookup?: PluginLookup): CniError | undefined {
  const toItself = callingPluginAsIpam(ipamType, "bridge");
  if (toItself || !OWN_NON_IPAM_NAMES.includes(ipamType)) return toItself;
  return ownExecutableAsIpam(ipamType, lookup?.find(ipamType) ?? ipamType);
}
