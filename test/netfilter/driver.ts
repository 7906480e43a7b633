/**
 * Runs one src/netfilter call inside whatever namespace it is started in
 * (`ip netns exec <node> node driver.ts '<json>'`), so exec'd iptables/nft
 * and /sys see the test's node namespace. Prints `{ok}` or `{ok:false,code,msg}`.
 */
import { gcNetfilter } from "../../src/netfilter/gc.ts";
import { setupMasquerade, teardownMasquerade } from "../../src/netfilter/masquerade.ts";
import { setupMacSpoofCheck, teardownMacSpoofCheck } from "../../src/netfilter/spoofcheck.ts";

const ops: Record<string, (...args: any[]) => void> = {
  setupMasquerade,
  teardownMasquerade,
  setupMacSpoofCheck,
  teardownMacSpoofCheck,
  gcNetfilter,
};

const { op, args } = JSON.parse(process.argv[2]!) as { op: string; args: unknown[] };
try {
  ops[op]!(...args);
  process.stdout.write(JSON.stringify({ ok: true }));
} catch (err) {
  const e = err as { code?: unknown; message?: string };
  process.stdout.write(JSON.stringify({ ok: false, code: e.code, msg: e.message }));
}
