/**
 * GC of netfilter state for the bridge plugin (the reference has none,
 * #1013): masquerade rules of both backends and spoof checks of this
 * network's attachments that are not in the runtime's valid list.
 *
 * @module
 */
import { existsSync, readlinkSync } from "node:fs";
import { basename } from "node:path";
import { parseIptablesListing, renderIptablesTeardown } from "./iptables-script.ts";
import { listNat, restoreNat } from "./masq-iptables.ts";
import { deleteMasqRules, readMasqChecks, retryOnVanished } from "./masq-nftables.ts";
import { planIptablesGc, planNftMasqGc, planSpoofGc, type Attachment, type VethState } from "./gc-plan.ts";
import { readBridgeNat, removeSpoofChecks } from "./spoofcheck.ts";
import { tryAll } from "./try-all.ts";

/** Arguments of {@link gcNetfilter}. */
export interface GcNetfilterOptions {
  /** The network name (config `name`). */
  network: string;
  /** The network's bridge: spoof checks of veths still on it are this network's. */
  bridgeName: string;
  /** Attachments that keep their rules (`cni.dev/valid-attachments`). */
  valid: Attachment[];
}

/**
 * Remove masquerade (iptables and nftables) and spoof-check rules of this
 * network's attachments that are not valid. Runs in the node's namespace.
 *
 * @throws {KernelError} when a removal fails (after trying every kind)
 * @example gcNetfilter({ network: "mynet", bridgeName: "cni0", valid: [{ containerId: "c1", ifName: "eth0" }] })
 */
export function gcNetfilter(opts: GcNetfilterOptions): void {
  const what = "failed to garbage collect netfilter rules";
  const iptablesGc = (family: 4 | 6) => () => {
    const run = listNat(family);
    if (!run.ok) return; // unusable iptables holds nothing of ours
    const plan = planIptablesGc(parseIptablesListing(run.stdout), opts.network, opts.valid);
    if (plan.chains.length > 0) restoreNat(what, family, renderIptablesTeardown(plan.chains, plan.jumps));
  };
  tryAll([
    iptablesGc(4),
    iptablesGc(6),
    () =>
      retryOnVanished(() => {
        const listing = readMasqChecks();
        if (listing) deleteMasqRules(planNftMasqGc(listing, opts.network, opts.valid), what);
      }),
    () => {
      const listing = readBridgeNat();
      if (!listing) return;
      const stale = planSpoofGc(listing, opts.valid, (veth) => vethState(veth, opts.bridgeName));
      if (stale.length > 0) removeSpoofChecks(stale, what, listing);
    },
  ]);
}

/** Where the host veth is, from sysfs of the current (node) namespace. */
function vethState(veth: string, bridgeName: string): VethState {
  if (veth.includes("/") || veth === "." || veth === "..") return "elsewhere";
  const dir = `/sys/class/net/${veth}`;
  if (!existsSync(dir)) return "missing";
  try {
    return basename(readlinkSync(`${dir}/master`)) === bridgeName ? "on-bridge" : "elsewhere";
  } catch {
    return "elsewhere";
  }
}
