/**
 * Empty, zero and extreme values: each is either refused with code 7 by the
 * plugin, naming the key and the value, and reported by `cni-ts validate`
 * at that key, or accepted with a documented meaning (README, "Values that
 * mean 'unset'"). Never silently turned into something else.
 */
import { describe, expect, it } from "vitest";
import { parseBridgeConf } from "../../plugins/bridge/config.ts";
import { loadHostLocalConfig } from "../../ipam/host-local/config.ts";
import { InvalidConfigError } from "../errors.ts";
import { decodeStdinConfig } from "../skel/stdin-config.ts";
import { checkDocument } from "./check-document.ts";

type Plugin = "bridge" | "host-local";

function config(plugin: Plugin, patch: Record<string, unknown>, ipamPatch: Record<string, unknown>): Record<string, unknown> {
  const ipam = { type: "host-local", subnet: "10.1.0.0/24", ...ipamPatch };
  return plugin === "bridge"
    ? { cniVersion: "1.0.0", name: "net", type: "bridge", ipam, ...patch }
    : { cniVersion: "1.0.0", name: "net", type: "host-local", ipam, ...patch };
}

/** The plugin's verdict: its settings, or its error. */
function pluginParse(plugin: Plugin, conf: Record<string, unknown>): unknown {
  const raw = decodeStdinConfig(Buffer.from(JSON.stringify(conf)));
  // bridge hands the same stdin to its IPAM, which then refuses the ipam keys.
  const ipam = loadHostLocalConfig(raw, "");
  return plugin === "bridge" ? parseBridgeConf(raw) : ipam;
}

function validateErrors(conf: Record<string, unknown>) {
  return checkDocument(JSON.stringify(conf), "single").findings.filter((f) => f.severity === "error");
}

interface Refused {
  plugin: Plugin;
  name: string;
  patch?: Record<string, unknown>;
  ipam?: Record<string, unknown>;
  /** The JSONPath validate reports. */
  path: string;
  /** Text the plugin's message must contain (the key and the value). */
  says: string[];
}

const REFUSED: Refused[] = [
  { plugin: "bridge", name: "empty bridge name", patch: { bridge: "" }, path: "$.bridge", says: ['""', "bridge"] },
  { plugin: "bridge", name: "bridge name with NUL", patch: { bridge: "br\u00000" }, path: "$.bridge", says: ["bridge", '"br\\u00000"'] },
  { plugin: "bridge", name: "bridge name of 16 bytes in Unicode", patch: { bridge: "brücke-brücke-1" }, path: "$.bridge", says: ["bridge"] },
  { plugin: "bridge", name: "bridge name with a tab", patch: { bridge: "br\t0" }, path: "$.bridge", says: ["bridge"] },
  { plugin: "bridge", name: "mtu 1", patch: { mtu: 1 }, path: "$.mtu", says: ["MTU 1", "mtu"] },
  { plugin: "bridge", name: "mtu 67", patch: { mtu: 67 }, path: "$.mtu", says: ["MTU 67"] },
  { plugin: "bridge", name: "mtu 65536", patch: { mtu: 65536 }, path: "$.mtu", says: ["MTU 65536"] },
  { plugin: "bridge", name: "mtu 2^31", patch: { mtu: 2 ** 31 }, path: "$.mtu", says: ["MTU 2147483648"] },
  { plugin: "bridge", name: "mtu -1", patch: { mtu: -1 }, path: "$.mtu", says: ["MTU -1"] },
];
for (const plugin of ["bridge", "host-local"] as const) {
  const subnet = (value: string, says: string) =>
    REFUSED.push({ plugin, name: `subnet ${value}`, ipam: { subnet: value }, path: "$.ipam.subnet", says: ["ipam.subnet", JSON.stringify(value), says] });
  subnet("0.0.0.0/0", "/0");
  subnet("::/0", "/0");
  subnet("::ffff:0:0/96", "IPv4-mapped");
  subnet("::ffff:10.1.0.0/120", "IPv4-mapped");
  subnet("::/64", "loopback");
  subnet("::/1", "loopback");
  subnet("224.0.0.0/24", "multicast");
  subnet("239.255.0.0/16", "multicast");
  subnet("ff02::/64", "multicast");
  subnet("127.0.0.0/24", "loopback");
  REFUSED.push({
    plugin,
    name: "a /0 in ranges",
    ipam: { subnet: undefined, ranges: [[{ subnet: "10.2.0.0/24" }, { subnet: "0.0.0.0/0" }]] },
    path: "$.ipam.ranges[0][1].subnet",
    says: ["ipam.ranges[0][1].subnet", '"0.0.0.0/0"'],
  });
  const route = (name: string, extra: Record<string, unknown>, key: string, value: string) =>
    REFUSED.push({ plugin, name, ipam: { routes: [{ dst: "0.0.0.0/0", ...extra }] }, path: `$.ipam.routes[0].${key}`, says: [`ipam.routes[0].${key}`, value] });
  route("route scope 256 (a byte: would wrap to 0)", { scope: 256 }, "scope", "256");
  route("route scope -1", { scope: -1 }, "scope", "-1");
  route("route table 0 (would mean main)", { table: 0 }, "table", "0");
  route("route table 2^32", { table: 2 ** 32 }, "table", "4294967296");
  route("route priority -1", { priority: -1 }, "priority", "-1");
  route("route mtu 65536", { mtu: 65536 }, "mtu", "65536");
  route("route advmss -5", { advmss: -5 }, "advmss", "-5");
  for (const [key, value] of [
    ["dataDir", "cni-data"],
    ["dataDir", "/tmp/a\u0000b"],
    ["resolvConf", "etc/resolv.conf"],
    ["resolvConf", "../resolv.conf"],
  ] as const) {
    REFUSED.push({
      plugin,
      name: `${key} ${JSON.stringify(value)} (not an absolute path without NUL)`,
      ipam: { [key]: value },
      path: `$.ipam.${key}`,
      says: [`ipam.${key}`, JSON.stringify(value)],
    });
  }
  REFUSED.push({ plugin, name: "empty gateway", ipam: { gateway: "" }, path: "$.ipam.gateway", says: ["ipam.gateway"] });
  REFUSED.push({ plugin, name: "empty rangeStart", ipam: { rangeStart: "" }, path: "$.ipam.rangeStart", says: ["ipam.rangeStart"] });
  REFUSED.push({
    plugin,
    name: "rangeStart outside the subnet",
    ipam: { rangeStart: "10.9.0.1" },
    path: "$.ipam.rangeStart",
    says: ["10.9.0.1", "ipam.rangeStart"],
  });
}

