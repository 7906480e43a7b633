// The iptables masquerade backend: a POSTROUTING listing (to replace existing jumps), then one
// restore per family. With iptables-nft the common ADD and DEL are one nfnetlink transaction
// encoded as iptables-nft does (./xt-masq-rules.ts); anything else takes the tool path.
import { runTool, runToolOrThrow, toolError, type ToolRun } from "./exec-tool.ts";
import { findJumps, parseIptablesListing, renderIptablesSetup, renderIptablesTeardown, type IptablesRule } from "./iptables-script.ts";
import type { MasqAddress } from "./masq-address.ts";
import { iptablesChainName, iptablesComment } from "./names.ts";
import { commitBatch, dumpRules } from "./nft-batch.ts";
import { iptablesIsNft, nftChainExists } from "./nft-probe.ts";
import { parseDumpedRule, xtCommentFits, xtFamily, xtMasqSetup, xtMasqTeardown } from "./xt-masq-rules.ts";

export function iptablesBin(family: 4 | 6): string {
  return family === 4 ? "iptables" : "ip6tables";
}

export function listNat(family: 4 | 6, chain?: string): ToolRun {
  return runTool(iptablesBin(family), ["-w", "-t", "nat", "-S", ...(chain ? [chain] : [])]);
}

export function restoreNat(what: string, family: 4 | 6, script: string): void {
  runToolOrThrow(what, `${iptablesBin(family)}-restore`, ["--noflush", "-w"], script);
}

/**
 * @param probe when true, an unusable `iptables` for the first family returns false before
 *   anything changed, so the caller may fall back to nftables
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
        // Usability is judged by the listing, as on the tool path.
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
 * Needs no addresses. A family whose iptables cannot list the nat table holds nothing of ours.
 * @throws {KernelError} when a removal transaction fails
 */
export function teardownIptablesMasq(network: string, containerId: string): void {
  const chain = iptablesChainName(network, containerId);
  let failure: unknown;
  for (const family of [4, 6] as const) {
    if (iptablesIsNft(iptablesBin(family))) {
      const exists = nftChainExists(xtFamily(family), "nat", chain);
      // nf_tables iptables without our chain: no chain and no jump to remove.
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
 * Only when nat POSTROUTING exists and iptables could store the rules.
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

/** @returns false when the tool path must do it (nothing was changed) */
export function teardownIptablesMasqOverNetlink(chain: string, family: 4 | 6): boolean {
  try {
    const jumps = dumpRules(xtFamily(family), "nat", "POSTROUTING", parseDumpedRule).filter((r) => r.jumpsTo === chain);
    commitBatch(
      xtMasqTeardown(
        family,
        chain,
        jumps.map((r) => r.handle),
      ),
    );
    return true;
  } catch {
    return false;
  }
}
