import { findJumps, restoreQuote, ruleTarget, type IptablesListing, type IptablesRule } from "./iptables-script.ts";
import {
  iptablesChainName,
  iptablesCommentNetworkPrefix,
  nftInstanceHash,
  nftNetworkHash,
  SPOOF_BASE_CHAIN,
  SPOOF_COMMENT_PREFIX,
  spoofNames,
  type SpoofNames,
} from "./names.ts";
import { ruleIifname, ruleJumpTarget, type NftListing, type NftRule } from "./nft-listing.ts";

export interface Attachment {
  containerId: string;
  ifName: string;
}

export interface IptablesGcPlan {
  chains: string[];
  jumps: IptablesRule[];
}

/** `CNI-*` chains with this network's comment that no valid attachment owns. */
export function planIptablesGc(listing: IptablesListing, network: string, valid: Attachment[]): IptablesGcPlan {
  const keep = new Set(valid.map((a) => iptablesChainName(network, a.containerId)));
  // As `iptables -S` prints it: `--comment "name: \"net\" id: ...`.
  const marker = `--comment ${restoreQuote(iptablesCommentNetworkPrefix(network)).slice(0, -1)}`;
  const stale = new Set<string>();
  for (const rule of listing.rules) {
    if (!rule.line.includes(marker)) continue;
    const chain = rule.chain === "POSTROUTING" ? ruleTarget(rule.line) : rule.chain;
    if (chain?.startsWith("CNI-") && !keep.has(chain)) stale.add(chain);
  }
  const chains = [...stale].sort();
  return { chains, jumps: chains.flatMap((c) => findJumps(listing, c)) };
}

/** `masq_checks` rules of this network whose attachment is not valid. */
export function planNftMasqGc(listing: NftListing, network: string, valid: Attachment[]): NftRule[] {
  const netPrefix = `${nftNetworkHash(network)}-`;
  const keep = new Set(valid.map((a) => nftInstanceHash(network, a.ifName, a.containerId)));
  return listing.rules.filter((r) => r.comment?.startsWith(netPrefix) && !keep.has(r.comment.slice(0, netPrefix.length + 16)));
}

export type VethState = "missing" | "on-bridge" | "elsewhere";

/**
 * Stale spoof checks whose host veth is gone or on this network's bridge: the spoof
 * comment names no network, so a live veth on another bridge is left alone.
 */
export function planSpoofGc(listing: NftListing, valid: Attachment[], vethState: (name: string) => VethState): SpoofNames[] {
  const keep = new Set(valid.map((a) => spoofNames(a.containerId, a.ifName).comment));
  const out = new Map<string, SpoofNames>();
  for (const rule of listing.rules) {
    if (rule.chain !== SPOOF_BASE_CHAIN || !rule.comment?.startsWith(SPOOF_COMMENT_PREFIX)) continue;
    if (keep.has(rule.comment)) continue;
    const veth = ruleIifname(rule);
    const target = ruleJumpTarget(rule);
    if (!veth || !target || target !== `cni-br-iface-${rule.comment.slice(SPOOF_COMMENT_PREFIX.length)}`) continue;
    if (vethState(veth) === "elsewhere") continue;
    out.set(rule.comment, { ifaceChain: target, macChain: `${target}-mac`, comment: rule.comment });
  }
  return [...out.values()];
}
