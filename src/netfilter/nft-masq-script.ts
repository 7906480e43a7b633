/**
 * Pure rendering of the `nft -f -` scripts of the nftables masquerade
 * backend (table `inet cni_plugins_masquerade`), written like the
 * reference's knftables transactions so the result is the same ruleset.
 *
 * @module
 */
import { goQuote } from "./go-quote.ts";
import type { MasqAddress } from "./masq-address.ts";
import {
  NFT_MASQ_CHAIN,
  NFT_MASQ_CHAIN_COMMENT,
  NFT_MASQ_POSTROUTING,
  NFT_MASQ_TABLE,
  NFT_MASQ_TABLE_COMMENT,
} from "./names.ts";

const T = `inet ${NFT_MASQ_TABLE}`;

/** Inputs of {@link renderNftMasqSetup}. */
export interface NftMasqSetupInput {
  comment: string;
  /** All addresses of the attachment, both families: one transaction (reference bug #1118). */
  addresses: MasqAddress[];
  /** Handles of older rules of the same instance in `masq_checks`, deleted in the same transaction. */
  staleHandles: number[];
}

/**
 * The script that ensures the table and chains, rewrites `postrouting`,
 * replaces the instance's rules and adds one masquerade rule per address.
 */
export function renderNftMasqSetup(input: NftMasqSetupInput): string {
  const lines = [
    `add table ${T} { comment ${goQuote(NFT_MASQ_TABLE_COMMENT)} ; }`,
    `add chain ${T} ${NFT_MASQ_CHAIN} { comment ${goQuote(NFT_MASQ_CHAIN_COMMENT)} ; }`,
    `add chain ${T} ${NFT_MASQ_POSTROUTING} { type nat hook postrouting priority srcnat ; }`,
    `flush chain ${T} ${NFT_MASQ_POSTROUTING}`,
    `add rule ${T} ${NFT_MASQ_POSTROUTING} ip daddr == 224.0.0.0/4 return`,
    `add rule ${T} ${NFT_MASQ_POSTROUTING} ip6 daddr == ff00::/8 return`,
    `add rule ${T} ${NFT_MASQ_POSTROUTING} goto ${NFT_MASQ_CHAIN}`,
    ...input.staleHandles.map((h) => deleteRuleLine(h)),
  ];
  const seen = new Set<string>();
  for (const a of input.addresses) {
    const key = `${a.ip} ${a.network}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ip = a.family === 4 ? "ip" : "ip6";
    lines.push(
      `add rule ${T} ${NFT_MASQ_CHAIN} ${ip} saddr == ${a.ip} ${ip} daddr != ${a.network} masquerade comment ${goQuote(input.comment)}`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

function deleteRuleLine(handle: number): string {
  return `delete rule ${T} ${NFT_MASQ_CHAIN} handle ${handle}`;
}

/** The script deleting the given rules of `masq_checks`. */
export function renderNftMasqDelete(handles: number[]): string {
  return [...handles.map(deleteRuleLine), ""].join("\n");
}
