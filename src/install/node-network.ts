/**
 * The node agent's share of Kubernetes' network model on its node: the
 * egress masquerade rules (./egress-plan.ts, ../netfilter/egress.ts), kept
 * equal to what the Nodes say on every reconcile, and the kernel settings
 * the bridge data path needs (./node-sysctls.ts), checked on every
 * reconcile. Each is a readiness condition; a change of either is logged
 * once, not on every resync.
 *
 * @module
 */
import { parseCidr } from "../ip/cidr.ts";
import { applyEgress, chooseEgressBackend, egressInSync, removeEgress, type EgressBackend } from "../netfilter/egress.ts";
import type { EgressRules } from "../netfilter/egress-rules.ts";
import { clusterCidrsFor, clusterCidrsFromNodes, masqueradeMode, planEgressMasq, type EgressFamilyPlan } from "./egress-plan.ts";
import { checkSysctls, type Condition } from "./node-sysctls.ts";
import type { InstallSettings } from "./settings.ts";

export type { Condition } from "./node-sysctls.ts";

/** The readiness conditions this module owns. */
export type NodeNetworkConditions = Record<"masquerade" | "sysctls", Condition>;

type Settings = Pick<InstallSettings, "ipMasq" | "watch" | "clusterCidrs" | "nonMasqCidrs" | "masqBackend">;

/** Exempt CIDRs named in a log line; a cluster whose Nodes' CIDRs do not aggregate may have thousands. */
const LISTED = 8;

/** One line describing the rules of a plan. */
function describe(plans: readonly EgressRules[], backend: EgressBackend): string {
  if (plans.length === 0) return "no egress masquerade rules";
  const list = (cidrs: readonly string[]) =>
    cidrs.length <= LISTED ? cidrs.join(", ") : `${cidrs.slice(0, LISTED).join(", ")} and ${cidrs.length - LISTED} more`;
  return plans.map((p) => `${p.source} → outside ${list(p.exempt)}: masquerade (${backend})`).join("; ");
}

/** The node's egress masquerade and sysctls, for one agent process. */
export class NodeNetwork {
  readonly #settings: Settings;
  readonly #log: (line: string) => void;
  #backend: EgressBackend | undefined;
  /** What was last applied, as JSON, to apply again only on a change or drift. */
  #applied: string | undefined;
  /** The last plans and the Nodes' generation and pod CIDRs they were made from. */
  #planned: { from: string; plans: EgressFamilyPlan[] } | undefined;
  #conditions: NodeNetworkConditions = {
    masquerade: { ok: false, message: "not reconciled yet" },
    sysctls: { ok: false, message: "not checked yet" },
  };

  constructor(settings: Settings, log: (line: string) => void) {
    this.#settings = settings;
    this.#log = log;
  }

  /**
   * Bring the masquerade rules to what the Nodes say and check the sysctls.
   * Never throws: a failure is the condition's message.
   *
   * @param podCidrs this node's pod CIDRs
   * @param nodesPodCidrs every Node's pod CIDRs (this one's included)
   * @param generation the Nodes' generation (NodeInformer.generation): the
   *   plans are made again only when it or `podCidrs` changed (the rules are
   *   still checked every time); undefined to plan every time
   */
  reconcile(podCidrs: readonly string[], nodesPodCidrs: Iterable<readonly string[]>, generation?: number): void {
    const families = [...new Set(podCidrs.map((c) => parseCidr(c)?.family).filter((f) => f !== undefined))].sort();
    this.#set("sysctls", checkSysctls(families));
    const from = generation === undefined ? undefined : `${generation} ${podCidrs.join()}`;
    const plans = from !== undefined && this.#planned?.from === from ? this.#planned.plans : this.#plan(podCidrs, nodesPodCidrs);
    this.#planned = from === undefined ? undefined : { from, plans };
    this.#set("masquerade", this.#reconcileMasquerade(plans));
  }

  /** The current conditions: `{ ok, message }` per name. */
  conditions(): NodeNetworkConditions {
    return { ...this.#conditions };
  }

  #plan(podCidrs: readonly string[], nodesPodCidrs: Iterable<readonly string[]>): EgressFamilyPlan[] {
    const settings = this.#settings;
    return masqueradeMode(settings) === "node"
      ? planEgressMasq({
          podCidrs,
          clusterCidrs: clusterCidrsFor(settings.clusterCidrs, clusterCidrsFromNodes(nodesPodCidrs)),
          nonMasqCidrs: settings.nonMasqCidrs,
        })
      : [];
  }

  #reconcileMasquerade(plans: EgressFamilyPlan[]): Condition {
    const settings = this.#settings;
    try {
      const first = this.#backend === undefined;
      const backend = (this.#backend ??= chooseEgressBackend(settings.masqBackend));
      const wanted = JSON.stringify(plans);
      if (wanted !== this.#applied || !egressInSync(backend, plans)) {
        applyEgress(backend, plans);
        this.#applied = wanted;
      }
      if (first) this.#removeOtherBackend(backend);
      return { ok: true, message: describe(plans, backend) };
    } catch (err) {
      this.#applied = undefined;
      return { ok: false, message: `egress masquerade not in place: ${(err as Error).message}` };
    }
  }

  /** A previous run may have used the other backend: its rules would go on masquerading as they were. */
  #removeOtherBackend(backend: EgressBackend): void {
    try {
      removeEgress([backend === "nftables" ? "iptables" : "nftables"]);
    } catch (err) {
      this.#log(`egress masquerade rules of the other backend not removed: ${(err as Error).message}`);
    }
  }

  #set(name: keyof NodeNetworkConditions, condition: Condition): void {
    const before = this.#conditions[name];
    this.#conditions[name] = condition;
    if (before.ok !== condition.ok || before.message !== condition.message) {
      this.#log(`${name}: ${condition.ok ? "ok" : "NOT READY"}: ${condition.message}`);
    }
  }
}
