// Netfilter GC for the bridge plugin (the reference has none, #1013).
import { existsSync, readlinkSync } from "node:fs";
import { basename } from "node:path";
import { parseIptablesListing, renderIptablesTeardown } from "./iptables-script.ts";
import { listNat, restoreNat } from "./masq-iptables.ts";
import { deleteMasqRules, readMasqChecks, retryOnVanished } from "./masq-nftables.ts";
import { planIptablesGc, planNftMasqGc, planSpoofGc, type Attachment, type VethState } from "./gc-plan.ts";
import { readBridgeNat, removeSpoofChecks } from "./spoofcheck.ts";
import { tryAll } from "./try-all.ts";

export interface GcNetfilterOptions {
  network: string;
  /** Spoof checks of veths still on it are this network's. */
  bridgeName: string;
  /** `cni.dev/valid-attachments` */
  valid: Attachment[];
}

/**
 * Masquerade (both backends) and spoof-check rules of attachments not valid; node namespace.
 * @throws {KernelError} when a removal fails (after trying every kind)
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

/** From sysfs of the current (node) namespace. */
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
