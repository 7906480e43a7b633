// `nft -f -` scripts written like the reference's knftables transactions: the same ruleset.
import { goQuote } from "./go-quote.ts";
import type { MasqAddress } from "./masq-address.ts";
import { NFT_MASQ_CHAIN, NFT_MASQ_CHAIN_COMMENT, NFT_MASQ_POSTROUTING, NFT_MASQ_TABLE, NFT_MASQ_TABLE_COMMENT } from "./names.ts";

const T = `inet ${NFT_MASQ_TABLE}`;

export interface NftMasqSetupInput {
  comment: string;
  /** Both families in one transaction (reference bug #1118). */
  addresses: MasqAddress[];
  /** Older rules of the same instance, deleted in the same transaction. */
  staleHandles: number[];
}

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
    lines.push(`add rule ${T} ${NFT_MASQ_CHAIN} ${ip} saddr == ${a.ip} ${ip} daddr != ${a.network} masquerade comment ${goQuote(input.comment)}`);
  }
  lines.push("");
  return lines.join("\n");
}

function deleteRuleLine(handle: number): string {
  return `delete rule ${T} ${NFT_MASQ_CHAIN} handle ${handle}`;
}

export function renderNftMasqDelete(handles: number[]): string {
  return [...handles.map(deleteRuleLine), ""].join("\n");
}
