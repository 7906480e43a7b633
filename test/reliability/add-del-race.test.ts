/**
 * ADD and DEL of one attachment racing (a kubelet restart can run them at
 * once): under every interleaving the attachment ends fully there (eth0
 * addressed, its allocation, its host veth on the bridge, its record) or
 * fully gone (none of them). Each round starts both verbs together, in a
 * random order with a random head start, checks the end state, and resets.
 * RACE_ROUNDS overrides the 200 rounds for a quicker local run.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync } from "node:fs";
import { attachmentLockPath } from "../../src/attachment-lock.ts";
import type { TestNetns } from "../helpers/netns.ts";
import { allocationFiles, createNode, nsExec, prng, type Node } from "./harness.ts";

const ROUNDS = Number(process.env.RACE_ROUNDS ?? 200);

let node: Node;
let pod: TestNetns;
const containerId = "cnits-race";

beforeAll(() => {
  node = createNode("10.78.0.0/24");
  pod = node.newPod("race");
});
afterAll(() => {
  node?.cleanup();
});

/** The attachment's pieces, as the kernel and the store show them. */
function observe() {
  const ip = (path: string, ...args: string[]) => (JSON.parse(nsExec(path, "ip", "-j", ...args) || "null") as any[] | null) ?? [];
  const eth0 = ip(pod.path, "addr", "show").find((l) => l.ifname === "eth0");
  return {
    eth0Addresses: (eth0?.addr_info ?? []).filter((a: any) => a.family === "inet").map((a: any) => a.local as string),
    eth0: eth0 !== undefined,
    allocations: allocationFiles(node.dataDir, node.network),
    hostVeths: ip(node.ns.path, "link", "show", "master", node.bridge).filter((l) => l.ifname.startsWith("veth")).length,
    record: existsSync(attachmentLockPath({ network: node.network, containerId, ifName: "eth0" })),
  };
}

describe("concurrent ADD and DEL of one attachment", () => {
  test(`${ROUNDS} rounds end fully there or fully gone`, async () => {
    const conf = node.conf();
    const env = (command: string) => ({ CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: pod.path, CNI_IFNAME: "eth0" });
    const random = prng(15_6);
    const outcomes = { there: 0, gone: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const addFirst = random() < 0.5;
      const headStartMs = Math.floor(random() * 40);
      const start = (command: string, delay: number) =>
        new Promise<Awaited<ReturnType<Node["run"]>>>((resolve) => setTimeout(() => resolve(node.run("bridge", env(command), conf)), delay));
      const [add, del] = await Promise.all([start("ADD", addFirst ? 0 : headStartMs), start("DEL", addFirst ? headStartMs : 0)]);
      expect(add.status, `round ${round} ADD: ${add.stdout}${add.stderr}`).toBe(0);
      expect(del.status, `round ${round} DEL: ${del.stdout}${del.stderr}`).toBe(0);

      const s = observe();
      if (s.eth0) {
        outcomes.there++;
        expect({ round, ...s }).toEqual({
          round,
          eth0: true,
          eth0Addresses: s.allocations,
          allocations: [expect.stringMatching(/^10\.78\.0\.\d+$/)],
          hostVeths: 1,
          record: true,
        });
        const reset = await node.run("bridge", env("DEL"), conf);
        expect(reset.status, reset.stdout).toBe(0);
      } else {
        outcomes.gone++;
      }
      expect({ round, ...observe() }).toEqual({ round, eth0: false, eth0Addresses: [], allocations: [], hostVeths: 0, record: false });
    }
    // Both orders happened, so both end states were checked.
    expect(outcomes.there).toBeGreaterThan(0);
    expect(outcomes.gone).toBeGreaterThan(0);
  }, 600_000);
});
