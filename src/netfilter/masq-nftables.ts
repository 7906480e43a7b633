// The nftables masquerade backend: one transaction for every address of both families
// (the reference v1.6.0 lost one family, #1118).
import { KernelError } from "../errors.ts";
import { isNftNotFound, runTool, runToolOrThrow, toolError, type ToolRun } from "./exec-tool.ts";
import type { MasqAddress } from "./masq-address.ts";
import { renderNftMasqDelete, renderNftMasqSetup } from "./nft-masq-script.ts";
import { EMPTY_NFT_LISTING, parseNftListing, type NftListing, type NftRule } from "./nft-listing.ts";
import { NFT_MASQ_CHAIN, NFT_MASQ_TABLE, nftInstanceHash, nftMasqComment } from "./names.ts";

export function listMasqChecks(): ToolRun {
  return runTool("nft", ["-j", "list", "chain", "inet", NFT_MASQ_TABLE, NFT_MASQ_CHAIN]);
}

/** A missing chain still means nftables is usable. */
export function nftUsable(run: ToolRun): boolean {
  return run.ok || isNftNotFound(run);
}

/** The listing, empty when the chain does not exist; undefined when nft is unusable. */
export function readMasqChecks(run: ToolRun = listMasqChecks()): NftListing | undefined {
  if (run.ok) return parseNftListing(run.stdout);
  return isNftNotFound(run) ? EMPTY_NFT_LISTING : undefined;
}

/** Rules of `masq_checks` whose comment starts with `prefix`. */
function rulesWithPrefix(listing: NftListing, prefix: string): NftRule[] {
  return listing.rules.filter((r) => r.chain === NFT_MASQ_CHAIN && r.comment?.startsWith(prefix));
}

/** Retries once when a rule `attempt` saw went away meanwhile (a concurrent DEL or GC). */
export function retryOnVanished(attempt: () => void): void {
  try {
    attempt();
  } catch (err) {
    if (!(err instanceof KernelError) || !/No such file or directory/.test(err.message)) throw err;
    attempt();
  }
}

/**
 * @param first a listing already made by backend detection, used for the first try
 * @throws {KernelError} when nft fails
 */
export function setupNftMasq(network: string, ifName: string, containerId: string, addresses: MasqAddress[], first?: ToolRun): void {
  const prefix = nftInstanceHash(network, ifName, containerId);
  const comment = nftMasqComment(network, ifName, containerId);
  let pending = first;
  retryOnVanished(() => {
    const run = pending ?? listMasqChecks();
    pending = undefined;
    const listing = readMasqChecks(run);
    if (!listing) throw toolError("failed to set up IP masquerade", "nft", run);
    const staleHandles = rulesWithPrefix(listing, prefix).map((r) => r.handle);
    const script = renderNftMasqSetup({ comment, addresses, staleHandles });
    runToolOrThrow("failed to set up IP masquerade", "nft", ["-f", "-"], script);
  });
}

/**
 * A missing table or an unusable nft means there is nothing to delete.
 * @throws {KernelError} when the deletion transaction fails
 */
export function teardownNftMasq(network: string, ifName: string, containerId: string): void {
  const prefix = nftInstanceHash(network, ifName, containerId);
  retryOnVanished(() => {
    const listing = readMasqChecks();
    if (!listing) return;
    deleteMasqRules(rulesWithPrefix(listing, prefix), "failed to tear down IP masquerade");
  });
}

export function deleteMasqRules(rules: NftRule[], what: string): void {
  if (rules.length === 0) return;
  runToolOrThrow(what, "nft", ["-f", "-"], renderNftMasqDelete(rules.map((r) => r.handle)));
}
