/**
 * The bridge plugin's configuration: zod schema (the single source of the
 * config type) and the derived settings every verb works from. Pure.
 *
 * @module
 */
import type * as z from "zod/mini";
import { zod } from "../../src/config/zod.ts";
// A namespace import: scripts/gen-schemas.ts loads this module to write that file.
import * as acceptPaths from "../../src/config/accept-paths.generated.ts";
import { builtOnFirstUse, schemaParts } from "../../src/config/schema-parts.ts";
import { netConfSchema, parseAccepted } from "../../src/config/net-conf.ts";
import { InvalidConfigError } from "../../src/errors.ts";
import { loadCniArgs } from "../../src/skel/cni-args.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import type { Dns } from "../../src/types/result.ts";
import { collectVlanTrunk } from "./vlan-trunk.ts";
import { canonicalizeKeys } from "./config-keys.ts";

/** The bridge plugin's network configuration. */
export const bridgeConfSchema = builtOnFirstUse(() => {
  const z = zod();
  const { goBool, nullishInteger, nullishText, nullishTextList } = schemaParts();
  const vlanTrunkEntrySchema = z.nullable(z.object({ id: nullishInteger, minID: nullishInteger, maxID: nullishInteger }));
  const macHolderSchema = z.looseObject({ mac: nullishText });
  return z.extend(netConfSchema(), {
    bridge: nullishText,
    isGateway: goBool,
    isDefaultGateway: goBool,
    forceAddress: goBool,
    ipMasq: goBool,
    ipMasqBackend: nullishText,
    mtu: nullishInteger,
    hairpinMode: goBool,
    promiscMode: goBool,
    vlan: nullishInteger,
    vlanTrunk: z.nullish(z.array(vlanTrunkEntrySchema)),
    preserveDefaultVlan: goBool,
    enabledad: goBool,
    macspoofchk: goBool,
    disableContainerInterface: goBool,
    portIsolation: goBool,
    ipam: z.nullish(z.looseObject({ type: nullishText })),
    dns: z.nullish(
      z.looseObject({
        nameservers: nullishTextList,
        domain: nullishText,
        search: nullishTextList,
        options: nullishTextList,
      }),
    ),
    args: z.nullish(z.looseObject({ cni: z.nullish(macHolderSchema) })),
    runtimeConfig: z.nullish(macHolderSchema),
  });
});

/** The config as zod parsed it. */
type BridgeConf = z.infer<ReturnType<typeof bridgeConfSchema>>;

/** Everything a verb needs, defaults applied and rules checked. */
export interface BridgeSettings {
  /** Network name (chain names, comments). */
  name: string;
  cniVersion: string | undefined;
  /** Bridge to create or reuse (`cni0`). */
  bridgeName: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  /** `iptables`, `nftables`, or undefined = let netfilter pick. */
  ipMasqBackend: "iptables" | "nftables" | undefined;
  /** 0 = kernel default. */
  mtu: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  /** 0 = no VLAN. */
  vlan: number;
  /** Sorted trunk VIDs; undefined when `vlanTrunk` is absent/null. */
  trunkVids: number[] | undefined;
  /** Whether the bridge needs `vlan_filtering`. */
  vlanFiltering: boolean;
  preserveDefaultVlan: boolean;
  enableDad: boolean;
  macspoofchk: boolean;
  disableContainerInterface: boolean;
  portIsolation: boolean;
  /** `ipam.type`; "" means L2 mode. */
  ipamType: string;
  /** The container MAC as configured (highest-precedence source), before validation. */
  macInput: string | undefined;
  /** {@link macInput} in lower-case colon form; undefined when absent or invalid. */
  mac: string | undefined;
  /** The top-level `dns`, only when it carries something (it then replaces IPAM's). */
  dns: Dns | undefined;
}

/** The bridge when the config names none. */
const DEFAULT_BRIDGE = "cni0";
/** The smallest MTU the kernel gives an Ethernet device (veth, bridge). */
const MIN_MTU = 68;
/** The largest MTU of a veth or bridge. */
const MAX_MTU = 65535;

/**
 * Normalise a MAC address to lower-case colon form.
 *
 * @returns the normalised MAC, or undefined when not a 6-byte MAC
 * @example normalizeMac("AA-BB-CC-DD-EE-FF") // "aa:bb:cc:dd:ee:ff"
 */
export function normalizeMac(text: string): string | undefined {
  const m = /^([0-9a-fA-F]{2})([:-])([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})$/.exec(text);
  if (!m) return undefined;
  return [m[1], m[3], m[4], m[5], m[6], m[7]].join(":").toLowerCase();
}

/**
 * Parse and validate a bridge config.
 *
 * @param raw the parsed stdin object
 * @param cniArgsMac the `MAC=` value from CNI_ARGS, if any (lowest precedence)
 * @returns the derived settings
 * @throws {InvalidConfigError} on a wrong type, a VLAN/trunk or backend error
 *   (ADD-only rules are in {@link checkAddRules})
 */
