/** host-local's config: its zod schema (the single source of the type) and the reference's checks, in its order. */
import * as z from "zod/mini";
import { parseValidated } from "../../src/config/net-conf.ts";
import { builtOnFirstUse, formattedText, nullishIntegerIn, schemaParts } from "../../src/config/schema-parts.ts";
import { InvalidConfigError } from "../../src/errors.ts";
import { parseAddress, parseCidr } from "../../src/ip/cidr.ts";
import { formatIp } from "../../src/ip/ip-bytes.ts";
import type { IpBytes } from "../../src/ip/ip-bytes.ts";
import { loadCniArgs } from "../../src/skel/cni-args.ts";
import type { RawConf } from "../../src/skel/types.ts";
import type { Route } from "../../src/types/result.ts";
import { canonicalizeRangeSet, rangeSetFamily, rangeSetsOverlap } from "./range-set.ts";
import type { LabelledRange, RangeSet } from "./range-set.ts";
import type { RangeInput } from "./range.ts";
import { validateHostLocalConf } from "./config.generated.ts";

/** The reference's default store location. */
export const DEFAULT_DATA_DIR = "/var/lib/cni/networks";

const U32_MAX = 2 ** 32 - 1;

export const hostLocalIpamSchema = builtOnFirstUse(() => {
  const { nullishText } = schemaParts();
  const nullishU16 = nullishIntegerIn(0, 65535);
  const routeSchema = z.looseObject({
    dst: formattedText("cidr", "invalid CIDR address"),
    gw: z.nullish(formattedText("ip-address", "invalid IP address")),
    // 0 = unset (the route takes the device's), as the reference.
    mtu: nullishU16,
    advmss: nullishU16,
    priority: nullishIntegerIn(0, U32_MAX),
    // 0 would quietly mean the main table: omit the key for that.
    table: nullishIntegerIn(1, U32_MAX),
    scope: nullishIntegerIn(0, 255),
  });
  return z.looseObject({
    type: nullishText,
    ranges: rangeSetsSchema(),
    subnet: nullishText,
    rangeStart: nullishText,
    rangeEnd: nullishText,
    gateway: nullishText,
    routes: z.nullish(z.array(routeSchema)),
    dataDir: nullishText,
    resolvConf: nullishText,
    /** cni-ts: release allocations made before the current boot (default true). */
    reclaimAfterReboot: z.nullish(z.boolean()),
  });
});

const rangeSetsSchema = builtOnFirstUse(() => {
  const { nullishText, text } = schemaParts();
  const range = z.looseObject({ subnet: text, rangeStart: nullishText, rangeEnd: nullishText, gateway: nullishText });
  return z.nullish(z.array(z.array(range)));
});

export const hostLocalConfSchema = builtOnFirstUse(() => {
  const { nullishText, nullishTextList, text } = schemaParts();
  const attachmentList = z.optional(z.nullable(z.array(z.looseObject({ containerID: text, ifname: text }))));
  return z.looseObject({
    name: text,
    cniVersion: nullishText,
    ipam: z.nullish(hostLocalIpamSchema()),
    runtimeConfig: z.nullish(z.looseObject({ ipRanges: rangeSetsSchema(), ips: nullishTextList })),
    args: z.nullish(z.looseObject({ cni: z.nullish(z.looseObject({ ips: nullishTextList })) })),
    prevResult: z.optional(z.unknown()),
    "cni.dev/valid-attachments": attachmentList,
    "cni.dev/attachments": attachmentList,
  });
});

type HostLocalConf = z.infer<ReturnType<typeof hostLocalConfSchema>>;
type RangeConf = NonNullable<NonNullable<HostLocalConf["ipam"]>["ranges"]>[number][number];
type RouteConf = NonNullable<NonNullable<HostLocalConf["ipam"]>["routes"]>[number];

interface AttachmentKey {
  containerId: string;
  ifName: string;
}

export interface HostLocalConfig {
  name: string;
  cniVersion: string;
  /** In allocation order (index = `rangeId`). */
  rangeSets: RangeSet[];
  /** Deduplicated, in the order IP=, args.cni.ips, runtimeConfig.ips. */
  requested: IpBytes[];
  routes: Route[];
  dataDir: string;
  resolvConf: string | undefined;
  reclaimAfterReboot: boolean;
  prevResult: unknown;
  /** undefined when a GC request carries no list, [] for `null`. */
  validAttachments: AttachmentKey[] | undefined;
}

/** zod's first issue only, naming the path and the value. */
function zodToConfigError(error: z.core.$ZodError): InvalidConfigError {
  const issue = error.issues[0]!;
  const path = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
  const input = (issue as { input?: unknown }).input;
  const got = input === undefined ? "" : ` (got ${JSON.stringify(input)?.slice(0, 80)})`;
  return new InvalidConfigError(`invalid network config: ${path || "(root)"}: ${issue.message}${got}`);
}

function parseRequested(text: string, key: string): IpBytes {
  const ip = text.includes("/") ? parseCidr(text)?.ip : parseAddress(text);
  if (!ip) throw new InvalidConfigError(`cannot understand ip: ${text} (${key})`);
  return ip;
}

function labelled(ranges: RangeConf[], key: string): LabelledRange[] {
  return ranges.map((r, j) => ({
    input: {
      subnet: r.subnet,
      rangeStart: r.rangeStart ?? undefined,
      rangeEnd: r.rangeEnd ?? undefined,
      gateway: r.gateway ?? undefined,
    } satisfies RangeInput,
    key: `${key}[${j}]`,
  }));
}

