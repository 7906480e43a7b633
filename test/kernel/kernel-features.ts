/**
 * What this kernel supports, probed once in a throwaway namespace, so tests
 * of optional features (bridge VLAN filtering, port isolation) skip instead of
 * failing on kernels built without them.
 */
import { execFileSync } from "node:child_process";
import { createNetns } from "../helpers/netns.ts";

function probe(...steps: string[][]): boolean {
  const ns = createNetns("probe");
  try {
    for (const step of steps) execFileSync("ip", ["-n", ns.name, ...step], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    ns.remove();
  }
}

/** CONFIG_BRIDGE_VLAN_FILTERING. */
export const HAS_BRIDGE_VLAN_FILTERING = probe(["link", "add", "cnits-b", "type", "bridge", "vlan_filtering", "1"]);

/** IFLA_BRPORT_ISOLATED (bridge port isolation). */
export const HAS_PORT_ISOLATION = probe(
  ["link", "add", "cnits-br", "type", "bridge"],
  ["link", "add", "cnits-a", "type", "veth", "peer", "name", "cnits-b"],
  ["link", "set", "cnits-a", "master", "cnits-br"],
  ["link", "set", "cnits-a", "type", "bridge_slave", "isolated", "on"],
);
