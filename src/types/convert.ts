// Result conversion between every pair of spec versions as libcni does it, in one (from, to)
// table that TypeScript checks for completeness.
import { IncompatibleVersionError } from "../errors.ts";
import type { SpecVersion } from "../version.ts";
import type { Result } from "./result.ts";
import {
  addressFamily,
  compact,
  nonEmpty,
  wireDns,
  wireRoute,
  type IpConfig020,
  type Result020,
  type Result040,
  type Result100,
  type Route020,
} from "./wire.ts";

type V100 = Result100["cniVersion"];
type V040 = Result040["cniVersion"];
type V020 = Result020["cniVersion"];

export type DocOf<V extends SpecVersion> = V extends V100 ? Result100 : V extends V040 ? Result040 : Result020;

/** One conversion: a document of version `F` to one of version `T`. */
type Converter<F extends SpecVersion, T extends SpecVersion> = (doc: DocOf<F>, to: T) => DocOf<T>;

/** A missing pair is a compile error. */
export type ConversionTable = { [F in SpecVersion]: { [T in SpecVersion]: Converter<F, T> } };

/** Same family: copy and relabel (0.1.0 ↔ 0.2.0, 0.3.x ↔ 0.4.0, 1.0.0 ↔ 1.1.0). */
function relabel100(doc: Result100, to: V100): Result100 {
  return fromModel100(toModel100(doc), to);
}
function relabel040(doc: Result040, to: V040): Result040 {
  return compact({
    cniVersion: to,
    interfaces: nonEmpty(doc.interfaces?.map((i) => compact({ name: i.name, mac: i.mac || undefined, sandbox: i.sandbox || undefined }))),
    ips: nonEmpty(doc.ips?.map((ip) => compact({ ...ip }))),
    routes: nonEmpty(doc.routes?.map(wireRoute)),
    dns: wireDns(doc.dns),
  });
}
function relabel020(doc: Result020, to: V020): Result020 {
  const copyIp = (c: IpConfig020 | undefined): IpConfig020 | undefined =>
    c && compact({ ip: c.ip, gateway: c.gateway || undefined, routes: nonEmpty(c.routes?.map((r) => compact({ ...r }))) });
  return compact({ cniVersion: to, ip4: copyIp(doc.ip4), ip6: copyIp(doc.ip6), dns: wireDns(doc.dns) });
}

/** 1.x → 0.3.x/0.4.0: `version` recomputed from the address; interface mtu/socketPath/pciID dropped; routes copied whole. */
function down100to040(doc: Result100, to: V040): Result040 {
  return compact({
    cniVersion: to,
    interfaces: nonEmpty(doc.interfaces?.map((i) => compact({ name: i.name, mac: i.mac || undefined, sandbox: i.sandbox || undefined }))),
    ips: nonEmpty(
      doc.ips?.map((ip) => compact({ version: addressFamily(ip.address), interface: ip.interface, address: ip.address, gateway: ip.gateway || undefined })),
    ),
    routes: nonEmpty(doc.routes?.map(wireRoute)),
    dns: wireDns(doc.dns),
  });
}

/** 0.3.x/0.4.0 → 1.x: `version` dropped. */
function up040to100(doc: Result040, to: V100): Result100 {
  return compact({
    cniVersion: to,
    interfaces: nonEmpty(doc.interfaces?.map((i) => compact({ name: i.name, mac: i.mac || undefined, sandbox: i.sandbox || undefined }))),
    ips: nonEmpty(doc.ips?.map((ip) => compact({ interface: ip.interface, address: ip.address, gateway: ip.gateway || undefined }))),
    routes: nonEmpty(doc.routes?.map(wireRoute)),
    dns: nonEmptyDns(doc.dns),
  });
}

/**
 * 0.3.x/0.4.0 → 0.1.0/0.2.0: the first IPv4 and the first IPv6 address, routes
 * (dst and gw only) kept for a family that has an address, interfaces dropped.
 *
 * @throws {IncompatibleVersionError} `cannot convert: no valid IP addresses` when there is no address
 */
