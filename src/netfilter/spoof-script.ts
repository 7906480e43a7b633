/**
 * Pure rendering of the JSON transactions (`nft -j -f -`) of the MAC
 * spoof check, table `bridge nat`. JSON, like the reference's go-nft, so
 * chain names may hold any character a container id can.
 *
 * @module
 */
import { SPOOF_BASE_CHAIN, SPOOF_TABLE, type SpoofNames } from "./names.ts";

const FAMILY = "bridge";

function chainRef(name: string) {
  return { family: FAMILY, table: SPOOF_TABLE, name };
}

function rule(chain: string, comment: string, expr: unknown[]) {
  return { add: { rule: { family: FAMILY, table: SPOOF_TABLE, chain, expr, comment } } };
}

function deleteRule(chain: string, handle: number) {
  return { delete: { rule: { family: FAMILY, table: SPOOF_TABLE, chain, handle } } };
}

/** Inputs of {@link renderSpoofSetup}. */
export interface SpoofSetupInput {
  names: SpoofNames;
  hostVeth: string;
  /** Lower-case MAC, `aa:bb:cc:dd:ee:ff`. */
  mac: string;
  /** Handles of PREROUTING rules already carrying this attachment's comment (replaced). */
  staleHandles: number[];
}

/**
 * One transaction: ensure the table, base chain and both regular chains,
 * flush the regular chains, replace the PREROUTING jump, add the MAC rules.
 */
export function renderSpoofSetup(input: SpoofSetupInput): string {
  const { names } = input;
  const commands: unknown[] = [
    { add: { table: { family: FAMILY, name: SPOOF_TABLE } } },
    {
      add: {
        chain: { ...chainRef(SPOOF_BASE_CHAIN), type: "filter", hook: "prerouting", prio: -300, policy: "accept" },
      },
    },
    { add: { chain: chainRef(names.ifaceChain) } },
    { add: { chain: chainRef(names.macChain) } },
    { flush: { chain: chainRef(names.ifaceChain) } },
    { flush: { chain: chainRef(names.macChain) } },
    ...input.staleHandles.map((h) => deleteRule(SPOOF_BASE_CHAIN, h)),
    rule(SPOOF_BASE_CHAIN, names.comment, [
      { match: { op: "==", left: { meta: { key: "iifname" } }, right: input.hostVeth } },
      { jump: { target: names.ifaceChain } },
    ]),
    rule(names.ifaceChain, names.comment, [{ jump: { target: names.macChain } }]),
    rule(names.macChain, names.comment, [
      { match: { op: "==", left: { payload: { protocol: "ether", field: "saddr" } }, right: input.mac } },
      { return: null },
    ]),
    rule(names.macChain, names.comment, [{ drop: null }]),
  ];
  return JSON.stringify({ nftables: commands });
}

/** What to remove for one or more attachments. */
export interface SpoofRemoval {
  /** PREROUTING rule handles to delete. */
  baseHandles: number[];
  /** Regular chains that exist and must go (flushed, then deleted). */
  chains: string[];
}

/**
 * One transaction deleting PREROUTING rules, then flushing and deleting the
 * chains (jump sources first, so no chain is still referenced).
 *
 * @returns the JSON script, or `undefined` when there is nothing to do
 */
export function renderSpoofTeardown(removal: SpoofRemoval): string | undefined {
  if (removal.baseHandles.length === 0 && removal.chains.length === 0) return undefined;
  const commands: unknown[] = [
    ...removal.baseHandles.map((h) => deleteRule(SPOOF_BASE_CHAIN, h)),
    ...removal.chains.map((c) => ({ flush: { chain: chainRef(c) } })),
    ...removal.chains.map((c) => ({ delete: { chain: chainRef(c) } })),
  ];
  return JSON.stringify({ nftables: commands });
}