function toRoute(r: RouteConf): Route {
  const route: Route = { dst: r.dst };
  if (r.gw != null) route.gw = r.gw;
  for (const k of ["mtu", "advmss", "priority", "table", "scope"] as const) if (r[k] != null) route[k] = r[k];
  return route;
}

/**
 * As the reference: CNI_ARGS, requested addresses, the legacy range and `ipRanges` prepended,
 * per-set checks, the old versions' one-address-per-family limit, overlaps between sets.
 * @param cniArgs raw `CNI_ARGS` (`IP=` requests an address)
 * @throws {InvalidConfigError} naming the key and the value
 * @throws {InvalidEnvError} malformed `CNI_ARGS`
 */
export function loadHostLocalConfig(conf: RawConf, cniArgs: string): HostLocalConfig {
  // zod runs only to word a refusal.
  const doc = parseValidated(validateHostLocalConf, hostLocalConfSchema, conf, zodToConfigError);
  const ipam = doc.ipam;
  if (!ipam) throw new InvalidConfigError("IPAM config missing 'ipam' key");

  const requestedTexts: { text: string; key: string }[] = [];
  const envIp = loadCniArgs(cniArgs, ["IP"]).IP;
  if (envIp !== undefined) requestedTexts.push({ text: envIp, key: "CNI_ARGS IP" });
  doc.args?.cni?.ips?.forEach((text, i) => requestedTexts.push({ text, key: `args.cni.ips[${i}]` }));
  doc.runtimeConfig?.ips?.forEach((text, i) => requestedTexts.push({ text, key: `runtimeConfig.ips[${i}]` }));
  const requested: IpBytes[] = [];
  const seen = new Set<string>();
  for (const { text, key } of requestedTexts) {
    const ip = parseRequested(text, key);
    const canonical = formatIp(ip);
    if (!seen.has(canonical)) requested.push(ip);
    seen.add(canonical);
  }

  const sets: LabelledRange[][] = [];
  doc.runtimeConfig?.ipRanges?.forEach((set, i) => sets.push(labelled(set, `runtimeConfig.ipRanges[${i}]`)));
  if (ipam.subnet != null) {
    sets.push([
      {
        input: {
          subnet: ipam.subnet,
          rangeStart: ipam.rangeStart ?? undefined,
          rangeEnd: ipam.rangeEnd ?? undefined,
          gateway: ipam.gateway ?? undefined,
        },
        key: "ipam",
      },
    ]);
  }
  ipam.ranges?.forEach((set, i) => sets.push(labelled(set, `ipam.ranges[${i}]`)));
  if (sets.length === 0) throw new InvalidConfigError("no IP ranges specified");

  const rangeSets = sets.map((set, i) => canonicalizeRangeSet(set, i));
  const cniVersion = doc.cniVersion ?? "0.1.0";
  const perFamily = { 4: 0, 6: 0 };
  for (const set of rangeSets) perFamily[rangeSetFamily(set)]++;
  if ((perFamily[4] > 1 || perFamily[6] > 1) && (doc.cniVersion === "0.1.0" || doc.cniVersion === "0.2.0")) {
    throw new InvalidConfigError(`CNI version ${doc.cniVersion} does not support more than 1 address per family`);
  }
  for (let i = 0; i < rangeSets.length; i++) {
    for (let j = i + 1; j < rangeSets.length; j++) {
      if (rangeSetsOverlap(rangeSets[i]!, rangeSets[j]!)) throw new InvalidConfigError(`range set ${i} overlaps with ${j}`);
    }
  }

  // A relative path would be wherever the runtime's working directory is.
  const dataDir = ipam.dataDir || DEFAULT_DATA_DIR;
  checkAbsolutePath(dataDir, "ipam.dataDir");
  const resolvConf = ipam.resolvConf || undefined;
  if (resolvConf !== undefined) checkAbsolutePath(resolvConf, "ipam.resolvConf");

  return {
    name: doc.name,
    cniVersion,
    rangeSets,
    requested,
    routes: (ipam.routes ?? []).map(toRoute),
    dataDir,
    resolvConf,
    reclaimAfterReboot: ipam.reclaimAfterReboot ?? true,
    prevResult: doc.prevResult,
    validAttachments: validAttachments(doc),
  };
}

/** @throws {InvalidConfigError} unless `path` is absolute and free of NUL bytes */
function checkAbsolutePath(path: string, key: string): void {
  if (!path.startsWith("/") || path.includes("\0")) {
    throw new InvalidConfigError(`${JSON.stringify(path)} is not an absolute path without NUL bytes (${key})`);
  }
}

function validAttachments(doc: HostLocalConf): AttachmentKey[] | undefined {
  const lists = [doc["cni.dev/valid-attachments"], doc["cni.dev/attachments"]].filter((l) => l !== undefined);
  if (lists.length === 0) return undefined;
  return lists.flatMap((list) => (list ?? []).map((a) => ({ containerId: a.containerID, ifName: a.ifname })));
}

// The rules' parts `cni-ts validate` runs one at a time to report every bad
// range, not only the first: this module is host-local's public config API.
export { canonicalizeRange, type RangeInput } from "./range.ts";
export { canonicalizeRangeSet, rangeSetsOverlap, type LabelledRange, type RangeSet } from "./range-set.ts";
