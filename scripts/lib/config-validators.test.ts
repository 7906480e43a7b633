/**
 * The generated config validators against zod itself: the generated modules
 * are current, every valid config passes its validator, and over thousands
 * of mutated configs a validator accepts nothing zod refuses, and only what
 * zod returns unchanged (bar the unknown keys it strips, which the plugins
 * never read), so a plugin may use an accepted config as it is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod/mini";
import { describe, expect, it } from "vitest";
import { validateHostLocalConf } from "../../ipam/host-local/config.generated.ts";
import { hostLocalConfSchema } from "../../ipam/host-local/config.ts";
import { BRIDGE_CONF_KEYS, validateBridgeConf, validateGcAttachments } from "../../plugins/bridge/config.generated.ts";
import { bridgeConfSchema } from "../../plugins/bridge/config.ts";
import { gcAttachmentsSchema } from "../../plugins/bridge/gc-conf.ts";
import { conforms, supportedSchema } from "../../src/config/schema-check.ts";
import { formattedText } from "../../src/config/schema-parts.ts";
import { generateValidators, validatorJsonSchema } from "./config-validators.ts";

const ROOT = join(import.meta.dirname, "../..");

const hostLocalIpam = {
  type: "host-local",
  ranges: [[{ subnet: "10.1.0.0/24", rangeStart: "10.1.0.10", rangeEnd: "10.1.0.20", gateway: "10.1.0.1" }], [{ subnet: "fd00::/64" }]],
  routes: [{ dst: "0.0.0.0/0" }, { dst: "10.9.0.0/16", gw: "10.1.0.254", mtu: 1400, advmss: 1360, priority: 10, table: 100, scope: 0 }],
  dataDir: "/var/lib/cni/networks",
  resolvConf: "/etc/resolv.conf",
  reclaimAfterReboot: false,
};

const CASES = [
  {
    name: "bridge",
    validate: validateBridgeConf,
    schema: bridgeConfSchema,
    valid: [
      { cniVersion: "1.0.0", name: "net", type: "bridge" },
      { cniVersion: "1.0.0", name: "net", type: "bridge", bridge: "cni0", isGateway: true, ipMasq: true, ipam: { type: "host-local", subnet: "10.1.0.0/16" } },
      {
        cniVersion: "1.1.0",
        name: "net",
        type: "bridge",
        bridge: "cni1",
        isGateway: true,
        isDefaultGateway: false,
        forceAddress: null,
        ipMasq: true,
        ipMasqBackend: "nftables",
        mtu: 1450,
        hairpinMode: true,
        promiscMode: false,
        vlan: 100,
        vlanTrunk: [{ id: 5 }, { minID: 10, maxID: 20 }, null],
        preserveDefaultVlan: true,
        enabledad: false,
        macspoofchk: true,
        disableContainerInterface: false,
        portIsolation: true,
        capabilities: { ips: true, mac: false },
        dns: { nameservers: ["10.96.0.10"], domain: "cluster.local", search: ["svc.cluster.local"], options: ["ndots:5"], extra: 1 },
        args: { cni: { mac: "0a:58:0a:f4:00:02", other: "x" }, labels: [] },
        runtimeConfig: { mac: "0a:58:0a:f4:00:03", portMappings: [{ hostPort: 80 }] },
        prevResult: { cniVersion: "1.1.0", interfaces: [{ name: "eth0" }], ips: [{ address: "10.1.0.2/24" }] },
        ipam: hostLocalIpam,
        unknownKey: { kept: false },
      },
      { name: "net", mtu: null, vlan: null, vlanTrunk: null, dns: null, args: null, runtimeConfig: null, ipam: null, bridge: null },
    ],
  },
  {
    name: "host-local",
    validate: validateHostLocalConf,
    schema: hostLocalConfSchema,
    valid: [
      { cniVersion: "1.0.0", name: "net", ipam: { type: "host-local", subnet: "10.1.0.0/16" } },
      {
        cniVersion: "1.1.0",
        name: "net",
        type: "bridge",
        ipam: hostLocalIpam,
        runtimeConfig: { ipRanges: [[{ subnet: "10.2.0.0/24" }]], ips: ["10.2.0.5"] },
        args: { cni: { ips: ["10.1.0.7"] } },
        prevResult: { ips: [] },
        "cni.dev/valid-attachments": [{ containerID: "c1", ifname: "eth0", extra: true }],
        "cni.dev/attachments": null,
        isGateway: true,
      },
      { name: "net", cniVersion: null, ipam: null, runtimeConfig: null, args: { cni: null } },
    ],
  },
  {
    name: "GC attachments",
    validate: validateGcAttachments,
    schema: gcAttachmentsSchema,
    valid: [
      {
        cniVersion: "1.1.0",
        name: "net",
        "cni.dev/valid-attachments": [
          { containerID: "c1", ifname: "eth0" },
          { containerID: "c2", ifname: "net1", x: 1 },
        ],
      },
      { name: "net", "cni.dev/valid-attachments": null },
      {},
    ],
  },
] as const;

/** Values that each mutation puts in place of a member. */
const REPLACEMENTS: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  65536,
  2 ** 32,
  2 ** 53,
  "",
  "x",
  "10.0.0.0/33",
  "10.1.0.0/16",
  "10.1.0.1",
  [],
  ["x"],
  [1],
  {},
  { a: 1 },
  [[{ subnet: "10.3.0.0/24" }]],
];

