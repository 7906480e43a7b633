// The spoof check as nft JSON, like the reference's go-nft: chain names may hold any character.
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

export interface SpoofSetupInput {
  names: SpoofNames;
  hostVeth: string;
  /** Lower-case. */
  mac: string;
  /** PREROUTING rules already carrying this attachment's comment (replaced). */
  staleHandles: number[];
}

/** One transaction; the regular chains are flushed, so a retry rewrites them. */
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

export interface SpoofRemoval {
  /** PREROUTING rule handles. */
  baseHandles: number[];
  /** Regular chains that exist. */
  chains: string[];
}

/** Jump sources go first, so no chain is still referenced; undefined when nothing to do. */
export function renderSpoofTeardown(removal: SpoofRemoval): string | undefined {
  if (removal.baseHandles.length === 0 && removal.chains.length === 0) return undefined;
  const commands: unknown[] = [
    ...removal.baseHandles.map((h) => deleteRule(SPOOF_BASE_CHAIN, h)),
    ...removal.chains.map((c) => ({ flush: { chain: chainRef(c) } })),
    ...removal.chains.map((c) => ({ delete: { chain: chainRef(c) } })),
  ];
  return JSON.stringify({ nftables: commands });
}
