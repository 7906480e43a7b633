// `ipMasq` with the reference's rules in both backends (docs/REFERENCE.md, "Masquerade rules").
import { InvalidConfigError, KernelError } from "../errors.ts";
import { parseMasqAddress } from "./masq-address.ts";
import { iptablesBin, setupIptablesMasq, teardownIptablesMasq } from "./masq-iptables.ts";
import { listMasqChecks, nftUsable, setupNftMasq, teardownNftMasq } from "./masq-nftables.ts";
import { NFT_MASQ_TABLE } from "./names.ts";
import { nftTableExists } from "./nft-probe.ts";
import { tryAll } from "./try-all.ts";

export type MasqBackend = "iptables" | "nftables";

export interface MasqTarget {
  network: string;
  containerId: string;
  /** `CNI_IFNAME` */
  ifName: string;
}

/**
 * Idempotent: a retried ADD replaces the attachment's rules instead of duplicating them.
 * @param backend unset means iptables, or nftables when only that is usable (as the reference)
 * @throws {InvalidConfigError} for an unknown backend or a malformed address
 * @throws {KernelError} when iptables/nft fail
 */
export function setupMasquerade(target: MasqTarget, backend: MasqBackend | undefined, addresses: string[]): void {
  if (backend != null && backend !== "iptables" && backend !== "nftables") {
    throw new InvalidConfigError(`unknown ipmasq backend "${String(backend)}"`);
  }
  const parsed = addresses.map(parseMasqAddress);
  if (parsed.length === 0) return;
  const { network, containerId, ifName } = target;
  if (backend === "nftables") {
    setupNftMasq(network, ifName, containerId, parsed);
    return;
  }
  if (setupIptablesMasq(network, containerId, parsed, backend == null)) return;
  // Unset backend and iptables cannot list its nat table: nftables if it works.
  const probe = listMasqChecks();
  if (nftUsable(probe)) {
    setupNftMasq(network, ifName, containerId, parsed, probe);
    return;
  }
  setupIptablesMasq(network, containerId, parsed, false); // throws iptables' own error
  throw new KernelError(`failed to set up IP masquerade: neither ${iptablesBin(parsed[0]!.family)} nor nft is usable`);
}

/**
 * Both backends, without the addresses: DEL with a vanished netns cleans up (unlike the
 * reference, #810). Missing tables, chains or rules are success.
 * @throws {KernelError} when a removal fails (after trying every backend)
 */
export function teardownMasquerade(target: MasqTarget): void {
  tryAll([
    () => teardownIptablesMasq(target.network, target.containerId),
    () => {
      // No masquerade table: no nft rules to remove, and no `nft` exec.
      if (nftTableExists("inet", NFT_MASQ_TABLE) !== false) teardownNftMasq(target.network, target.ifName, target.containerId);
    },
  ]);
}
