/**
 * Putting the node agent's egress masquerade rules (./egress-rules.ts) into
 * the kernel, checking they are still there, and taking them away.
 * nftables goes over nfnetlink, so the agent's image needs no `nft`;
 * iptables goes through `iptables-restore` and needs the tools.
 *
 * @module
 */
import { KernelError } from "../errors.ts";
import {
  EGRESS_IPTABLES_CHAIN,
  EGRESS_NFT_CHAIN,
  EGRESS_TABLE,
  iptablesEgressScript,
  nftEgressDelete,
  nftEgressReplace,
  nftEgressRuleCount,
  nftFamily,
  type EgressRules,
} from "./egress-rules.ts";
import { findJumps, parseIptablesListing, renderIptablesTeardown, type IptablesRule } from "./iptables-script.ts";
import { iptablesBin, listNat, restoreNat } from "./masq-iptables.ts";
import { commitBatch, dumpRules } from "./nft-batch.ts";
import { nftTableExists } from "./nft-probe.ts";
import { tryAll } from "./try-all.ts";

/** Where the rules go. */
export type EgressBackend = "nftables" | "iptables";
/** The setting: a backend, or `auto` (nftables when the kernel has it). */
export type EgressBackendSetting = EgressBackend | "auto";

const FAMILIES = [4, 6] as const;

/**
 * The backend to use: nftables unless told otherwise or nfnetlink cannot
 * answer (a kernel without nf_tables). Both coexist with kube-proxy in
 * either mode: the kernel runs every nat chain of a hook until one binds.
 */
export function chooseEgressBackend(setting: EgressBackendSetting): EgressBackend {
  if (setting !== "auto") return setting;
  return nftTableExists("ip", EGRESS_TABLE) === undefined ? "iptables" : "nftables";
}

function ofFamily(plans: readonly EgressRules[], family: 4 | 6): EgressRules | undefined {
  return plans.find((p) => p.family === family);
}

/**
 * Make the kernel hold exactly `plans` (a family without a plan has no rules).
 *
 * @throws {KernelError} when the kernel or a tool refuses
 */
export function applyEgress(backend: EgressBackend, plans: readonly EgressRules[]): void {
  for (const family of FAMILIES) {
    const plan = ofFamily(plans, family);
    if (backend === "nftables") {
      if (plan) commitNft(nftEgressReplace(plan), "set up");
      else if (nftTableExists(nftFamily(family), EGRESS_TABLE) !== false) commitNft(nftEgressDelete(family), "remove");
    } else if (plan) {
      const ours = readIptables(family);
      if (ours === undefined) throw new KernelError(`cannot set up the egress masquerade: ${iptablesBin(family)} cannot list the nat table`);
      restoreNat("failed to set up the egress masquerade", family, iptablesEgressScript(plan, ours.jumps));
    } else {
      removeIptables(family);
    }
  }
}

/** Whether the kernel still holds `plans` as {@link applyEgress} left them (someone may have flushed them). */
export function egressInSync(backend: EgressBackend, plans: readonly EgressRules[]): boolean {
  return FAMILIES.every((family) => {
    const plan = ofFamily(plans, family);
    if (backend === "nftables") {
      if (!plan) return nftTableExists(nftFamily(family), EGRESS_TABLE) === false;
      try {
        return dumpRules(nftFamily(family), EGRESS_TABLE, EGRESS_NFT_CHAIN, () => 0).length === nftEgressRuleCount(plan);
      } catch {
        return false;
      }
    }
    const ours = readIptables(family);
    if (ours === undefined) return plan === undefined;
    if (!plan) return ours.jumps.length === 0 && ours.rules === undefined;
    const wanted = iptablesEgressScript(plan, [])
      .split("\n")
      .filter((l) => l.startsWith(`-A ${EGRESS_IPTABLES_CHAIN} `));
    return ours.jumps.length === 1 && ours.rules?.join("\n") === wanted.join("\n");
  });
}

/**
 * Remove our rules from the given backends (uninstall: both; after a switch
 * of backend: the other one), both families. Nothing there is success.
 *
 * @throws {KernelError} when a removal fails (after trying the others)
 */
export function removeEgress(backends: readonly EgressBackend[] = ["nftables", "iptables"]): void {
  const steps: (() => void)[] = [];
  for (const family of FAMILIES) {
    if (backends.includes("nftables")) {
      steps.push(() => {
        if (nftTableExists(nftFamily(family), EGRESS_TABLE) !== false) commitNft(nftEgressDelete(family), "remove");
      });
    }
    if (backends.includes("iptables")) steps.push(() => removeIptables(family));
  }
  tryAll(steps);
}

/**
 * Our jumps in POSTROUTING and our chain's rule lines (undefined: no such
 * chain), listed chain by chain: a node with kube-proxy's iptables mode has a
 * nat table too large to list every resync. Undefined when the tool is
 * missing or cannot list the nat table.
 */
function readIptables(family: 4 | 6): { jumps: IptablesRule[]; rules: string[] | undefined } | undefined {
  const postrouting = listNat(family, "POSTROUTING");
  if (!postrouting.ok) return undefined;
  const chain = listNat(family, EGRESS_IPTABLES_CHAIN);
  return {
    jumps: findJumps(parseIptablesListing(postrouting.stdout), EGRESS_IPTABLES_CHAIN),
    rules: chain.ok ? parseIptablesListing(chain.stdout).rules.map((r) => r.line) : undefined,
  };
}

function removeIptables(family: 4 | 6): void {
  const ours = readIptables(family);
  if (ours === undefined) return; // no iptables here: none of our chains either
  if (ours.jumps.length === 0 && ours.rules === undefined) return;
  restoreNat("failed to remove the egress masquerade", family, renderIptablesTeardown([EGRESS_IPTABLES_CHAIN], ours.jumps));
}

function commitNft(messages: Parameters<typeof commitBatch>[0], what: string): void {
  try {
    commitBatch(messages);
  } catch (err) {
    throw new KernelError(`failed to ${what} the egress masquerade table: ${(err as Error).message}`);
  }
}
