// Printed result shapes with the key order and omission rules of libcni's Go types, so our
// output reads like the reference's.
import type { Dns, Interface, IpConfig, Route } from "./result.ts";

export const FAMILY_100 = ["1.0.0", "1.1.0"] as const;
export const FAMILY_040 = ["0.3.0", "0.3.1", "0.4.0"] as const;
export const FAMILY_020 = ["0.1.0", "0.2.0"] as const;

/** An interface as printed in 1.x: the model's own shape. */
type Interface100 = Interface;

/** An address as printed in 1.x: the model's own shape. */
type IpConfig100 = IpConfig;

/** `dns` is omitted when empty. */
export interface Result100 {
  cniVersion: (typeof FAMILY_100)[number];
  interfaces?: Interface100[];
  ips?: IpConfig100[];
  routes?: Route[];
  dns?: Dns;
}

/** An interface as printed in 0.3.x / 0.4.0. */
interface Interface040 {
  name: string;
  mac?: string;
  sandbox?: string;
}

/** An address as printed in 0.3.x / 0.4.0. */
interface IpConfig040 {
  version: "4" | "6";
  interface?: number;
  address: string;
  gateway?: string;
}

/** `dns` is always printed. */
export interface Result040 {
  cniVersion: (typeof FAMILY_040)[number];
  interfaces?: Interface040[];
  ips?: IpConfig040[];
  routes?: Route[];
  dns: Dns;
}

export interface Route020 {
  dst: string;
  gw?: string;
}

export interface IpConfig020 {
  ip: string;
  gateway?: string;
  routes?: Route020[];
}

/** `dns` is always printed. */
export interface Result020 {
  cniVersion: (typeof FAMILY_020)[number];
  ip4?: IpConfig020;
  ip6?: IpConfig020;
  dns: Dns;
}

/** Drop keys whose value is `undefined`, keeping insertion order. */
export function compact<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** `undefined` for an empty list (Go's `omitempty` on slices). */
export function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

/** A DNS block in Go's field order, empty lists and strings omitted. */
export function wireDns(dns: Dns | undefined): Dns {
  return compact({
    nameservers: nonEmpty(dns?.nameservers?.slice()),
    domain: dns?.domain || undefined,
    search: nonEmpty(dns?.search?.slice()),
    options: nonEmpty(dns?.options?.slice()),
  });
}

/** `table` and `scope` are pointers in Go, so 0 is printed when set; the others omit 0. */
export function wireRoute(r: Route): Route {
  return compact({
    dst: r.dst,
    gw: r.gw || undefined,
    mtu: r.mtu || undefined,
    advmss: r.advmss || undefined,
    priority: r.priority || undefined,
    table: r.table,
    scope: r.scope,
  });
}

/** As Go's `IP.To4() != nil` decides: IPv4-mapped IPv6 (`::ffff:a.b.c.d`) counts as IPv4. */
export function addressFamily(addressOrCidr: string): "4" | "6" {
  const ip = addressOrCidr.split("/")[0] ?? "";
  if (!ip.includes(":")) return "4";
  return /^(0{0,4}:){0,5}:?ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? "4" : "6";
}
