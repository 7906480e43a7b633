/**
 * host-local's config checks for `cni-ts validate`, through host-local's
 * own functions: zod schema, `canonicalizeRange` per range,
 * `canonicalizeRangeSet` per set, `rangeSetsOverlap` between sets, then
 * `loadHostLocalConfig` for the remaining rules. Every bad range is
 * reported, not only the first. Pure.
 *
 * @module
 */
import { canonicalizeRange, canonicalizeRangeSet, hostLocalIpamSchema, loadHostLocalConfig, rangeSetsOverlap } from "../../ipam/host-local/config.ts";
import type { LabelledRange, RangeInput, RangeSet } from "../../ipam/host-local/config.ts";
import { InvalidConfigError } from "../errors.ts";
import type { RawConf } from "../skel/types.ts";
import { jsonPath, keySegments, unknownKey, valueAt } from "./diagnostic.ts";
import type { Finding } from "./diagnostic.ts";
import { PLUGIN_CONFIG_SCHEMAS } from "./plugin-schemas.ts";
import { zodFindings } from "./zod-findings.ts";

/** The `(key)` or `(key = value)` suffix host-local's messages end with. */
const KEY_SUFFIX = / \(([\w.[\]]+)(?: = [^()]*)?\)$/;

/**
 * A finding from one of host-local's messages, located by the key it names.
 *
 * @param conf the whole config
 * @param base the config's JSONPath
 * @param message e.g. `invalid CIDR address: 10.0.0.0/33 (ipam.ranges[0][0].subnet)`
 * @param fallbackKey where to report when the message names no key
 */
function locateHostLocalMessage(conf: unknown, base: string, message: string, fallbackKey: string): Finding {
  const m = KEY_SUFFIX.exec(message);
  const key = m ? m[1]! : fallbackKey;
  const segments = keySegments(key);
  const value = valueAt(conf, segments);
  let text = m ? message.slice(0, m.index) : message;
  const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? `: ${String(value)}` : undefined;
  if (scalar && text.endsWith(scalar)) text = text.slice(0, -scalar.length);
  const finding: Finding = { path: jsonPath(base, segments), message: text, severity: "error" };
  if (value !== undefined) finding.value = value;
  return finding;
}

interface RawRange {
  subnet: string;
  rangeStart?: string | null;
  rangeEnd?: string | null;
  gateway?: string | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const optionalText = (v: unknown) => v === undefined || v === null || typeof v === "string";

function isRawRange(r: unknown): r is RawRange {
  return isObject(r) && typeof r.subnet === "string" && optionalText(r.rangeStart) && optionalText(r.rangeEnd) && optionalText(r.gateway);
}

function toInput(r: RawRange): RangeInput {
  return {
    subnet: r.subnet,
    rangeStart: r.rangeStart ?? undefined,
    rangeEnd: r.rangeEnd ?? undefined,
    gateway: r.gateway ?? undefined,
  };
}

/**
 * Check a config as host-local reads it (the whole document; the ranges live in `ipam`).
 *
 * @param conf the plugin's effective config (list `name`/`cniVersion` injected)
 * @param base its JSONPath (`$` or `$.plugins[N]`)
 * @param knownKeysOnly when true, also warn about unknown keys in `ipam`
 * @returns every finding
 */
export function checkHostLocalConf(conf: RawConf, base: string, knownKeysOnly = true): Finding[] {
  const findings = zodFindings(PLUGIN_CONFIG_SCHEMAS["host-local"], conf, base);
  const schemaOk = findings.length === 0;
  const ipam = isObject(conf.ipam) ? conf.ipam : undefined;
  if (ipam && knownKeysOnly) {
    const known = new Set(Object.keys(hostLocalIpamSchema().shape));
    for (const key of Object.keys(ipam)) {
      if (!known.has(key)) {
        findings.push(unknownKey(jsonPath(base, ["ipam"]), key, ipam[key], [...known], "host-local"));
      }
    }
  }

  // Ranges zod refused are reported already: they are skipped (and their set with them).
  const sets: { key: string; ranges: LabelledRange[]; wellTyped: boolean }[] = [];
  if (ipam && ipam.subnet != null) {
    sets.push({ key: "ipam", ranges: [{ input: toInput(ipam as unknown as RawRange), key: "ipam" }], wellTyped: isRawRange(ipam) });
  }
  if (ipam && Array.isArray(ipam.ranges)) {
    ipam.ranges.forEach((set: unknown, k) => {
      const list: unknown[] = Array.isArray(set) ? set : [];
      sets.push({
        key: `ipam.ranges[${k}]`,
        ranges: list.filter(isRawRange).map((r, j) => ({ input: toInput(r), key: `ipam.ranges[${k}][${j}]` })),
        wellTyped: Array.isArray(set) && set.every(isRawRange),
      });
    });
  }
  const valid: { index: number; key: string; set: RangeSet }[] = [];
  let rangeErrors = 0;
  sets.forEach(({ key, ranges, wellTyped }, index) => {
    if (!wellTyped) {
      rangeErrors++;
      return;
    }
    let ok = true;
    for (const r of ranges) {
      try {
        canonicalizeRange(r.input, r.key);
      } catch (err) {
        if (!(err instanceof InvalidConfigError)) throw err;
        findings.push(locateHostLocalMessage(conf, base, err.msg, r.key));
        ok = false;
      }
    }
    if (!ok) {
      rangeErrors++;
      return;
    }
    try {
      valid.push({ index, key, set: canonicalizeRangeSet(ranges, index) });
    } catch (err) {
      if (!(err instanceof InvalidConfigError)) throw err;
      rangeErrors++;
      findings.push({ path: jsonPath(base, keySegments(key)), value: valueAt(conf, keySegments(key)), message: err.msg, severity: "error" });
    }
  });
  for (let i = 0; i < valid.length; i++) {
    for (let j = i + 1; j < valid.length; j++) {
      if (rangeSetsOverlap(valid[i]!.set, valid[j]!.set)) {
        rangeErrors++;
        const b = valid[j]!;
        findings.push({
          path: jsonPath(base, keySegments(b.key)),
          value: valueAt(conf, keySegments(b.key)),
          message: `range set ${b.index} overlaps with range set ${valid[i]!.index} (${valid[i]!.key})`,
          severity: "error",
        });
      }
    }
  }
  if (rangeErrors === 0 && schemaOk) {
    try {
      loadHostLocalConfig(conf, "");
    } catch (err) {
      if (!(err instanceof InvalidConfigError)) throw err;
      findings.push(locateHostLocalMessage(conf, base, err.msg, "ipam"));
    }
  }
  return findings;
}
