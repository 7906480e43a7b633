/**
 * The iptables masquerade backend: one `iptables-restore --noflush`
 * transaction per family, after one listing of POSTROUTING to find jumps
 * already there (replaced, never duplicated) — the reference needs a dozen
 * execs per address for the same rules. With iptables-nft, nfnetlink tells
 * whether the container's chain exists; when it does not (a first ADD, or a
 * DEL with nothing left), the listing, and for DEL the restore, are skipped.
 *
 * With iptables-nft, the common cases run no tool at all: a first ADD into
 * an existing nat POSTROUTING, and a DEL of an existing chain, are one
 * nfnetlink transaction with the rules encoded exactly as iptables-nft
 * encodes them (./xt-masq-rules.ts). Anything else (legacy iptables, no nat
 * table yet, a retried ADD, a comment iptables would refuse, a transaction
 * the kernel refuses) takes the tool path, which decides as before.
 *
 * @module
 */
import { runTool, runToolOrThrow, toolError, type ToolRun } from "./exec-tool.ts";
import { findJumps, parseIptablesListing, renderIptablesSetup, renderIptablesTeardown, type IptablesRule } from "./iptables-script.ts";
import type { MasqAddress } from "./masq-address.ts";
import { iptablesChainName, iptablesComment } from "./names.ts";
import { commitBatch, dumpRules } from "./nft-batch.ts";
import { iptablesIsNft, nftChainExists } from "./nft-probe.ts";
import { parseDumpedRule, xtCommentFits, xtFamily, xtMasqSetup, xtMasqTeardown } from "./xt-masq-rules.ts";

/** `iptables` or `ip6tables`. */
export function iptablesBin(family: 4 | 6): string {
  return family === 4 ? "iptables" : "ip6tables";
}

/** List the nat table's POSTROUTING chain (or the whole table without `chain`). */
export function listNat(family: 4 | 6, chain?: string): ToolRun {
  return runTool(iptablesBin(family), ["-w", "-t", "nat", "-S", ...(chain ? [chain] : [])]);
}

/** Apply a restore script to the nat table. */
export function restoreNat(what: string, family: 4 | 6, script: string): void {
  runToolOrThrow(what, `${iptablesBin(family)}-restore`, ["--noflush", "-w"], script);
}

/**
 * Install the reference's rules for every address, one transaction per family.
 *
 * @param probe when true, an unusable `iptables` for the first family makes
 *   this return false before anything changed (so the caller may fall back to nftables)
 * @returns true when the rules are installed
 * @throws {KernelError} when a tool fails (and `probe` does not apply)
 */
export function setupIptablesMasq(network: string, containerId: string, addresses: MasqAddress[], probe: boolean): boolean {
  const chain = iptablesChainName(network, containerId);
  const comment = iptablesComment(network, containerId);
  const families = ([4, 6] as const).filter((f) => addresses.some((a) => a.family === f));
  for (const [i, family] of families.entries()) {
    const render = (existingJumps: IptablesRule[]) =>
      renderIptablesSetup({ chain, comment, family, addresses: addresses.filter((a) => a.family === family), existingJumps });
    // A first ADD (iptables-nft, our chain not there yet) has no jump to replace: no listing needed.
    if (iptablesIsNft(iptablesBin(family)) && nftChainExists(xtFamily(family), "nat", chain) === false) {
      const ofFamily = addresses.filter((a) => a.family === family);
      if (setupIptablesMasqOverNetlink(chain, comment, family, ofFamily)) continue;
      try {
        restoreNat("failed to set up IP masquerade", family, render([]));
        continue;
      } catch (err) {
        // Judge usability exactly as before: by the listing.
        const listing = listNat(family, "POSTROUTING");
        if (!listing.ok && probe && i === 0) return false;
        throw err;
      }
    }
    const listing = listNat(family, "POSTROUTING");
    if (!listing.ok) {
      if (probe && i === 0) return false;
      throw toolError("failed to set up IP masquerade", iptablesBin(family), listing);
    }
    restoreNat("failed to set up IP masquerade", family, render(findJumps(parseIptablesListing(listing.stdout), chain)));
  }
  return true;
}

/**
 * Remove the container's chain and every POSTROUTING jump to it, in both
 * families, without needing its addresses. A family whose iptables cannot
 * even list the nat table is skipped (nothing of ours can be there).
 *
 * @throws {KernelError} when a removal transaction fails
 */
export function teardownIptablesMasq(network: string, containerId: string): void {
  const chain = iptablesChainName(network, containerId);
  let failure: unknown;
  for (const family of [4, 6] as const) {
    if (iptablesIsNft(iptablesBin(family))) {
      const exists = nftChainExists(xtFamily(family), "nat", chain);
      // nf_tables iptables without our chain: no chain and no jump to remove (2 execs saved).
      if (exists === false) continue;
      if (exists && teardownIptablesMasqOverNetlink(chain, family)) continue;
    }
    const listing = listNat(family, "POSTROUTING");
    if (!listing.ok) continue;
    const jumps = findJumps(parseIptablesListing(listing.stdout), chain);
    try {
      restoreNat("failed to tear down IP masquerade", family, renderIptablesTeardown([chain], jumps));
    } catch (err) {
      failure ??= err; // still clean the other family
    }
  }
  if (failure) throw failure as Error;
}

/**
 * A first ADD's rules as one nfnetlink transaction, when the nat table's
 * POSTROUTING chain exists (as iptables-nft would have made it) and
 * iptables could store the rules.
 *
 * @returns false when the tool path must do it (nothing was changed)
 */
export function setupIptablesMasqOverNetlink(chain: string, comment: string, family: 4 | 6, addresses: MasqAddress[]): boolean {
  if (!xtCommentFits(comment) || addresses.some((a) => a.prefix === 0)) return false;
  if (nftChainExists(xtFamily(family), "nat", "POSTROUTING") !== true) return false;
  try {
    commitBatch(xtMasqSetup({ chain, comment, family, addresses }));
    return true;
  } catch {
    return false; // e.g. the chain appeared meanwhile: the tool path replaces it
  }
}

/**
 * Remove the POSTROUTING jumps to `chain` and the chain in one nfnetlink
 * transaction.
 *
 * @returns false when the tool path must do it (nothing was changed)
 */
export function teardownIptablesMasqOverNetlink(chain: string, family: 4 | 6): boolean {
  try {
    const jumps = dumpRules(xtFamily(family), "nat", "POSTROUTING", parseDumpedRule).filter((r) => r.jumpsTo === chain);
    commitBatch(xtMasqTeardown(family, chain, jumps.map((r) => r.handle)));
    return true;
  } catch {
    return false;
  }
}
