/**
 * The reference's masquerade rules encoded exactly as iptables-nft encodes them, so
 * `iptables-save` cannot tell ours from `iptables -A`'s and either side deletes the other's.
 *
 * How iptables-nft encodes the pieces used here (addresses, counter and
 * verdicts: ./nft-expr.ts):
 * - `-s`/`-d` ADDR/PLEN: the address bytes are loaded from the network
 *   header; a prefix on a byte boundary loads only its whole bytes, any
 *   other prefix loads the whole address through a `bitwise` mask; then a
 *   `cmp` (`!=` when negated).
 * - `-m comment`: the xtables `comment` match (revision 0) through nft_compat,
 *   its 256-byte `xt_comment_info`.
 * - a `counter` on every rule, then the target: ACCEPT and jumps are
 *   `immediate` verdicts, MASQUERADE is the xtables target (revision 0).
 *
 * @module
 */
import type { MessageBuilder } from "../netlink/message.ts";
import type { MasqAddress } from "./masq-address.ts";
import { addressMatch, counter, expression, NF_ACCEPT, NFT_JUMP, verdict } from "./nft-expr.ts";
import {
  attrList,
  attrMap,
  attrText,
  be32,
  be64,
  NFT_MSG_DELCHAIN,
  NFT_MSG_DELRULE,
  NFT_MSG_NEWCHAIN,
  NFT_MSG_NEWRULE,
  NFTA_CHAIN_NAME,
  NFTA_CHAIN_TABLE,
  NFTA_EXPR_DATA,
  NFTA_EXPR_NAME,
  NFTA_RULE_CHAIN,
  NFTA_RULE_EXPRESSIONS,
  NFTA_RULE_HANDLE,
  NFTA_RULE_TABLE,
  nftMessage,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_EXCL,
  type NftFamily,
} from "./nft-wire.ts";

const NAT_TABLE = "nat";
/** `xt_comment_info`: the comment, NUL-padded. */
const XT_COMMENT_SIZE = 256;

export function xtFamily(family: 4 | 6): NftFamily {
  return family === 4 ? "ip" : "ip6";
}

/** iptables-nft refuses more than 255 bytes. */
export function xtCommentFits(comment: string): boolean {
  return Buffer.byteLength(comment) < XT_COMMENT_SIZE;
}

function commentMatch(msg: MessageBuilder, comment: string): void {
  const info = Buffer.alloc(XT_COMMENT_SIZE);
  info.write(comment, "utf8");
  expression(msg, "match", (m) => m.str(1 /* NAME */, "comment").bytes(2 /* REV */, be32(0)).bytes(3 /* INFO */, info));
}

/**
 * The MASQUERADE target with the info iptables fills in: for IPv4 a
 * `nf_nat_ipv4_multi_range_compat` with rangesize 1 (host order), for IPv6
 * an all-zero `nf_nat_range`.
 */
function masqueradeTarget(msg: MessageBuilder, family: 4 | 6): void {
  const info = Buffer.alloc(family === 4 ? 24 : 40);
  if (family === 4) info.writeUInt32LE(1, 0);
  expression(msg, "target", (m) => m.str(1 /* NAME */, "MASQUERADE").bytes(2 /* REV */, be32(0)).bytes(3 /* INFO */, info));
}

function appendRule(family: 4 | 6, chain: string, body: (m: MessageBuilder) => void): MessageBuilder {
  const msg = nftMessage(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, xtFamily(family));
  msg.str(NFTA_RULE_TABLE, NAT_TABLE).str(NFTA_RULE_CHAIN, chain).begin(NFTA_RULE_EXPRESSIONS);
  body(msg);
  return msg.end();
}

export interface XtMasqInput {
  chain: string;
  comment: string;
  family: 4 | 6;
  /** Of this family only, none with prefix 0 (iptables would drop that match). */
  addresses: MasqAddress[];
}

/** The same rules in the same order as the iptables-restore path; fails if `chain` exists. */
export function xtMasqSetup(input: XtMasqInput): MessageBuilder[] {
  const { chain, comment, family } = input;
  const messages = [
    nftMessage(NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, xtFamily(family))
      .str(NFTA_CHAIN_TABLE, NAT_TABLE)
      .str(NFTA_CHAIN_NAME, chain),
  ];
  for (const network of new Set(input.addresses.map((a) => a.network))) {
    messages.push(
      appendRule(family, chain, (m) => {
        addressMatch(m, family, "destination", network, false);
        commentMatch(m, comment);
        counter(m);
        verdict(m, NF_ACCEPT);
      }),
    );
  }
  messages.push(
    appendRule(family, chain, (m) => {
      addressMatch(m, family, "destination", family === 4 ? "224.0.0.0/4" : "ff00::/8", true);
      commentMatch(m, comment);
      counter(m);
      masqueradeTarget(m, family);
    }),
  );
  for (const ip of new Set(input.addresses.map((a) => a.ip))) {
    messages.push(
      appendRule(family, "POSTROUTING", (m) => {
        addressMatch(m, family, "source", `${ip}/${family === 4 ? 32 : 128}`, false);
        commentMatch(m, comment);
        counter(m);
        verdict(m, NFT_JUMP, chain);
      }),
    );
  }
  return messages;
}

export function xtMasqTeardown(family: 4 | 6, chain: string, jumpHandles: readonly bigint[]): MessageBuilder[] {
  const nft = xtFamily(family);
  const rule = (chainName: string) => nftMessage(NFT_MSG_DELRULE, 0, nft).str(NFTA_RULE_TABLE, NAT_TABLE).str(NFTA_RULE_CHAIN, chainName);
  return [
    ...jumpHandles.map((handle) => rule("POSTROUTING").bytes(NFTA_RULE_HANDLE, be64(handle))),
    rule(chain), // no handle: all of the chain's rules
    nftMessage(NFT_MSG_DELCHAIN, 0, nft).str(NFTA_CHAIN_TABLE, NAT_TABLE).str(NFTA_CHAIN_NAME, chain),
  ];
}

export interface DumpedRule {
  handle: bigint;
  jumpsTo: string | undefined;
}

/** The payload starts with nfgenmsg. */
export function parseDumpedRule(payload: Buffer): DumpedRule {
  const attrs = attrMap(payload, 4);
  const handle = attrs.get(NFTA_RULE_HANDLE)?.readBigUInt64BE(0) ?? 0n;
  let jumpsTo: string | undefined;
  for (const [, elem] of attrList(attrs.get(NFTA_RULE_EXPRESSIONS) ?? Buffer.alloc(0))) {
    const expr = attrMap(elem);
    if (attrText(expr.get(NFTA_EXPR_NAME)) !== "immediate") continue;
    const data = attrMap(expr.get(NFTA_EXPR_DATA)!).get(2 /* NFTA_IMMEDIATE_DATA */);
    const verdictAttrs = data && attrMap(data).get(2 /* NFTA_DATA_VERDICT */);
    const chain = verdictAttrs && attrText(attrMap(verdictAttrs).get(2 /* NFTA_VERDICT_CHAIN */));
    if (chain !== undefined) jumpsTo = chain;
  }
  return { handle, jumpsTo };
}