function down040to020(doc: Result040, to: V020): Result020 {
  let ip4: IpConfig020 | undefined;
  let ip6: IpConfig020 | undefined;
  for (const ip of doc.ips ?? []) {
    if (ip.version === "4" && !ip4) ip4 = compact({ ip: ip.address, gateway: ip.gateway || undefined });
    else if (ip.version === "6" && !ip6) ip6 = compact({ ip: ip.address, gateway: ip.gateway || undefined });
    if (ip4 && ip6) break;
  }
  const r4: Route020[] = [];
  const r6: Route020[] = [];
  for (const r of doc.routes ?? []) {
    const legacy = compact({ dst: r.dst, gw: r.gw || undefined });
    if (addressFamily(r.dst) === "4") {
      if (ip4) r4.push(legacy);
    } else if (ip6) r6.push(legacy);
  }
  if (!ip4 && !ip6) throw new IncompatibleVersionError("cannot convert: no valid IP addresses");
  if (ip4 && r4.length) ip4.routes = r4;
  if (ip6 && r6.length) ip6.routes = r6;
  return compact({ cniVersion: to, ip4, ip6, dns: wireDns(doc.dns) });
}

/** 0.1.0/0.2.0 → 0.3.x/0.4.0: `ip4` then `ip6` become `ips[]`, routes flattened, no interfaces. */
function up020to040(doc: Result020, to: V040): Result040 {
  const ips: Result040["ips"] = [];
  const routes: Result040["routes"] = [];
  for (const [version, c] of [
    ["4", doc.ip4],
    ["6", doc.ip6],
  ] as const) {
    if (!c) continue;
    ips.push(compact({ version, address: c.ip, gateway: c.gateway || undefined }));
    for (const r of c.routes ?? []) routes.push(compact({ dst: r.dst, gw: r.gw || undefined }));
  }
  return compact({ cniVersion: to, ips: nonEmpty(ips), routes: nonEmpty(routes), dns: wireDns(doc.dns) });
}

const via040 =
  <F extends SpecVersion, T extends SpecVersion>(first: (doc: DocOf<F>) => Result040, second: (doc: Result040) => DocOf<T>): Converter<F, T> =>
  (doc) =>
    second(first(doc));

const r100 = (to: V100) => (d: Result100) => relabel100(d, to);
const r040 = (to: V040) => (d: Result040) => relabel040(d, to);
const r020 = (to: V020) => (d: Result020) => relabel020(d, to);
const d100 = (to: V040) => (d: Result100) => down100to040(d, to);
const u040 = (to: V100) => (d: Result040) => up040to100(d, to);
const d040 = (to: V020) => (d: Result040) => down040to020(d, to);
const u020 = (to: V040) => (d: Result020) => up020to040(d, to);

