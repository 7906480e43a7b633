/**
 * The checked-in JSON Schemas: in sync with the zod schemas they are
 * generated from, covering the same keys, and agreeing with zod on good and
 * badly typed example configs (checked with ajv, a maintained JSON Schema
 * 2020-12 validator, in strict mode so an unknown keyword is an error, not
 * a silent pass). Refinements (CIDRs, VLAN ranges) have no JSON
 * Schema form: those examples pass the schema files and fail zod or
 * `cni-ts validate`, which is asserted too so the limit stays visible.
 * Needs no root.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { formatPath } from "../../src/config/net-conf.ts";
import { checkDocument } from "../../src/validate/check-document.ts";
import { SCHEMAS_DIR, generateJsonSchemas, schemaFileName } from "../../src/validate/json-schemas.ts";
import { CNI_TS_PLUGIN_TYPES, PLUGIN_CONFIG_SCHEMAS } from "../../src/validate/plugin-schemas.ts";
import type { CniTsPluginType } from "../../src/validate/plugin-schemas.ts";
import { ROOT } from "../helpers/run-plugin.ts";

const schemaFile = (type: CniTsPluginType) => JSON.parse(readFileSync(join(ROOT, SCHEMAS_DIR, schemaFileName(type)), "utf8")) as Record<string, unknown>;

const ajv = new Ajv2020({ allErrors: true, strict: true });

/** An ajv error as the JSONPath zod's issues are printed with (`$.ipam.ranges[0][0].subnet`). */
function jsonPath(error: ErrorObject): string {
  const segments = error.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (error.keyword === "required") segments.push(String(error.params.missingProperty));
  return `$${segments.map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`)).join("")}`;
}

/** The JSONPaths at which `value` fails the checked-in schema file of `type` (empty when valid). */
function schemaFileErrors(type: CniTsPluginType, value: unknown): string[] {
  const validate = ajv.getSchema(type) ?? (ajv.addSchema(schemaFile(type), type), ajv.getSchema(type)!);
  return validate(value) ? [] : (validate.errors ?? []).map(jsonPath);
}

const GOOD: Record<CniTsPluginType, Record<string, unknown>[]> = {
  bridge: [
    { cniVersion: "1.0.0", name: "net", type: "bridge" },
    {
      cniVersion: "1.1.0",
      name: "net",
      type: "bridge",
      bridge: "cni0",
      isGateway: true,
      ipMasq: true,
      ipMasqBackend: "nftables",
      mtu: 1450,
      vlan: 100,
      vlanTrunk: [{ id: 5 }, { minID: 10, maxID: 20 }],
      hairpinMode: true,
      debugLog: "cni-ts.log",
      debugLogLevel: "debug",
      ipam: { type: "host-local", ranges: [[{ subnet: "10.1.0.0/24" }]] },
    },
  ],
  loopback: [{ cniVersion: "1.0.0", name: "lo", type: "loopback" }],
  "host-local": [
    {
      cniVersion: "1.0.0",
      name: "net",
      ipam: {
        type: "host-local",
        ranges: [[{ subnet: "10.1.0.0/24", rangeStart: "10.1.0.10", rangeEnd: "10.1.0.20", gateway: "10.1.0.1" }], [{ subnet: "fd00::/64" }]],
        routes: [{ dst: "0.0.0.0/0" }],
        dataDir: "/run/cni-ts/ipam",
      },
    },
  ],
};

/** Wrong types: both zod and the JSON Schema file must refuse them, at the same path. */
const BAD_SHAPE: [CniTsPluginType, Record<string, unknown>][] = [
  ["bridge", { name: "net", isGateway: "yes" }],
  ["bridge", { name: "net", mtu: 1.5 }],
  ["bridge", { name: "net", vlanTrunk: [{ id: "5" }] }],
  ["bridge", { name: "net", debugLogLevel: "trace" }],
  ["bridge", { name: "net", debugLog: "/var/log/cni-ts.log" }],
  ["bridge", { isGateway: true }],
  ["loopback", { name: "lo", capabilities: { portMappings: "yes" } }],
  ["host-local", { name: "net", ipam: { ranges: [[{ subnet: 10 }]] } }],
  ["host-local", { name: "net", ipam: { routes: [{ gw: "10.0.0.1" }] } }],
];

/** Valid shape, invalid meaning: the JSON Schema files cannot see these. */
const BAD_MEANING: [CniTsPluginType, Record<string, unknown>, string][] = [
  ["host-local", { cniVersion: "1.0.0", name: "net", type: "host-local", ipam: { ranges: [[{ subnet: "10.0.0.0/33" }]] } }, "$.ipam.ranges[0][0].subnet"],
  ["bridge", { cniVersion: "1.0.0", name: "net", type: "bridge", vlan: 5000 }, "$.vlan"],
];

describe("JSON Schemas", () => {
  it("are up to date with the zod schemas (run `npm run schemas` when this fails)", () => {
    for (const [name, text] of generateJsonSchemas()) {
      expect(readFileSync(join(ROOT, SCHEMAS_DIR, name), "utf8"), name).toBe(text);
    }
  });

  it.each(CNI_TS_PLUGIN_TYPES)("%s: lists exactly the zod schema's keys", (type) => {
    const file = schemaFile(type);
    expect(Object.keys(file.properties as object).sort()).toEqual(Object.keys(PLUGIN_CONFIG_SCHEMAS[type].shape).sort());
    expect(file.required).toEqual(["name"]);
  });

  it.each(CNI_TS_PLUGIN_TYPES)("%s: good examples pass zod, the schema file and validate", (type) => {
    for (const example of GOOD[type]) {
      expect(PLUGIN_CONFIG_SCHEMAS[type].safeParse(example).success).toBe(true);
      expect(schemaFileErrors(type, example)).toEqual([]);
      const doc = { type, ...example };
      expect(checkDocument(JSON.stringify(doc), "single").findings).toEqual([]);
    }
  });

  it.each(BAD_SHAPE)("%s: %j fails zod and the schema file at the same path", (type, example) => {
    const parsed = PLUGIN_CONFIG_SCHEMAS[type].safeParse(example);
    expect(parsed.success).toBe(false);
    const zodPaths = parsed.error!.issues.map((i) => (i.path.length ? `$${formatPath(i.path).replace(/^(?=[^[])/, ".")}` : "$"));
    const fileErrors = schemaFileErrors(type, example);
    expect(fileErrors.length).toBeGreaterThan(0);
    for (const p of zodPaths) expect(fileErrors).toContain(p);
  });

  it.each(BAD_MEANING)("%s: %j passes the schema file but validate reports %s", (type, example, path) => {
    expect(schemaFileErrors(type, example)).toEqual([]);
    const errors = checkDocument(JSON.stringify(example), "single").findings.filter((f) => f.severity === "error");
    expect(errors.map((f) => f.path)).toContain(path);
  });
});
