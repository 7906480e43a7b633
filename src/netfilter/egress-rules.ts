/**
 * The node agent's egress masquerade rules, rendered for both backends.
 * Pure: nfnetlink messages and iptables-restore scripts are built, not sent.
 *
 * - nftables: a table of our own per family, `ip cni_ts_egress` and
 *   `ip6 cni_ts_egress`, whose `postrouting` chain (nat, srcnat priority)
 *   returns for other sources and for every exempt destination, then
 *   masquerades. Replacing it is one transaction (add, delete, add the
 *   table with its rules), so a restart or a change never leaves a moment
 *   without rules and never duplicates them.
 * - iptables: chain `CNI-TS-EGRESS` in the nat table with the same rules,
 *   reached from one POSTROUTING jump (appended: kube-proxy inserts its own
 *   jumps at the front, so its masquerade of marked packets comes first).
 *
 * @module
 */
import type { MessageBuilder } from "../netlink/message.ts";
import { restoreQuote, type IptablesRule } from "./iptables-script.ts";
import { addressMatch, counter, expression, NF_ACCEPT, NFT_RETURN, verdict } from "./nft-expr.ts";
import {
  be32,
  NFT_MSG_NEWCHAIN,
  NFT_MSG_NEWRULE,
  NFT_MSG_NEWTABLE,
  NFTA_CHAIN_NAME,
  NFTA_CHAIN_TABLE,
  NFTA_RULE_CHAIN,
  NFTA_RULE_EXPRESSIONS,
  NFTA_RULE_TABLE,
  NFTA_TABLE_NAME,
  nftMessage,
  NLM_F_APPEND,
  NLM_F_CREATE,
  type NftFamily,
} from "./nft-wire.ts";

/** One family's rules: from `source` to anything outside every `exempt` CIDR, masquerade. */
export interface EgressRules {
  family: 4 | 6;
  source: string;
  exempt: readonly string[];
}

/** Our nftables table, in the `ip` and the `ip6` family. */
export const EGRESS_TABLE = "cni_ts_egress";
/** Its base chain. */
export const EGRESS_NFT_CHAIN = "postrouting";
/** Our iptables chain in the nat table. */
export const EGRESS_IPTABLES_CHAIN = "CNI-TS-EGRESS";
/** The comment on the POSTROUTING jump, so an admin knows whose it is. */
export const EGRESS_COMMENT = "cni-ts: masquerade pod traffic leaving the pod network";

const NFT_MSG_DELTABLE = 2;
const NFTA_CHAIN_HOOK = 4;
const NFTA_CHAIN_POLICY = 5;
const NFTA_CHAIN_TYPE = 7;
const NF_INET_POST_ROUTING = 4;
/** `srcnat`. */
const NF_IP_PRI_NAT_SRC = 100;

/** The nftables family of an address family. */
export function nftFamily(family: 4 | 6): NftFamily {
  return family === 4 ? "ip" : "ip6";
}

function tableMessage(type: number, family: 4 | 6): MessageBuilder {
  return nftMessage(type, type === NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0, nftFamily(family)).str(NFTA_TABLE_NAME, EGRESS_TABLE);
}

function rule(family: 4 | 6, body: (m: MessageBuilder) => void): MessageBuilder {
  const msg = nftMessage(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, nftFamily(family));
  msg.str(NFTA_RULE_TABLE, EGRESS_TABLE).str(NFTA_RULE_CHAIN, EGRESS_NFT_CHAIN).begin(NFTA_RULE_EXPRESSIONS);
  body(msg);
  return msg.end();
}

/** How many rules {@link nftEgressReplace} puts in the chain (to tell a tampered chain). */
export function nftEgressRuleCount(rules: EgressRules): number {
  return rules.exempt.length + 2;
}

/**
 * The batch body that makes the family's table hold exactly `rules`,
 * whatever was there before (nothing, our older rules, or someone's edits).
 * Exempt CIDRs must not be /0 (the planner drops such a family).
 */
export function nftEgressReplace(rules: EgressRules): MessageBuilder[] {
  const { family } = rules;
  const chain = nftMessage(NFT_MSG_NEWCHAIN, NLM_F_CREATE, nftFamily(family)).str(NFTA_CHAIN_TABLE, EGRESS_TABLE).str(NFTA_CHAIN_NAME, EGRESS_NFT_CHAIN);
  chain.begin(NFTA_CHAIN_HOOK).bytes(1 /* HOOKNUM */, be32(NF_INET_POST_ROUTING)).bytes(2 /* PRIORITY */, be32(NF_IP_PRI_NAT_SRC)).end();
  chain.bytes(NFTA_CHAIN_POLICY, be32(NF_ACCEPT)).str(NFTA_CHAIN_TYPE, "nat");
  return [
    ...nftEgressDelete(family),
    tableMessage(NFT_MSG_NEWTABLE, family),
    chain,
    rule(family, (m) => {
      addressMatch(m, family, "source", rules.source, true);
      verdict(m, NFT_RETURN);
    }),
    ...rules.exempt.map((cidr) =>
      rule(family, (m) => {
        addressMatch(m, family, "destination", cidr, false);
        verdict(m, NFT_RETURN);
      }),
    ),
    rule(family, (m) => {
      counter(m);
      expression(m, "masq", () => {});
    }),
  ];
}

/** The batch body that deletes the family's table, present or not (it is created first). */
export function nftEgressDelete(family: 4 | 6): MessageBuilder[] {
  return [tableMessage(NFT_MSG_NEWTABLE, family), tableMessage(NFT_MSG_DELTABLE, family)];
}

/**
 * The iptables-restore script (one family) that (re)fills our chain with
 * `rules` and adds the POSTROUTING jump unless `existingJumps` has one;
 * extra jumps (someone duplicated it) are removed.
 */
export function iptablesEgressScript(rules: EgressRules, existingJumps: readonly IptablesRule[]): string {
  const c = EGRESS_IPTABLES_CHAIN;
  const lines = ["*nat", `:${c} - [0:0]`, `-A ${c} ! -s ${rules.source} -j RETURN`];
  for (const cidr of rules.exempt) lines.push(`-A ${c} -d ${cidr} -j RETURN`);
  lines.push(`-A ${c} -j MASQUERADE`);
  for (const extra of existingJumps.slice(1)) lines.push(`-D${extra.line.slice(2)}`);
  if (existingJumps.length === 0) lines.push(`-A POSTROUTING -m comment --comment ${restoreQuote(EGRESS_COMMENT)} -j ${c}`);
  lines.push("COMMIT", "");
  return lines.join("\n");
}