export const CONVERSIONS: ConversionTable = {
  "1.1.0": {
    "1.1.0": r100("1.1.0"),
    "1.0.0": r100("1.0.0"),
    "0.4.0": d100("0.4.0"),
    "0.3.1": d100("0.3.1"),
    "0.3.0": d100("0.3.0"),
    "0.2.0": via040(d100("0.4.0"), d040("0.2.0")),
    "0.1.0": via040(d100("0.4.0"), d040("0.1.0")),
  },
  "1.0.0": {
    "1.1.0": r100("1.1.0"),
    "1.0.0": r100("1.0.0"),
    "0.4.0": d100("0.4.0"),
    "0.3.1": d100("0.3.1"),
    "0.3.0": d100("0.3.0"),
    "0.2.0": via040(d100("0.4.0"), d040("0.2.0")),
    "0.1.0": via040(d100("0.4.0"), d040("0.1.0")),
  },
  "0.4.0": {
    "1.1.0": u040("1.1.0"),
    "1.0.0": u040("1.0.0"),
    "0.4.0": r040("0.4.0"),
    "0.3.1": r040("0.3.1"),
    "0.3.0": r040("0.3.0"),
    "0.2.0": d040("0.2.0"),
    "0.1.0": d040("0.1.0"),
  },
  "0.3.1": {
    "1.1.0": u040("1.1.0"),
    "1.0.0": u040("1.0.0"),
    "0.4.0": r040("0.4.0"),
    "0.3.1": r040("0.3.1"),
    "0.3.0": r040("0.3.0"),
    "0.2.0": d040("0.2.0"),
    "0.1.0": d040("0.1.0"),
  },
  "0.3.0": {
    "1.1.0": u040("1.1.0"),
    "1.0.0": u040("1.0.0"),
    "0.4.0": r040("0.4.0"),
    "0.3.1": r040("0.3.1"),
    "0.3.0": r040("0.3.0"),
    "0.2.0": d040("0.2.0"),
    "0.1.0": d040("0.1.0"),
  },
  "0.2.0": {
    "1.1.0": via040(u020("0.4.0"), u040("1.1.0")),
    "1.0.0": via040(u020("0.4.0"), u040("1.0.0")),
    "0.4.0": u020("0.4.0"),
    "0.3.1": u020("0.3.1"),
    "0.3.0": u020("0.3.0"),
    "0.2.0": r020("0.2.0"),
    "0.1.0": r020("0.1.0"),
  },
  "0.1.0": {
    "1.1.0": via040(u020("0.4.0"), u040("1.1.0")),
    "1.0.0": via040(u020("0.4.0"), u040("1.0.0")),
    "0.4.0": u020("0.4.0"),
    "0.3.1": u020("0.3.1"),
    "0.3.0": u020("0.3.0"),
    "0.2.0": r020("0.2.0"),
    "0.1.0": r020("0.1.0"),
  },
};

/** @throws {IncompatibleVersionError} for an address-less result going to 0.1.0/0.2.0 */
export function convertDoc<F extends SpecVersion, T extends SpecVersion>(doc: DocOf<F>, from: F, to: T): DocOf<T> {
  const row = CONVERSIONS[from] as { [K in SpecVersion]: Converter<F, K> };
  return (row[to] as Converter<F, T>)(doc, to);
}

/** @throws {IncompatibleVersionError} when `to` is 0.1.0/0.2.0 and the result has no address */
export function toWire<T extends SpecVersion>(result: Result, to: T): DocOf<T> {
  return convertDoc(fromModel100(result, "1.1.0"), "1.1.0", to);
}

export function fromWire<F extends SpecVersion>(doc: DocOf<F>, from: F): Result {
  return toModel100(convertDoc(doc, from, "1.1.0"));
}

function nonEmptyDns(dns: Result100["dns"]): Result100["dns"] {
  const d = wireDns(dns);
  return Object.keys(d).length ? d : undefined;
}

/** Model → 1.x document (Go field order and omission rules). */
function fromModel100(r: Result, to: V100): Result100 {
  return compact({
    cniVersion: to,
    interfaces: nonEmpty(
      r.interfaces?.map((i) =>
        compact({
          name: i.name,
          mac: i.mac || undefined,
          mtu: i.mtu || undefined,
          sandbox: i.sandbox || undefined,
          socketPath: i.socketPath || undefined,
          pciID: i.pciID || undefined,
        }),
      ),
    ),
    ips: nonEmpty(r.ips?.map((ip) => compact({ interface: ip.interface, address: ip.address, gateway: ip.gateway || undefined }))),
    routes: nonEmpty(r.routes?.map(wireRoute)),
    dns: nonEmptyDns(r.dns),
  });
}

/** 1.x document → model (a deep copy). */
function toModel100(doc: Result100): Result {
  return compact({
    cniVersion: doc.cniVersion,
    interfaces: doc.interfaces?.map((i) => compact({ ...i })),
    ips: doc.ips?.map((ip) => compact({ ...ip })),
    routes: doc.routes?.map(wireRoute),
    dns: doc.dns && wireDns(doc.dns),
  });
}
