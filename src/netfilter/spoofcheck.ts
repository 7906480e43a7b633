// `macspoofchk` with the reference's table, chains and comments (docs/REFERENCE.md). Setup is one
// transaction (the reference's two duplicate the jump on a retried ADD); teardown needs no netns.
import { InvalidConfigError } from "../errors.ts";
import { applyNftJson, isNftNotFound, runTool, toolError, type ToolRun } from "./exec-tool.ts";
import { retryOnVanished } from "./masq-nftables.ts";
import { spoofNames, SPOOF_BASE_CHAIN, SPOOF_TABLE, type SpoofNames } from "./names.ts";
import { EMPTY_NFT_LISTING, parseNftListing, type NftListing } from "./nft-listing.ts";
import { nftChainExists } from "./nft-probe.ts";
import { renderSpoofSetup, renderSpoofTeardown, type SpoofRemoval } from "./spoof-script.ts";

/** List table `bridge nat` as JSON. */
function listBridgeNat(): ToolRun {
  return runTool("nft", ["-j", "list", "table", "bridge", SPOOF_TABLE]);
}

/** Empty when the table does not exist, undefined when nft is unusable. */
export function readBridgeNat(run: ToolRun = listBridgeNat()): NftListing | undefined {
  if (run.ok) return parseNftListing(run.stdout);
  return isNftNotFound(run) ? EMPTY_NFT_LISTING : undefined;
}

/** What to delete so that no trace of the attachment named by `names` remains. */
function spoofRemoval(listing: NftListing, names: SpoofNames[]): SpoofRemoval {
  const comments = new Set(names.map((n) => n.comment));
  const baseHandles = listing.rules.filter((r) => r.chain === SPOOF_BASE_CHAIN && r.comment !== undefined && comments.has(r.comment)).map((r) => r.handle);
  const chains = names.flatMap((n) => [n.ifaceChain, n.macChain]).filter((c) => listing.chains.has(c));
  return { baseHandles, chains };
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * Idempotent: a retried ADD replaces the attachment's rules.
 * @throws {InvalidConfigError} when `mac` is not a MAC address
 * @throws {KernelError} when nft fails
 */
export function setupMacSpoofCheck(target: { containerId: string; ifName: string; hostVeth: string; mac: string }): void {
  const mac = target.mac.toLowerCase();
  if (!MAC_RE.test(mac)) throw new InvalidConfigError(`invalid MAC address for spoof check: ${target.mac}`);
  const names = spoofNames(target.containerId, target.ifName);
  // The PREROUTING jump of an earlier try can only exist with its chain: a
  // missing chain (every first ADD, per nfnetlink) needs no `nft list` exec.
  let fresh = nftChainExists("bridge", SPOOF_TABLE, names.ifaceChain) === false;
  retryOnVanished(() => {
    let staleHandles: number[] = [];
    if (!fresh) {
      const run = listBridgeNat();
      const listing = readBridgeNat(run);
      if (!listing) throw toolError("failed to setup spoof-check", "nft", run);
      staleHandles = spoofRemoval(listing, [names]).baseHandles;
    }
    fresh = false;
    const script = renderSpoofSetup({ names, hostVeth: target.hostVeth, mac, staleHandles });
    applyNftJson("failed to setup spoof-check", script);
  });
}

/**
 * Missing table, chains or rules are success; an unusable nft means nothing to remove.
 * @throws {KernelError} when the deletion transaction fails
 */
export function teardownMacSpoofCheck(target: { containerId: string; ifName: string }): void {
  removeSpoofChecks([spoofNames(target.containerId, target.ifName)], "failed to teardown spoof-check");
}

/** One transaction for all of them. */
export function removeSpoofChecks(names: SpoofNames[], what: string, listing?: NftListing): void {
  let given = listing;
  retryOnVanished(() => {
    const current = given ?? readBridgeNat();
    given = undefined;
    if (!current) return;
    const script = renderSpoofTeardown(spoofRemoval(current, names));
    if (script) applyNftJson(what, script);
  });
}