describe("refused: code 7 from the plugin naming key and value, an error from validate at that key", () => {
  it.each(REFUSED.map((c) => [`${c.plugin}: ${c.name}`, c] as const))("%s", (_label, c) => {
    const conf = config(c.plugin, c.patch ?? {}, c.ipam ?? {});
    let error: unknown;
    try {
      pluginParse(c.plugin, conf);
    } catch (err) {
      error = err;
    }
    expect(error, "accepted").toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).code).toBe(7);
    for (const text of c.says) expect((error as InvalidConfigError).msg).toContain(text);
    expect(validateErrors(conf).map((f) => f.path)).toContain(c.path);
  });
});

describe("accepted with a documented meaning, by both", () => {
  it.each([
    ["bridge", "mtu 0 = the kernel's default", { mtu: 0 }, {}, (s: any) => s.mtu === 0],
    ["bridge", "mtu null = the kernel's default", { mtu: null }, {}, (s: any) => s.mtu === 0],
    ["bridge", "mtu 68", { mtu: 68 }, {}, (s: any) => s.mtu === 68],
    ["bridge", "mtu 65535", { mtu: 65535 }, {}, (s: any) => s.mtu === 65535],
    ["bridge", "bridge null = cni0", { bridge: null }, {}, (s: any) => s.bridgeName === "cni0"],
    ["bridge", "bridge of 15 bytes", { bridge: "b".repeat(15) }, {}, (s: any) => s.bridgeName === "b".repeat(15)],
    ["bridge", "vlan 0 = no VLAN", { vlan: 0 }, {}, (s: any) => s.vlan === 0],
    ["bridge", 'ipam.type "" = no IPAM (L2)', {}, { type: "" }, (s: any) => s.ipamType === ""],
    ["host-local", 'dataDir "" = the default store', {}, { dataDir: "" }, (s: any) => s.dataDir === "/var/lib/cni/networks"],
    ["host-local", 'resolvConf "" = none', {}, { resolvConf: "" }, (s: any) => s.resolvConf === undefined],
    ["host-local", "a /30", {}, { subnet: "10.1.0.0/30" }, (s: any) => s.rangeSets.length === 1],
  ] as const)("%s: %s", (plugin, _name, patch, ipam, holds) => {
    const conf = config(plugin, patch, ipam);
    expect(holds(pluginParse(plugin, conf))).toBe(true);
    expect(validateErrors(conf)).toEqual([]);
  });
});
