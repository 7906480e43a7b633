/**
 * Skipping with a reason: `ctx.skip(condition, reason)` records the reason,
 * and `npm test` lists every skipped test with it in its closing summary.
 *
 * @module
 */
import { beforeEach } from "vitest";

/** The reason bridge VLAN tests skip. */
export const NO_VLAN_FILTERING = "this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)";

/**
 * Skip every test of the enclosing `describe` with `reason` unless `present`.
 *
 * @example describe("bridge VLANs", () => { skipAllUnless(hasVlanFiltering(), NO_VLAN_FILTERING); ... });
 */
export function skipAllUnless(present: boolean, reason: string): void {
  beforeEach((ctx) => {
    ctx.skip(!present, reason);
  });
}