/** Every variant of `doc` with one member replaced, removed, or an odd key added beside it. */
function* mutations(doc: unknown): Generator<unknown> {
  if (doc === null || typeof doc !== "object") return;
  const entries = Array.isArray(doc) ? doc.map((v, i) => [String(i), v] as const) : Object.entries(doc);
  const clone = () => JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
  for (const [key, value] of entries) {
    for (const replacement of REPLACEMENTS) {
      const c = clone();
      c[key] = replacement;
      yield c;
    }
    if (!Array.isArray(doc)) {
      const c = clone();
      delete c[key];
      yield c;
    }
    for (const nested of mutations(value)) {
      const c = clone();
      c[key] = nested;
      yield c;
    }
  }
  if (!Array.isArray(doc)) {
    // Own keys JSON can carry and a careless parser would trip on.
    for (const odd of ['{"__proto__": {"name": 5}}', '{"constructor": 1}', '{"toString": "x"}', '{"hasOwnProperty": null}']) {
      yield { ...clone(), ...(JSON.parse(odd) as object) };
    }
  }
}

describe("generated config validators", () => {
  it("are generated from the current schemas (npm run schemas)", () => {
    for (const [file, text] of generateValidators()) expect(readFileSync(join(ROOT, file), "utf8"), file).toBe(text);
    expect(BRIDGE_CONF_KEYS).toEqual(Object.keys(bridgeConfSchema().shape));
  });

  for (const { name, validate, schema, valid } of CASES) {
    it(`accept every valid ${name} config`, () => {
      for (const config of valid) {
        expect(schema().safeParse(config).success, JSON.stringify(config)).toBe(true);
        expect(validate(config), JSON.stringify(config)).toBe(true);
      }
    });

    it(`accept among mutated ${name} configs only what zod returns unchanged`, () => {
      let accepted = 0;
      let refused = 0;
      for (const config of valid) {
        for (const variant of mutations(config)) {
          const parsed = schema().safeParse(variant);
          if (validate(variant)) {
            expect(parsed.success, JSON.stringify(variant)).toBe(true);
            // Every member zod returns is the config's own, unchanged.
            expect(variant, JSON.stringify(variant)).toMatchObject(parsed.data as object);
            accepted++;
          } else {
            refused++;
          }
        }
      }
      // Both sides of the line were exercised, in numbers.
      expect(accepted).toBeGreaterThan(20);
      expect(refused).toBeGreaterThan(20);
    });
  }

  it("judge an object that is not plain JSON as zod does", () => {
    const bare = Object.assign(Object.create(null) as object, { name: "net" });
    // Assigning a "__proto__" key replaces the prototype: the object inherits `name`.
    const inherited = Object.assign({}, JSON.parse('{"__proto__": {"name": "net"}}') as object);
    for (const config of [bare, inherited]) {
      expect(validateBridgeConf(config)).toBe(true);
      expect(bridgeConfSchema().safeParse(config)).toMatchObject({ success: true, data: { name: "net" } });
    }
  });

  it("check a refined string's format, and refuse a schema whose output is not its input", () => {
    expect(validatorJsonSchema(z.object({ dst: formattedText("cidr", "invalid CIDR address") }))).toMatchObject({
      properties: { dst: { type: "string", format: "cidr" } },
    });
    expect(validatorJsonSchema(z.object({ on: z.nullish(z.boolean()) }))).toMatchObject({ properties: { on: { type: ["boolean", "null"] } } });
    expect(() =>
      validatorJsonSchema(
        z.object({
          on: z.pipe(
            z.nullish(z.boolean()),
            z.transform((b) => b ?? false),
          ),
        }),
      ),
    ).toThrow();
    expect(() => validatorJsonSchema(z.object({ on: z._default(z.boolean(), false) }))).toThrow("output differs from its input");
    expect(() => validatorJsonSchema(z.object({ big: z.bigint() }))).toThrow();
  });

  it("refuse a schema with a keyword the checker does not understand, rather than skip it", () => {
    expect(() => supportedSchema(validatorJsonSchema(z.object({ s: z.string().check(z.regex(/^a/)) })))).toThrow('keyword "pattern"');
    expect(() => supportedSchema(validatorJsonSchema(z.object({ u: z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]) })))).toThrow(
      'keyword "anyOf"',
    );
    expect(() => supportedSchema({ type: "string", format: "hostname" })).toThrow("format");
  });

  it("check types, bounds, formats and nested members as JSON Schema does", () => {
    const schema = supportedSchema({
      type: "object",
      required: ["n"],
      properties: { n: { type: "integer", minimum: 1, maximum: 9 }, net: { type: ["string", "null"], format: "cidr" } },
      additionalProperties: { type: "array", items: { type: "boolean" } },
    });
    expect(conforms(schema, { n: 3, net: "10.0.0.0/8", flags: [true] })).toBe(true);
    expect(conforms(schema, { n: 3, net: null })).toBe(true);
    for (const bad of [{}, { n: 1.5 }, { n: 0 }, { n: 10 }, { n: 3, net: "10.0.0.0/33" }, { n: 3, flags: [1] }, { n: 3, flags: "x" }, [], null, "x"]) {
      expect(conforms(schema, bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
