/**
 * Runs one src/netfilter call inside whatever namespace it is started in
 * (`ip netns exec <node> node driver.ts '<json>'`), so exec'd iptables/nft
 * and /sys see the test's node namespace. Prints `{ok,value}` or `{ok:false,code,msg}`.
 */
import { applyEgress, egressInSync, removeEgress } from "../../src/netfilter/egress.ts";
import { gcNetfilter } from "../../src/netfilter/gc.ts";
import { parseMasqAddress } from "../../src/netfilter/masq-address.ts";
import { setupIptablesMasqOverNetlink, teardownIptablesMasqOverNetlink } from "../../src/netfilter/masq-iptables.ts";
import { setupMasquerade, teardownMasquerade } from "../../src/netfilter/masquerade.ts";
import { dumpRules } from "../../src/netfilter/nft-batch.ts";
import { attrMap, type NftFamily } from "../../src/netfilter/nft-wire.ts";
import { setupMacSpoofCheck, teardownMacSpoofCheck } from "../../src/netfilter/spoofcheck.ts";

/**
 * Every attribute of every rule in the chain as the kernel dumps it, hex,
 * except where the rule sits (NFTA_RULE_HANDLE 3, NFTA_RULE_POSITION 6).
 */
function rawRules(family: NftFamily, table: string, chain: string): string[][] {
  return dumpRules(family, table, chain, (payload) =>
    [...attrMap(payload, 4)].filter(([type]) => type !== 3 && type !== 6).map(([type, value]) => `${type}:${value.toString("hex")}`),
  );
}

const ops: Record<string, (...args: any[]) => unknown> = {
  setupMasquerade,
  teardownMasquerade,
  setupMacSpoofCheck,
  teardownMacSpoofCheck,
  gcNetfilter,
  applyEgress,
  egressInSync,
  removeEgress,
  setupIptablesMasqOverNetlink: (chain: string, comment: string, family: 4 | 6, cidrs: string[]) =>
    setupIptablesMasqOverNetlink(chain, comment, family, cidrs.map(parseMasqAddress)),
  teardownIptablesMasqOverNetlink,
  rawRules,
};

const { op, args } = JSON.parse(process.argv[2]!) as { op: string; args: unknown[] };
try {
  const value = ops[op]!(...args);
  process.stdout.write(JSON.stringify({ ok: true, value }));
} catch (err) {
  const e = err as { code?: unknown; message?: string };
  process.stdout.write(JSON.stringify({ ok: false, code: e.code, msg: e.message }));
}
