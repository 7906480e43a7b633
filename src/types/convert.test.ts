import { describe, expect, it } from "vitest";
import { CniError } from "../errors.ts";
import { SUPPORTED_VERSIONS, type SpecVersion } from "../version.ts";
import { CONVERSIONS, convertDoc, fromWire, toWire, type DocOf } from "./convert.ts";
import type { Result } from "./result.ts";

const FULL: Result = {
  interfaces: [
    { name: "cni0", mac: "aa:aa:aa:aa:aa:aa", mtu: 1500 },
    { name: "eth0", mac: "bb:bb:bb:bb:bb:bb", sandbox: "/var/run/netns/p", socketPath: "/s", pciID: "0000:00:01.0" },
  ],
  ips: [
    { interface: 1, address: "10.1.2.3/24", gateway: "10.1.2.1" },
    { interface: 1, address: "10.9.9.9/16" },
    { interface: 1, address: "fd00::3/64", gateway: "fd00::1" },
  ],
  routes: [{ dst: "0.0.0.0/0", gw: "10.1.2.1", mtu: 1400, priority: 10, table: 0, scope: 0 }, { dst: "::/0", gw: "fd00::1" }, { dst: "192.168.0.0/16" }],
  dns: { nameservers: ["10.1.2.1"], domain: "example.org", search: ["a.example.org"], options: ["ndots:2"] },
};

const family = (v: string) => (v.startsWith("1.") ? "100" : ["0.3.0", "0.3.1", "0.4.0"].includes(v) ? "040" : "020");

describe("CONVERSIONS", () => {
  it("has a converter for every (from, to) pair", () => {
    for (const f of SUPPORTED_VERSIONS) for (const t of SUPPORTED_VERSIONS) expect(typeof CONVERSIONS[f][t]).toBe("function");
  });

  describe.each(SUPPORTED_VERSIONS.map((f) => [f]))("from %s", (from) => {
    it.each(SUPPORTED_VERSIONS.map((t) => [t]))("to %s keeps what both versions can say", (to) => {
      const doc = toWire(FULL, from);
      const out = convertDoc(doc as DocOf<SpecVersion>, from, to) as any;
      expect(out.cniVersion).toBe(to);
      const lossy = family(from) === "020" || family(to) === "020";
      if (!lossy) {
        expect(out.ips.map((ip: any) => ip.address)).toEqual(["10.1.2.3/24", "10.9.9.9/16", "fd00::3/64"]);
        expect(out.ips.map((ip: any) => ip.interface)).toEqual([1, 1, 1]);
        expect(out.interfaces.map((i: any) => i.name)).toEqual(["cni0", "eth0"]);
        expect(out.routes).toHaveLength(3);
        expect(out.dns).toEqual(FULL.dns);
      } else {
        const ips = family(to) === "020" ? [out.ip4.ip, out.ip6.ip] : out.ips.map((ip: any) => ip.address);
        expect(ips).toEqual(["10.1.2.3/24", "fd00::3/64"]);
        expect(out.dns).toEqual(FULL.dns);
      }
      if (family(to) === "040") expect(out.ips.every((ip: any) => ip.version === (ip.address.includes(":") ? "6" : "4"))).toBe(true);
      if (family(to) === "100") expect(out.ips.every((ip: any) => !("version" in ip))).toBe(true);
      if (family(to) !== "100") expect(JSON.stringify(out)).not.toMatch(/socketPath|pciID|"mtu":1500/);
      if (family(from) === "100" && family(to) === "100") {
        expect(out.interfaces[1]).toEqual(FULL.interfaces![1]);
        expect(out.routes[0]).toEqual(FULL.routes![0]);
      }
    });
  });
});

