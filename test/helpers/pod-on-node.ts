/**
 * A pod on a throwaway node, wired by the files an installer left on the
 * node's disk: the conflist is read from the config directory and run by
 * libcni (test/libcni/driver) with the bin directory as CNI_PATH, inside the
 * node namespace, exactly as a runtime would.
 */
import { expect } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { TestNetns } from "./netns.ts";
import { runDriver } from "../libcni/driver.ts";

/** Where the installer wrote and what the runtime sees. */
export interface InstalledNode {
  bin: string;
  conflist: string;
  node: TestNetns;
  pod: TestNetns;
  /** libcni's result cache. */
  cacheDir: string;
}

/**
 * ADD a pod, check it got `expectedAddresses` and reaches its gateway, CHECK,
 * then DEL and check the pod is back to `lo` only.
 *
 * @example expectPodLifecycle({ bin, conflist, node, pod, cacheDir: join(work, "cache") }, ["10.99.1.2/24"], "10.99.1.1")
 */
export function expectPodLifecycle(world: InstalledNode, expectedAddresses: readonly string[], gateway: string): void {
  const list = JSON.parse(readFileSync(world.conflist, "utf8"));
  const call = (verb: "add" | "check" | "del") =>
    runDriver({
      verb,
      conf: list,
      netns: world.pod.path,
      containerId: "cnits-c1",
      ifName: "eth0",
      cniPath: [world.bin],
      cacheDir: world.cacheDir,
      hostNetns: world.node.name,
    });
  const added = call("add");
  expect(added.ok, JSON.stringify(added)).toBe(true);
  const addresses = world.pod.ipJson<any[]>("addr", "show", "eth0")[0].addr_info.map((a: any) => `${a.local}/${a.prefixlen}`);
  for (const address of expectedAddresses) expect(addresses).toContain(address);
  expect(world.pod.ipJson<any[]>("route", "show", "default")[0].gateway).toBe(gateway);
  world.pod.exec("ping", "-c", "1", "-W", "2", gateway);
  const checked = call("check");
  expect(checked.ok, JSON.stringify(checked)).toBe(true);
  const deleted = call("del");
  expect(deleted.ok, JSON.stringify(deleted)).toBe(true);
  expect(world.pod.ipJson<any[]>("link", "show").map((l) => l.ifname)).toEqual(["lo"]);
}

/** Where host-local keeps a network's leases by default (tests remove their own network's). */
export function hostLocalNetworkDir(network: string): string {
  return join("/var/lib/cni/networks", network);
}
