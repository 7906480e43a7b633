/**
 * ensureBridge: create the bridge or reuse an existing one, and bring it to
 * the state the config asks for (MTU and vlan_filtering also on an existing
 * bridge, unlike the reference; promiscuous; up).
 *
 * @module
 */
import { hasErrno, KernelError } from "../../src/errors.ts";
import { ignoreErrors, kernel } from "./kernel-error.ts";
import { createBridge, getLinkByName, setBridgeVlanFiltering, setLinkMtu, setLinkPromisc, setLinkUp, type Link } from "../../src/netlink/link.ts";
import type { RtnlSocket } from "../../src/netlink/socket.ts";
import { writeSysctl } from "../../src/sysctl.ts";
import type { BridgeSettings } from "./config.ts";

/** What the bridge looked like after {@link ensureBridge}. */
export interface EnsuredBridge {
  link: Link;
  /** Whether this call created it. */
  created: boolean;
}

/**
 * Make sure the bridge exists and is configured.
 *
 * @param sock a socket in the host namespace
 * @throws {KernelError} `failed to create bridge "x": …`, `"x" already exists but is not a bridge`,
 *   or a failure to set MTU, VLAN filtering, promiscuous mode or UP
 */
export function ensureBridge(sock: RtnlSocket, s: BridgeSettings): EnsuredBridge {
  const name = s.bridgeName;
  let created = false;
  let link = getLinkByName(sock, name);
  if (!link) {
    try {
      createBridge(sock, { name, mtu: s.mtu || undefined, vlanFiltering: s.vlanFiltering ? true : undefined });
      created = true;
    } catch (err) {
      if (!hasErrno(err, "EEXIST")) throw kernel(`failed to create bridge "${name}"`, err);
    }
    link = getLinkByName(sock, name);
    if (!link) throw new KernelError(`failed to create bridge "${name}": link not found after creation`);
  }
  if (link.kind !== "bridge") throw new KernelError(`"${name}" already exists but is not a bridge`);

  let changed = false;
  if (s.mtu > 0 && link.mtu !== s.mtu) {
    changed = true;
    try {
      setLinkMtu(sock, link.index, s.mtu);
    } catch (err) {
      throw kernel(`failed to set MTU ${s.mtu} on bridge "${name}"`, err);
    }
  }
  if (s.vlanFiltering && !link.vlanFiltering) {
    changed = true;
    try {
      setBridgeVlanFiltering(sock, link.index, true);
    } catch (err) {
      throw kernel(`failed to enable vlan_filtering on bridge "${name}"`, err);
    }
  }
  if (s.promiscMode && !link.promisc) {
    changed = true;
    try {
      setLinkPromisc(sock, link.index, true);
    } catch (err) {
      throw kernel(`could not set promiscuous mode on "${name}"`, err);
    }
  }
  ignoreErrors(() => writeSysctl(`net/ipv6/conf/${name}/accept_ra`, "0"));
  // Already up and unchanged (every ADD after the first): no SETLINK, no second lookup.
  if (link.up && !changed) return { link, created };
  try {
    setLinkUp(sock, link.index);
  } catch (err) {
    throw kernel(`failed to set bridge "${name}" up`, err);
  }
  return { link: getLinkByName(sock, name) ?? link, created };
}