describe("toWire()", () => {
  it("1.x omits an empty dns and empty lists; 0.x always prints dns", () => {
    const r: Result = { interfaces: [{ name: "lo" }], ips: [], routes: [], dns: {} };
    expect(toWire(r, "1.1.0")).toEqual({ cniVersion: "1.1.0", interfaces: [{ name: "lo" }] });
    expect(toWire(r, "1.0.0")).toEqual({ cniVersion: "1.0.0", interfaces: [{ name: "lo" }] });
    expect(toWire(r, "0.4.0")).toEqual({ cniVersion: "0.4.0", interfaces: [{ name: "lo" }], dns: {} });
  });

  it("prints interface index 0 and route table/scope 0, omits zero mtu/priority", () => {
    const out = toWire({ ips: [{ interface: 0, address: "10.0.0.1/8" }], routes: [{ dst: "10.0.0.0/8", mtu: 0, priority: 0, table: 0, scope: 0 }] }, "1.1.0");
    expect(out.ips).toEqual([{ interface: 0, address: "10.0.0.1/8" }]);
    expect(out.routes).toEqual([{ dst: "10.0.0.0/8", table: 0, scope: 0 }]);
  });

  it("prints keys in the reference's order", () => {
    const out = toWire(FULL, "0.4.0");
    expect(Object.keys(out)).toEqual(["cniVersion", "interfaces", "ips", "routes", "dns"]);
    expect(Object.keys(out.ips![0]!)).toEqual(["version", "interface", "address", "gateway"]);
    expect(Object.keys(toWire(FULL, "0.2.0"))).toEqual(["cniVersion", "ip4", "ip6", "dns"]);
  });

  it("0.2.0 keeps the first address per family and routes of families with an address", () => {
    expect(toWire(FULL, "0.2.0")).toEqual({
      cniVersion: "0.2.0",
      ip4: { ip: "10.1.2.3/24", gateway: "10.1.2.1", routes: [{ dst: "0.0.0.0/0", gw: "10.1.2.1" }, { dst: "192.168.0.0/16" }] },
      ip6: { ip: "fd00::3/64", gateway: "fd00::1", routes: [{ dst: "::/0", gw: "fd00::1" }] },
      dns: FULL.dns,
    });
    const v4only = toWire({ ips: [{ address: "10.0.0.2/24" }], routes: [{ dst: "::/0" }, { dst: "0.0.0.0/0" }] }, "0.1.0");
    expect(v4only).toEqual({ cniVersion: "0.1.0", ip4: { ip: "10.0.0.2/24", routes: [{ dst: "0.0.0.0/0" }] }, dns: {} });
  });

  it.each(["0.1.0", "0.2.0"] as const)("an address-less result cannot be printed at %s", (v) => {
    expect(() => toWire({ interfaces: [{ name: "eth0" }] }, v)).toThrow("cannot convert: no valid IP addresses");
    try {
      toWire({}, v);
    } catch (e) {
      expect((e as CniError).code).toBe(1);
    }
  });

  it("treats IPv4-mapped IPv6 as IPv4, like Go's To4()", () => {
    expect(toWire({ ips: [{ address: "::ffff:10.0.0.1/120" }] }, "0.4.0").ips![0]!.version).toBe("4");
  });

  it("does not share arrays with the model", () => {
    const r: Result = { dns: { nameservers: ["1.1.1.1"] }, ips: [{ address: "10.0.0.1/8" }] };
    const out = toWire(r, "1.1.0");
    out.dns!.nameservers!.push("x");
    expect(r.dns!.nameservers).toEqual(["1.1.1.1"]);
  });
});

describe("fromWire()", () => {
  it("brings a 0.2.0 document into the model", () => {
    const doc = {
      cniVersion: "0.2.0",
      ip4: { ip: "10.0.0.2/24", gateway: "10.0.0.1", routes: [{ dst: "0.0.0.0/0" }] },
      ip6: { ip: "fd00::2/64" },
      dns: {},
    } as const;
    expect(fromWire(doc as any, "0.2.0")).toEqual({
      cniVersion: "1.1.0",
      ips: [{ address: "10.0.0.2/24", gateway: "10.0.0.1" }, { address: "fd00::2/64" }],
      routes: [{ dst: "0.0.0.0/0" }],
    });
  });
  it("round-trips the full 1.1.0 model", () => {
    expect(fromWire(toWire(FULL, "1.1.0"), "1.1.0")).toEqual({ cniVersion: "1.1.0", ...FULL });
  });
});
