/**
 * The compiled accept paths against zod itself: the generated module is
 * current, every valid config takes the compiled path and comes out exactly
 * as zod returns it (keys, order, `undefined`s), and over thousands of
 * mutated configs the compiled path accepts precisely what zod accepts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod/mini";
import { describe, expect, it } from "vitest";
import { hostLocalConfSchema } from "../../ipam/host-local/config.ts";
import { bridgeConfSchema } from "../../plugins/bridge/config.ts";
import { gcAttachmentsSchema } from "../../plugins/bridge/gc-conf.ts";
import { compileAcceptPaths } from "./accept-path-compiler.ts";
import { ACCEPT_PATHS_FILE, generateAcceptPaths } from "./accept-paths.ts";
import { acceptBridgeConf, acceptGcAttachments, acceptHostLocalConf, BRIDGE_CONF_KEYS, REJECTED } from "./accept-paths.generated.ts";
import * as schemaFunctions from "./schema-functions.ts";

const ROOT = join(import.meta.dirname, "../..");

/** A value as text that keeps what deep equality would blur: key order and `undefined` members. */
const exactly = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (v === undefined ? "<undefined>" : v));

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
    accept: acceptBridgeConf,
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
    accept: acceptHostLocalConf,
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
    accept: acceptGcAttachments,
    schema: gcAttachmentsSchema,
    valid: [
      { cniVersion: "1.1.0", name: "net", "cni.dev/valid-attachments": [{ containerID: "c1", ifname: "eth0" }, { containerID: "c2", ifname: "net1", x: 1 }] },
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

describe("compiled accept paths", () => {
  it("are generated from the current schemas (npm run schemas)", () => {
    expect(readFileSync(join(ROOT, ACCEPT_PATHS_FILE), "utf8")).toBe(generateAcceptPaths());
    expect(BRIDGE_CONF_KEYS).toEqual(Object.keys(bridgeConfSchema().shape));
  });

  for (const { name, accept, schema, valid } of CASES) {
    it(`return what zod returns for valid ${name} configs`, () => {
      for (const config of valid) {
        const parsed = schema().safeParse(config);
        expect(parsed.success, JSON.stringify(config)).toBe(true);
        const accepted = accept(config);
        expect(accepted).not.toBe(REJECTED);
        expect(exactly(accepted)).toBe(exactly(parsed.data));
      }
    });

    it(`accept exactly what zod accepts among mutated ${name} configs`, () => {
      let accepted = 0;
      let refused = 0;
      for (const config of valid) {
        for (const variant of mutations(config)) {
          const parsed = schema().safeParse(variant);
          const result = accept(variant);
          expect(result === REJECTED, exactly(variant)).toBe(!parsed.success);
          if (parsed.success) {
            expect(exactly(result), exactly(variant)).toBe(exactly(parsed.data));
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

  it("leave anything that is not a plain JSON object to zod", () => {
    const bare = Object.assign(Object.create(null) as object, { name: "net" });
    // Assigning a "__proto__" key replaces the prototype: the object inherits `name`.
    const inherited = Object.assign({}, JSON.parse('{"__proto__": {"name": "net"}}') as object);
    for (const config of [bare, inherited]) {
      expect(acceptBridgeConf(config)).toBe(REJECTED);
      expect(bridgeConfSchema().safeParse(config).success).toBe(true);
    }
  });

  it("refuse to compile what they cannot mirror", () => {
    const compile = (schema: z.core.$ZodType) => () => compileAcceptPaths([{ exportName: "accept", schema }], schemaFunctions, "./f.ts");
    expect(compile(z.object({ a: z.enum(["x", "y"]) }))).toThrow('zod schema kind "enum" is not compiled');
    expect(compile(z.object({ a: z.union([z.string(), z.number()]) }))).toThrow('"union" is not compiled');
    expect(compile(z.string().check(z.refine((s) => s.length > 0)))).toThrow("a refinement that is not exported");
    expect(compile(z.string().check(z.minLength(1)))).toThrow("a conditional check (min_length)");
    expect(compile(z.object({ constructor: z.string() }))).toThrow('key "constructor" shadows Object.prototype');
    expect(compile(z.object({ a: z._default(z.string(), "x") }))).toThrow('zod schema kind "default" is not compiled');
    expect(compile(z.catchall(z.object({}), z.string()))).toThrow("a catch-all other than unknown");
  });
});
