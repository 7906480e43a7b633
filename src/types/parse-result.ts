// Results of any version into the 1.1.0 model; like libcni, unknown fields are dropped and an
// invalid CIDR or IP is fatal.
import { DecodingError } from "../errors.ts";
import { parseAddress, parseCidr } from "../ip/cidr.ts";
import type { SpecVersion } from "../version.ts";
import { fromWire } from "./convert.ts";
import type { Dns, Result, Route } from "./result.ts";
import { FAMILY_020, FAMILY_040, compact, type IpConfig020, type Result020, type Result040, type Result100 } from "./wire.ts";

type Obj = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new DecodingError(`${path}: ${what}`);
}

function obj(v: unknown, path: string): Obj {
  if (v === null || typeof v !== "object" || Array.isArray(v)) fail(path, `expected an object, got ${describe(v)}`);
  return v as Obj;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? JSON.stringify(v) : `${typeof v} ${JSON.stringify(v)}`;
}

function optList<T>(v: unknown, path: string, item: (x: unknown, p: string) => T): T[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(path, `expected a list, got ${describe(v)}`);
  return v.map((x, i) => item(x, `${path}[${i}]`));
}

function optStr(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") fail(path, `expected a string, got ${describe(v)}`);
  return v;
}

function optUint(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(path, `expected a non-negative integer, got ${describe(v)}`);
  return v;
}

function optInt(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) fail(path, `expected an integer, got ${describe(v)}`);
  return v;
}

/** A CIDR with host bits allowed (`10.1.2.3/24`), as Go's `net.ParseCIDR` accepts it. */
function cidr(v: unknown, path: string): string {
  const s = optStr(v, path);
  if (s === undefined) fail(path, "missing");
  if (!parseCidr(s)) fail(path, `invalid CIDR address: ${s}`);
  return s;
}

function optIp(v: unknown, path: string): string | undefined {
  const s = optStr(v, path);
  if (s === undefined || s === "") return undefined;
  if (!parseAddress(s)) fail(path, `invalid IP address: ${s}`);
  return s;
}

function dns(v: unknown, path: string): Dns {
  if (v === undefined || v === null) return {};
  const o = obj(v, path);
  const strs = (k: string) => optList(o[k], `${path}.${k}`, (x, p) => optStr(x, p) ?? fail(p, "null"));
  return compact({ nameservers: strs("nameservers"), domain: optStr(o.domain, `${path}.domain`), search: strs("search"), options: strs("options") });
}

function route(v: unknown, path: string): Route {
  const o = obj(v, path);
  return compact({
    dst: cidr(o.dst, `${path}.dst`),
    gw: optIp(o.gw, `${path}.gw`),
    mtu: optUint(o.mtu, `${path}.mtu`),
    advmss: optUint(o.advmss, `${path}.advmss`),
    priority: optUint(o.priority, `${path}.priority`),
    table: optInt(o.table, `${path}.table`),
    scope: optInt(o.scope, `${path}.scope`),
  });
}

function iface(v: unknown, path: string) {
  const o = obj(v, path);
  const name = optStr(o.name, `${path}.name`) ?? "";
  return compact({
    name,
    mac: optStr(o.mac, `${path}.mac`),
    mtu: optUint(o.mtu, `${path}.mtu`),
    sandbox: optStr(o.sandbox, `${path}.sandbox`),
    socketPath: optStr(o.socketPath, `${path}.socketPath`),
    pciID: optStr(o.pciID, `${path}.pciID`),
  });
}

function doc100(o: Obj, version: Result100["cniVersion"]): Result100 {
  return compact({
    cniVersion: version,
    interfaces: optList(o.interfaces, "interfaces", iface),
    ips: optList(o.ips, "ips", (x, p) => {
      const ip = obj(x, p);
      return compact({
        interface: optUint(ip.interface, `${p}.interface`),
        address: cidr(ip.address, `${p}.address`),
        gateway: optIp(ip.gateway, `${p}.gateway`),
      });
    }),
    routes: optList(o.routes, "routes", route),
    dns: dns(o.dns, "dns"),
  });
}

function doc040(o: Obj, version: Result040["cniVersion"]): Result040 {
  return compact({
    cniVersion: version,
    interfaces: optList(o.interfaces, "interfaces", (x, p) => {
      const i = iface(x, p);
      return compact({ name: i.name, mac: i.mac, sandbox: i.sandbox });
    }),
    ips: optList(o.ips, "ips", (x, p) => {
      const ip = obj(x, p);
      const address = cidr(ip.address, `${p}.address`);
      const v = optStr(ip.version, `${p}.version`);
      if (v !== "4" && v !== "6") fail(`${p}.version`, `expected "4" or "6", got ${describe(ip.version)}`);
      return compact({ version: v, interface: optUint(ip.interface, `${p}.interface`), address, gateway: optIp(ip.gateway, `${p}.gateway`) });
    }),
    routes: optList(o.routes, "routes", route),
    dns: dns(o.dns, "dns"),
  });
}

function doc020(o: Obj, version: Result020["cniVersion"]): Result020 {
  const ipc = (v: unknown, p: string): IpConfig020 | undefined => {
    if (v === undefined || v === null) return undefined;
    const c = obj(v, p);
    return compact({
      ip: cidr(c.ip, `${p}.ip`),
      gateway: optIp(c.gateway, `${p}.gateway`),
      routes: optList(c.routes, `${p}.routes`, (x, rp) => {
        const r = route(x, rp);
        return compact({ dst: r.dst, gw: r.gw });
      }),
    });
  };
  return compact({ cniVersion: version, ip4: ipc(o.ip4, "ip4"), ip6: ipc(o.ip6, "ip6"), dns: dns(o.dns, "dns") });
}

/** @throws {DecodingError} naming the offending field and value */
export function parseResult(json: unknown, version: SpecVersion): Result {
  const o = obj(json ?? {}, "result");
  let model: Result;
  if ((FAMILY_020 as readonly string[]).includes(version)) {
    const v = version as Result020["cniVersion"];
    model = fromWire(doc020(o, v), v);
  } else if ((FAMILY_040 as readonly string[]).includes(version)) {
    const v = version as Result040["cniVersion"];
    model = fromWire(doc040(o, v), v);
  } else {
    const v = version as Result100["cniVersion"];
    model = fromWire(doc100(o, v), v);
  }
  model.cniVersion = version;
  return model;
}
