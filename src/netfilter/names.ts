/**
 * Names and comments of the netfilter objects cni-ts creates, computed
 * exactly like the reference plugins so that either implementation can find
 * and remove the other's rules on a live node (docs/REFERENCE.md, "Names
 * shared with the reference").
 *
 * @module
 */
import { sha512Hex } from "../hash/sha2.ts";
import { goQuote } from "./go-quote.ts";

/** The nftables masquerade table (family `inet`). */
export const NFT_MASQ_TABLE = "cni_plugins_masquerade";
/** Comment of {@link NFT_MASQ_TABLE}. */
export const NFT_MASQ_TABLE_COMMENT = "Masquerading for plugins from github.com/containernetworking/plugins";
/** The regular chain holding one masquerade rule per container address. */
export const NFT_MASQ_CHAIN = "masq_checks";
/** Comment of {@link NFT_MASQ_CHAIN}. */
export const NFT_MASQ_CHAIN_COMMENT = "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet";
/** The base chain hooked at postrouting. */
export const NFT_MASQ_POSTROUTING = "postrouting";
/** knftables' maximum comment length. */
const NFT_COMMENT_MAX = 128;

/** The spoof-check table is `bridge nat`. */
export const SPOOF_TABLE = "nat";
/** Its base chain. */
export const SPOOF_BASE_CHAIN = "PREROUTING";
/** Comment prefix of every spoof-check rule. */
export const SPOOF_COMMENT_PREFIX = "macspoofchk-";

/**
 * The iptables masquerade chain of one container on one network: `CNI-` and
 * the first 24 hex digits of sha512(network + containerId). The interface
 * name is not part of it (as in the reference).
 *
 * @example iptablesChainName("mynet", "ctr1") // "CNI-5145007e2a8415ce07579739"
 */
export function iptablesChainName(network: string, containerId: string): string {
  return `CNI-${sha512Hex(network + containerId).slice(0, 24)}`;
}

/**
 * The comment on every iptables masquerade rule: `name: "<net>" id: "<cid>"`
 * with Go `%q` quoting.
 *
 * @example iptablesComment("mynet", "ctr1") // 'name: "mynet" id: "ctr1"'
 */
export function iptablesComment(network: string, containerId: string): string {
  return `name: ${goQuote(network)} id: ${goQuote(containerId)}`;
}

/**
 * The start of {@link iptablesComment} for every container of `network`, used
 * by GC to recognise a network's chains.
 */
export function iptablesCommentNetworkPrefix(network: string): string {
  return `name: ${goQuote(network)} id: `;
}

/** First 16 hex digits of sha512(network): the nft comment's network part. */
export function nftNetworkHash(network: string): string {
  return sha512Hex(network).slice(0, 16);
}

/**
 * The instance prefix of the nft masquerade comments of one attachment:
 * `<h16(net)>-<h16(ifname + ":" + cid)>`.
 */
export function nftInstanceHash(network: string, ifName: string, containerId: string): string {
  return `${nftNetworkHash(network)}-${sha512Hex(`${ifName}:${containerId}`).slice(0, 16)}`;
}

/**
 * The full nft masquerade rule comment:
 * `<instance hash>, net: <net>, if: <ifname>, id: <cid>` with `"` removed,
 * cut to {@link NFT_COMMENT_MAX} characters.
 */
export function nftMasqComment(network: string, ifName: string, containerId: string): string {
  const strip = (s: string) => s.replaceAll('"', "");
  const comment = `${nftInstanceHash(network, ifName, containerId)}, net: ${strip(network)}, if: ${strip(ifName)}, id: ${strip(containerId)}`;
  return comment.length > NFT_COMMENT_MAX ? comment.slice(0, NFT_COMMENT_MAX) : comment;
}

/** The spoof-check reference id `<cid>-<ifname>` naming chains and comments. */
function spoofRefId(containerId: string, ifName: string): string {
  return `${containerId}-${ifName}`;
}

/** Names used by the spoof check of one attachment. */
export interface SpoofNames {
  /** Regular chain jumped to from PREROUTING: `cni-br-iface-<cid>-<ifname>`. */
  ifaceChain: string;
  /** The MAC-check chain: `<ifaceChain>-mac`. */
  macChain: string;
  /** Comment on every rule: `macspoofchk-<cid>-<ifname>`. */
  comment: string;
}

/**
 * Chain names and comment of one attachment's spoof check.
 *
 * @example spoofNames("ctr1", "eth0").macChain // "cni-br-iface-ctr1-eth0-mac"
 */
export function spoofNames(containerId: string, ifName: string): SpoofNames {
  const ref = spoofRefId(containerId, ifName);
  const ifaceChain = `cni-br-iface-${ref}`;
  return { ifaceChain, macChain: `${ifaceChain}-mac`, comment: `${SPOOF_COMMENT_PREFIX}${ref}` };
}
