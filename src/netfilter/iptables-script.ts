/**
 * Pure rendering of `iptables-restore --noflush` scripts for the iptables
 * masquerade backend, and parsing of `iptables -S` listings.
 *
 * Each setup or teardown is one restore transaction per family. Declaring
 * `:CNI-x - [0:0]` under `--noflush` creates the chain or flushes it, so a
 * retried ADD rewrites the chain instead of appending duplicates, and a
 * teardown can delete a chain without knowing whether it exists.
 *
 * @module
 */
import type { MasqAddress } from "./masq-address.ts";

/** One `-A <chain> ...` line of an `iptables -S` listing. */
export interface IptablesRule {
  chain: string;
  /** The whole line as listed, starting with `-A`. */
  line: string;
}

/** What an `iptables -S` listing holds. */
export interface IptablesListing {
  /** User-defined chains (`-N`). */
  chains: Set<string>;
  rules: IptablesRule[];
}

/** Parse `iptables -t nat -S [chain]` output. */
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

/** The target of a rule line (`-j X`), if any. */
export function ruleTarget(line: string): string | undefined {
  return / -j (\S+)(?: |$)/.exec(line)?.[1];
}

/** POSTROUTING rules jumping to `chain`. */
export function findJumps(listing: IptablesListing, chain: string): IptablesRule[] {
  return listing.rules.filter((r) => r.chain === "POSTROUTING" && ruleTarget(r.line) === chain);
}

/**
 * Quote an argument for iptables-restore: double quotes, with `"` and `\`
 * escaped, so the stored comment is exactly `text`.
 */
export function restoreQuote(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The `-D` form of a listed `-A` rule. */
function deleteLine(rule: IptablesRule): string {
  return `-D${rule.line.slice(2)}`;
}

/** Inputs of {@link renderIptablesSetup}. */
export interface IptablesSetupInput {
  chain: string;
  comment: string;
  family: 4 | 6;
  /** Addresses of this family only. */
  addresses: MasqAddress[];
  /** Jumps to `chain` already in POSTROUTING (removed and re-added, so retries never duplicate). */
  existingJumps: IptablesRule[];
}

/**
 * The restore script that makes `chain` hold `-d <net> ACCEPT` per network
 * and one multicast-excluding MASQUERADE, with one POSTROUTING jump per
 * address — the reference's rules, in one transaction.
 */
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

/**
 * The restore script deleting the given POSTROUTING jumps and then each
 * chain (declared first, so a missing chain is not an error).
 */
export function renderIptablesTeardown(chains: string[], jumps: IptablesRule[]): string {
  const lines = ["*nat", ...jumps.map(deleteLine)];
  for (const chain of chains) lines.push(`:${chain} - [0:0]`, `-X ${chain}`);
  lines.push("COMMIT", "");
  return lines.join("\n");
}
