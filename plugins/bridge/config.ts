/** The bridge config: its zod schema (the single source of the type) and the settings every verb works from. */
import * as z from "zod/mini";
import { builtOnFirstUse, schemaParts } from "../../src/config/schema-parts.ts";
import { netConfSchema, parseValidated } from "../../src/config/net-conf.ts";
import { IncompatibleVersionError, InvalidConfigError } from "../../src/errors.ts";
import { loadCniArgs } from "../../src/skel/cni-args.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import type { Dns } from "../../src/types/result.ts";
import { collectVlanTrunk } from "./vlan-trunk.ts";
import { canonicalizeKeys } from "./config-keys.ts";
import { BRIDGE_CONF_KEYS, validateBridgeConf } from "./config.generated.ts";

export const bridgeConfSchema = builtOnFirstUse(() => {
  const { nullishBool, nullishInteger, nullishText, nullishTextList } = schemaParts();
  const vlanTrunkEntrySchema = z.nullable(z.object({ id: nullishInteger, minID: nullishInteger, maxID: nullishInteger }));
  const macHolderSchema = z.looseObject({ mac: nullishText });
  return z.extend(netConfSchema(), {
    bridge: nullishText,
    isGateway: nullishBool,
    isDefaultGateway: nullishBool,
    forceAddress: nullishBool,
    ipMasq: nullishBool,
    ipMasqBackend: nullishText,
    mtu: nullishInteger,
    hairpinMode: nullishBool,
    promiscMode: nullishBool,
    vlan: nullishInteger,
    vlanTrunk: z.nullish(z.array(vlanTrunkEntrySchema)),
    preserveDefaultVlan: nullishBool,
    enabledad: nullishBool,
    macspoofchk: nullishBool,
    disableContainerInterface: nullishBool,
    portIsolation: nullishBool,
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

/** As parsed: Go-style booleans may still be absent or null. */
type BridgeConf = z.infer<ReturnType<typeof bridgeConfSchema>>;

/** Everything a verb needs, defaults applied and rules checked. */
export interface BridgeSettings {
  name: string;
  cniVersion: string | undefined;
  bridgeName: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  /** undefined = let netfilter pick. */
  ipMasqBackend: "iptables" | "nftables" | undefined;
  /** 0 = kernel default. */
  mtu: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  /** 0 = no VLAN. */
  vlan: number;
  /** Sorted trunk VIDs; undefined when `vlanTrunk` is absent/null. */
  trunkVids: number[] | undefined;
  vlanFiltering: boolean;
  preserveDefaultVlan: boolean;
  enableDad: boolean;
  macspoofchk: boolean;
  disableContainerInterface: boolean;
  portIsolation: boolean;
  /** `ipam.type`; "" means L2 mode. */
  ipamType: string;
  /** The container MAC from the highest-precedence source, before validation. */
  macInput: string | undefined;
  /** {@link macInput} normalised; undefined when absent or invalid. */
  mac: string | undefined;
  /** The top-level `dns`, only when it carries something (it then replaces IPAM's). */
  dns: Dns | undefined;
}

const DEFAULT_BRIDGE = "cni0";
/** The smallest MTU the kernel gives an Ethernet device (veth, bridge). */
const MIN_MTU = 68;
const MAX_MTU = 65535;

/** Lower-case colon form, or undefined when not a 6-byte MAC. */
export function normalizeMac(text: string): string | undefined {
  const m = /^([0-9a-fA-F]{2})([:-])([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})$/.exec(text);
  if (!m) return undefined;
  return [m[1], m[3], m[4], m[5], m[6], m[7]].join(":").toLowerCase();
}

/**
 * @param cniArgsMac the `MAC=` value from CNI_ARGS (lowest precedence)
 * @throws {InvalidConfigError} a wrong type, VLAN, trunk or backend (ADD-only rules: {@link checkAddRules})
 */
export function parseBridgeConf(raw: unknown, cniArgsMac?: string): BridgeSettings {
  // Keys match case-insensitively, as Go's encoding/json matches them.
  const c = parseValidated(validateBridgeConf, bridgeConfSchema, canonicalizeKeys(raw, BRIDGE_CONF_KEYS));

  const vlan = c.vlan ?? 0;
  if (vlan < 0 || vlan > 4094) throw new InvalidConfigError(`invalid VLAN ID ${vlan} (must be between 0 and 4094)`);
  const trunkVids = collectVlanTrunk(c.vlanTrunk);

  const backend = c.ipMasqBackend ?? undefined;
  if (backend !== undefined && backend !== "iptables" && backend !== "nftables") {
    throw new InvalidConfigError(`unknown ipmasq backend "${backend}"`);
  }
  // 0 and null mean the kernel's default, as in the reference, whose Go struct cannot tell 0
  // from absent: configs marshalled by Go tools carry it.
  const mtu = c.mtu ?? 0;
  if (mtu !== 0 && (mtu < MIN_MTU || mtu > MAX_MTU)) {
    throw new InvalidConfigError(`invalid MTU ${mtu}: mtu must be between ${MIN_MTU} and ${MAX_MTU} (or 0/absent for the kernel's default)`);
  }

  const ipamType = c.ipam?.type ?? "";
  const macText = c.runtimeConfig?.mac || c.args?.cni?.mac || cniArgsMac || undefined;
  const mac = macText ? normalizeMac(macText) : undefined;

  // Only absent/null means cni0: the reference refuses an empty name too, and defaulting it
  // would join this network to another one's bridge.
  const bridgeName = c.bridge ?? DEFAULT_BRIDGE;
  if (bridgeName === "" || Buffer.byteLength(bridgeName) > 15 || bridgeName === "." || bridgeName === ".." || /[/:\s\0]/u.test(bridgeName)) {
    throw new InvalidConfigError(
      `invalid bridge name ${JSON.stringify(bridgeName)}: bridge must be 1-15 bytes, not . or .., no /, :, NUL or whitespace (omit it for ${DEFAULT_BRIDGE})`,
    );
  }

  const dns = pickDns(c.dns);
  // Go-style booleans: absent or null is false.
  return {
    name: c.name,
    cniVersion: c.cniVersion,
    bridgeName,
    isGateway: c.isGateway === true || c.isDefaultGateway === true,
    isDefaultGateway: c.isDefaultGateway === true,
    forceAddress: c.forceAddress === true,
    ipMasq: c.ipMasq === true,
    ipMasqBackend: backend,
    mtu,
    hairpinMode: c.hairpinMode === true,
    promiscMode: c.promiscMode === true,
    vlan,
    trunkVids,
    vlanFiltering: vlan !== 0 || trunkVids !== undefined,
    preserveDefaultVlan: c.preserveDefaultVlan === true,
    enableDad: c.enabledad === true,
    macspoofchk: c.macspoofchk === true,
    disableContainerInterface: c.disableContainerInterface === true,
    portIsolation: c.portIsolation === true,
    ipamType,
    macInput: macText,
    mac,
    dns,
  };
}

/**
 * Rules only ADD enforces: the reference's DEL accepts such a config so a failed ADD can be cleaned up.
 * @throws {InvalidConfigError}
 * @throws {IncompatibleVersionError} no IPAM at 0.1.0/0.2.0, whose results need an address
 */
export function checkAddRules(s: BridgeSettings): void {
  if (s.ipamType && s.disableContainerInterface) {
    throw new InvalidConfigError("cannot use IPAM when DisableContainerInterface flag is set");
  }
  if (s.hairpinMode && s.promiscMode) {
    throw new InvalidConfigError("cannot set hairpin mode and promiscuous mode at the same time");
  }
  if (s.macInput && !s.mac) throw new InvalidConfigError(`address ${s.macInput}: invalid MAC address`);
  // Decided before any effect: an L2 result cannot be printed as 0.1.0/0.2.0,
  // and failing only when printing would leave the attachment behind.
  if (!s.ipamType && (s.cniVersion === undefined || /^0\.[12]\./.test(s.cniVersion))) {
    throw new IncompatibleVersionError("cannot convert: no valid IP addresses");
  }
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
 * The config plus CNI_ARGS' `MAC`; unknown CNI_ARGS keys fail unless `IgnoreUnknown`, as the reference.
 * @throws {InvalidConfigError} / {InvalidEnvError}
 */
export function loadSettings(args: CmdArgs, raw: RawConf): BridgeSettings {
  return parseBridgeConf(raw, loadCniArgs(args.args, ["MAC"]).MAC);
}

/**
 * ADD's settings: {@link loadSettings} and then {@link checkAddRules}.
 *
 * @throws {InvalidConfigError} / {InvalidEnvError} / {IncompatibleVersionError}
 */
export function loadAddSettings(args: CmdArgs, raw: RawConf): BridgeSettings {
  const s = loadSettings(args, raw);
  checkAddRules(s);
  return s;
}

// The rules' parts `cni-ts validate` runs one at a time to report each
// refusal at its key: this module is the bridge's public config API.
export { canonicalizeKeys } from "./config-keys.ts";
export { collectVlanTrunk, type VlanTrunkEntry } from "./vlan-trunk.ts";
