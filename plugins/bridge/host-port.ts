/**
 * configureHostPort: the host end of the pod's veth as a bridge port: up,
 * no router advertisements, hairpin and isolation flags (always written),
 * then VLANs per the config (reference v1.8 semantics).
 *
 * @module
 */
import { addBridgeVlan, deleteBridgeVlan, listBridgeVlans, setBridgePortFlags } from "../../src/netlink/bridge-port.ts";
import { setLinkUp } from "../../src/netlink/link.ts";
import type { RtnlSocket } from "../../src/netlink/socket.ts";
import { writeSysctl } from "../../src/sysctl.ts";
import { ignoreErrors, kernel } from "./kernel-error.ts";

/** A bridge port's VLAN membership, decided from the config. */
export interface PortVlanPlan {
  /** Remove every existing VLAN entry of the port first (normally VID 1). */
  flushExisting: boolean;
  /** The PVID + untagged VID, if any. */
  native: number | undefined;
  /** Tagged VIDs (never containing `native`). */
  tagged: number[];
}

/**
 * Decide a port's VLANs. Pure.
 *
 * - `vlan` ≠ 0 → PVID + untagged `vlan`;
 * - trunk VIDs → tagged; with `vlan` = 0, VID 1 is the native VLAN;
 * - unless `preserveDefaultVlan`, existing entries are removed first.
 *
 * @example planPortVlans(0, [10, 20], false) // {flushExisting: true, native: 1, tagged: [10, 20]}
 */
export function planPortVlans(vlan: number, trunkVids: readonly number[] | undefined, preserveDefaultVlan: boolean): PortVlanPlan {
  const hasTrunk = !!trunkVids && trunkVids.length > 0;
  if (vlan === 0 && !hasTrunk) return { flushExisting: false, native: undefined, tagged: [] };
  const native = vlan !== 0 ? vlan : 1;
  return {
    flushExisting: !preserveDefaultVlan,
    native,
    tagged: (trunkVids ?? []).filter((v) => v !== native),
  };
}

/**
 * Apply a VLAN plan to a bridge port.
 *
 * @throws {KernelError} naming the port
 */
export function applyPortVlans(sock: RtnlSocket, index: number, name: string, plan: PortVlanPlan): void {
  try {
    if (plan.flushExisting) {
      for (const v of listBridgeVlans(sock, index)) deleteBridgeVlan(sock, index, v.vid);
    }
    if (plan.native !== undefined) addBridgeVlan(sock, index, plan.native, { pvid: true, untagged: true });
    for (const vid of plan.tagged) addBridgeVlan(sock, index, vid, {});
  } catch (err) {
    throw kernel(`failed to setup vlan tag on interface "${name}"`, err);
  }
}

/** Options of {@link configureHostPort}. */
export interface HostPortOptions {
  index: number;
  name: string;
  hairpin: boolean;
  isolated: boolean;
  vlans: PortVlanPlan;
}

/**
 * Bring the host end up and configure it as a bridge port.
 *
 * @throws {KernelError} `failed to set "x" up`, `failed to setup hairpin mode for x: …`, VLAN failures
 */
export function configureHostPort(sock: RtnlSocket, o: HostPortOptions): void {
  try {
    setLinkUp(sock, o.index);
  } catch (err) {
    throw kernel(`failed to set "${o.name}" up`, err);
  }
  ignoreErrors(() => writeSysctl(`net/ipv6/conf/${o.name}/accept_ra`, "0"));
  try {
    setBridgePortFlags(sock, o.index, { hairpin: o.hairpin, isolated: o.isolated });
  } catch (err) {
    throw kernel(`failed to setup hairpin mode for ${o.name}`, err);
  }
  applyPortVlans(sock, o.index, o.name, o.vlans);
}