export function parseBridgeConf(raw: unknown, cniArgsMac?: string): BridgeSettings {
  // Keys match case-insensitively, as Go's encoding/json matches them.
  const c = parseAccepted(acceptPaths.acceptBridgeConf, bridgeConfSchema, canonicalizeKeys(raw, acceptPaths.BRIDGE_CONF_KEYS));

  const vlan = c.vlan ?? 0;
  if (vlan < 0 || vlan > 4094) throw new InvalidConfigError(`invalid VLAN ID ${vlan} (must be between 0 and 4094)`);
  const trunkVids = collectVlanTrunk(c.vlanTrunk);

  const backend = c.ipMasqBackend ?? undefined;
  if (backend !== undefined && backend !== "iptables" && backend !== "nftables") {
    throw new InvalidConfigError(`unknown ipmasq backend "${backend}"`);
  }
  // 0 (and null) mean "the kernel's default", as in the reference, whose Go
  // struct cannot tell 0 from absent: configs marshalled by Go tools carry it.
  const mtu = c.mtu ?? 0;
  if (mtu !== 0 && (mtu < MIN_MTU || mtu > MAX_MTU)) {
    throw new InvalidConfigError(`invalid MTU ${mtu}: mtu must be between ${MIN_MTU} and ${MAX_MTU} (or 0/absent for the kernel's default)`);
  }

  const ipamType = c.ipam?.type ?? "";
  const macText = c.runtimeConfig?.mac || c.args?.cni?.mac || cniArgsMac || undefined;
  const mac = macText ? normalizeMac(macText) : undefined;

  // Only an absent/null key means the default bridge: an empty name is a
  // mistake the reference refuses too (and silently using cni0 would join
  // this network to another one's bridge).
  const bridgeName = c.bridge ?? DEFAULT_BRIDGE;
  if (
    bridgeName === "" ||
    Buffer.byteLength(bridgeName) > 15 ||
    bridgeName === "." ||
    bridgeName === ".." ||
    /[/:\s\0]/u.test(bridgeName)
  ) {
    throw new InvalidConfigError(
      `invalid bridge name ${JSON.stringify(bridgeName)}: bridge must be 1-15 bytes, not . or .., no /, :, NUL or whitespace (omit it for ${DEFAULT_BRIDGE})`,
    );
  }

  const dns = pickDns(c.dns);
  return {
    name: c.name,
    cniVersion: c.cniVersion,
    bridgeName,
    isGateway: c.isGateway || c.isDefaultGateway,
    isDefaultGateway: c.isDefaultGateway,
    forceAddress: c.forceAddress,
    ipMasq: c.ipMasq,
    ipMasqBackend: backend,
    mtu,
    hairpinMode: c.hairpinMode,
    promiscMode: c.promiscMode,
    vlan,
    trunkVids,
    vlanFiltering: vlan !== 0 || trunkVids !== undefined,
    preserveDefaultVlan: c.preserveDefaultVlan,
    enableDad: c.enabledad,
    macspoofchk: c.macspoofchk,
    disableContainerInterface: c.disableContainerInterface,
    portIsolation: c.portIsolation,
    ipamType,
    macInput: macText,
    mac,
    dns,
  };
}

/**
 * The rules only ADD enforces (as the reference, whose DEL accepts such a
 * config so a runtime can always clean up after a failed ADD).
 *
 * @throws {InvalidConfigError} `cannot use IPAM when DisableContainerInterface flag is set`,
 *   `cannot set hairpin mode and promiscuous mode at the same time`, `address x: invalid MAC address`
 */
export function checkAddRules(s: BridgeSettings): void {
  if (s.ipamType && s.disableContainerInterface) {
    throw new InvalidConfigError("cannot use IPAM when DisableContainerInterface flag is set");
  }
  if (s.hairpinMode && s.promiscMode) {
    throw new InvalidConfigError("cannot set hairpin mode and promiscuous mode at the same time");
  }
  if (s.macInput && !s.mac) throw new InvalidConfigError(`address ${s.macInput}: invalid MAC address`);
}

function pickDns(d: BridgeConf["dns"]): Dns | undefined {
  if (!d) return undefined;
  const dns: Dns = {};
  if (d.nameservers?.length) dns.nameservers = [...d.nameservers];
  if (d.domain) dns.domain = d.domain;
  if (d.search?.length) dns.search = [...d.search];
  if (d.options?.length) dns.options = [...d.options];
  return Object.keys(dns).length ? dns : undefined;
}

/**
 * The settings of a verb: the config plus the MAC from `CNI_ARGS` (lowest
 * precedence; unknown CNI_ARGS keys fail unless `IgnoreUnknown`, as the reference).
 *
 * @throws {InvalidConfigError} / {InvalidEnvError}
 */
export function loadSettings(args: CmdArgs, raw: RawConf): BridgeSettings {
  return parseBridgeConf(raw, loadCniArgs(args.args, ["MAC"]).MAC);
}
