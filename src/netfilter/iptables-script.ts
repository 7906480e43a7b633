// One `iptables-restore --noflush` transaction per family. Declaring `:CNI-x - [0:0]` creates
// or flushes the chain, so a retried ADD never duplicates and a teardown needs no existence check.
import type { MasqAddress } from "./masq-address.ts";

export interface IptablesRule {
  chain: string;
  /** The whole `-A` line as listed. */
  line: string;
}

export interface IptablesListing {
  /** User-defined chains (`-N`). */
  chains: Set<string>;
  rules: IptablesRule[];
}

/** Parses `iptables -t nat -S [chain]` output. */
export function parseIptablesListing(text: string): IptablesListing {
  const chains = new Set<string>();
  const rules: IptablesRule[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    const m = /^-([AN]) (\S+)/.exec(line);
    if (!m) continue;
    if (m[1] === "N") chains.add(m[2]!);
    else rules.push({ chain: m[2]!, line });
  }
  return { chains, rules };
}

export function ruleTarget(line: string): string | undefined {
  return / -j (\S+)(?: |$)/.exec(line)?.[1];
}

export function findJumps(listing: IptablesListing, chain: string): IptablesRule[] {
  return listing.rules.filter((r) => r.chain === "POSTROUTING" && ruleTarget(r.line) === chain);
}

/** With `"` and `\` escaped, so the stored comment is exactly `text`. */
export function restoreQuote(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function deleteLine(rule: IptablesRule): string {
  return `-D${rule.line.slice(2)}`;
}

export interface IptablesSetupInput {
  chain: string;
  comment: string;
  family: 4 | 6;
  /** Of this family only. */
  addresses: MasqAddress[];
  /** Removed and re-added, so retries never duplicate. */
  existingJumps: IptablesRule[];
}

/** The reference's rules in one transaction. */
export function renderIptablesSetup(input: IptablesSetupInput): string {
  const { chain, family } = input;
  const c = `-m comment --comment ${restoreQuote(input.comment)}`;
  const multicast = family === 4 ? "224.0.0.0/4" : "ff00::/8";
  const hostLen = family === 4 ? 32 : 128;
  const lines = ["*nat", ...input.existingJumps.map(deleteLine), `:${chain} - [0:0]`];
  for (const network of new Set(input.addresses.map((a) => a.network))) {
    lines.push(`-A ${chain} -d ${network} ${c} -j ACCEPT`);
  }
  lines.push(`-A ${chain} ! -d ${multicast} ${c} -j MASQUERADE`);
  for (const ip of new Set(input.addresses.map((a) => a.ip))) {
    lines.push(`-A POSTROUTING -s ${ip}/${hostLen} ${c} -j ${chain}`);
  }
  lines.push("COMMIT", "");
  return lines.join("\n");
}

/** Each chain is declared before `-X`, so a missing chain is not an error. */
export function renderIptablesTeardown(chains: string[], jumps: IptablesRule[]): string {
  const lines = ["*nat", ...jumps.map(deleteLine)];
  for (const chain of chains) lines.push(`:${chain} - [0:0]`, `-X ${chain}`);
  lines.push("COMMIT", "");
  return lines.join("\n");
}
