/**
 * The printed shapes of a result, one per spec family, with the key order and
 * omission rules of libcni's Go types (`pkg/types/100`, `040`, `020`), so our
 * output reads like the reference's. Pure.
 *
 * @module
 */
import type { Dns, Interface, IpConfig, Route } from "./result.ts";

/** Versions printed with the 1.x shape. */
export const FAMILY_100 = ["1.0.0", "1.1.0"] as const;
/** Versions printed with the 0.3/0.4 shape (`ips[].version`). */
export const FAMILY_040 = ["0.3.0", "0.3.1", "0.4.0"] as const;
/** Versions printed with the legacy `ip4`/`ip6` shape. */
export const FAMILY_020 = ["0.1.0", "0.2.0"] as const;

/** An interface as printed in 1.x: the model's own shape. */
type Interface100 = Interface;

/** An address as printed in 1.x: the model's own shape. */
type IpConfig100 = IpConfig;

/** A 1.0.0 / 1.1.0 result document. `dns` is omitted when empty. */
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

/** A 0.3.0 / 0.3.1 / 0.4.0 result document. `dns` is always printed. */
export interface Result040 {
  cniVersion: (typeof FAMILY_040)[number];
  interfaces?: Interface040[];
  ips?: IpConfig040[];
  routes?: Route[];
  dns: Dns;
}

/** A legacy route: destination and gateway only. */
export interface Route020 {
  dst: string;
  gw?: string;
}

/** One family's address in a 0.1.0 / 0.2.0 result. */
export interface IpConfig020 {
  ip: string;
  gateway?: string;
  routes?: Route020[];
}

/** A 0.1.0 / 0.2.0 result document. `dns` is always printed. */
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

/**
 * A route in Go's field order: `mtu`, `advmss`, `priority` omitted when 0;
 * `table` and `scope` are pointers in Go, so 0 is printed when set.
 */
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

/**
 * The address family of an address or CIDR, as Go's `IP.To4() != nil` decides
 * it: dotted quads and IPv4-mapped IPv6 (`::ffff:a.b.c.d`) count as IPv4.
 *
 * @example addressFamily("10.0.0.1/24") // "4"
 */
export function addressFamily(addressOrCidr: string): "4" | "6" {
  const ip = addressOrCidr.split("/")[0] ?? "";
  if (!ip.includes(":")) return "4";
  return /^(0{0,4}:){0,5}:?ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? "4" : "6";
}
