// Netfilter names computed exactly as the reference does, so either implementation can remove
// the other's rules on a live node (docs/REFERENCE.md, "Names shared with the reference").
import { sha512Hex } from "../hash/sha2.ts";
import { goQuote } from "./go-quote.ts";

/** Family `inet`. */
export const NFT_MASQ_TABLE = "cni_plugins_masquerade";
export const NFT_MASQ_TABLE_COMMENT = "Masquerading for plugins from github.com/containernetworking/plugins";
export const NFT_MASQ_CHAIN = "masq_checks";
export const NFT_MASQ_CHAIN_COMMENT = "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet";
export const NFT_MASQ_POSTROUTING = "postrouting";
/** knftables' maximum comment length. */
const NFT_COMMENT_MAX = 128;

/** In family `bridge`. */
export const SPOOF_TABLE = "nat";
export const SPOOF_BASE_CHAIN = "PREROUTING";
export const SPOOF_COMMENT_PREFIX = "macspoofchk-";

/** The interface name is not part of it, as in the reference. */
export function iptablesChainName(network: string, containerId: string): string {
  return `CNI-${sha512Hex(network + containerId).slice(0, 24)}`;
}

export function iptablesComment(network: string, containerId: string): string {
  return `name: ${goQuote(network)} id: ${goQuote(containerId)}`;
}

/** Lets GC recognise a network's chains. */
export function iptablesCommentNetworkPrefix(network: string): string {
  return `name: ${goQuote(network)} id: `;
}

export function nftNetworkHash(network: string): string {
  return sha512Hex(network).slice(0, 16);
}

export function nftInstanceHash(network: string, ifName: string, containerId: string): string {
  return `${nftNetworkHash(network)}-${sha512Hex(`${ifName}:${containerId}`).slice(0, 16)}`;
}

export function nftMasqComment(network: string, ifName: string, containerId: string): string {
  const strip = (s: string) => s.replaceAll('"', "");
  const comment = `${nftInstanceHash(network, ifName, containerId)}, net: ${strip(network)}, if: ${strip(ifName)}, id: ${strip(containerId)}`;
  return comment.length > NFT_COMMENT_MAX ? comment.slice(0, NFT_COMMENT_MAX) : comment;
}

/** The spoof-check reference id `<cid>-<ifname>` naming chains and comments. */
function spoofRefId(containerId: string, ifName: string): string {
  return `${containerId}-${ifName}`;
}

export interface SpoofNames {
  /** Jumped to from PREROUTING. */
  ifaceChain: string;
  macChain: string;
  /** On every rule. */
  comment: string;
}

export function spoofNames(containerId: string, ifName: string): SpoofNames {
  const ref = spoofRefId(containerId, ifName);
  const ifaceChain = `cni-br-iface-${ref}`;
  return { ifaceChain, macChain: `${ifaceChain}-mac`, comment: `${SPOOF_COMMENT_PREFIX}${ref}` };
}
