/**
 * Crash safety: the plugin is SIGKILLed at every named step of bridge ADD
 * and DEL (CNI_TS_TEST_KILL_AT, see src/fault-injection.ts) and at random
 * moments (timed kills, which also land inside iptables/nft/IPAM work), then
 * the runtime's DEL runs. After it nothing of the attachment may be left:
 * no veth, no pod address, no route, no masquerade or spoof-check rule, no
 * allocation or torn bookkeeping file; and the next ADD of a new container
 * succeeds. Lanes run in parallel, each with its own node namespace.
 *
 * CNI_TS_CRASH_TRIES overrides the number of tries (default 200).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DIST_BIN } from "../helpers/run-plugin.ts";
import type { TestNetns } from "../helpers/netns.ts";
import { allocationFiles, cniNetfilterLines, createNode, pool, prng, vethNames, type Node, type NodeSnapshot } from "./harness.ts";

const TRIES = Number(process.env.CNI_TS_CRASH_TRIES ?? 200);
const LANES = 4;

/** Steps of ADD (bridge and in-process host-local). */
const ADD_STEPS = [
  "bridge:after-bridge",
  "bridge:after-veth",
  "bridge:after-spoofcheck",
  "host-local:after-claim",
  "bridge:after-ipam",
  "bridge:after-pod-iface",
  "bridge:after-gateway",
  "bridge:after-masquerade",
  "bridge:before-result",
];
/** Steps of DEL. */
const DEL_STEPS = ["bridge-del:after-spoofcheck", "bridge-del:after-pod-iface", "host-local:after-release-one", "bridge-del:after-ipam"];

/**
 * A kill at a named fault point, or after a fraction (0..1) of the verb's
 * typical duration on its lane, measured first: fixed delays stop landing
 * inside the run as soon as the plugin gets faster.
 */
type Kind = { verb: "ADD" | "DEL"; step?: string; killAtFraction?: number };

interface Lane {
  node: Node;
  pod: TestNetns;
  conf: Record<string, unknown>;
  baseline: NodeSnapshot;
}

const lanes: Lane[] = [];

function env(lane: Lane, verb: string, cid: string, extra: Record<string, string> = {}) {
  return { CNI_COMMAND: verb, CNI_CONTAINERID: cid, CNI_NETNS: lane.pod.path, CNI_IFNAME: "eth0", ...extra };
}

/**
 * Everything but the dataDir files (checked separately) and the shared
 * bridge's IPv6 link-local address, which the kernel adds and removes by
 * itself as the bridge gains and loses ports.
 */
function kernelState(s: NodeSnapshot) {
  const notLinkLocal = (l: string) => !/ fe80:/.test(l);
  return { links: s.links, addresses: s.addresses.filter(notLinkLocal), routes: s.routes.filter(notLinkLocal), iptables: s.iptables, nft: s.nft };
}

function assertClean(lane: Lane, label: string): void {
  const s = lane.node.snapshot();
  expect(vethNames(lane.node.ns), `${label}: veth left in the node`).toEqual([]);
  expect(
    lane.pod.ipJson<any[]>("link").map((l) => l.ifname),
    `${label}: pod interface left`,
  ).toEqual(["lo"]);
  expect(cniNetfilterLines(s), `${label}: netfilter rules left`).toEqual([]);
  expect(kernelState(s), `${label}: node state differs from before the try`).toEqual(kernelState(lane.baseline));
  const { dataDir, network } = lane.node;
  expect(allocationFiles(dataDir, network), `${label}: allocation left`).toEqual([]);
  const meta = join(dataDir, network, ".cni-ts");
  const leftovers = existsSync(meta) ? readdirSync(meta).filter((f) => f.startsWith("a-") || f.startsWith("tmp-")) : [];
  expect(leftovers, `${label}: bookkeeping left`).toEqual([]);
}

beforeAll(async () => {
  if (!existsSync(`${DIST_BIN}/bridge`)) throw new Error("dist/bin/bridge missing: run scripts/build.mjs");
  for (let l = 0; l < LANES; l++) {
    const node = createNode(`10.77.${l}.0/24`);
    const pod = node.newPod("crashpod");
    const conf = node.conf({ ipMasq: true, ipMasqBackend: l % 2 ? "nftables" : "iptables", macspoofchk: true });
    const lane: Lane = { node, pod, conf, baseline: undefined as unknown as NodeSnapshot };
    lanes.push(lane);
    // Shared node state (bridge, gateway address, base tables) exists from the first ADD on.
    const add = await node.run("bridge", env(lane, "ADD", "cnits-warmup"), conf);
    expect(add.status, add.stdout + add.stderr).toBe(0);
    const del = await node.run("bridge", env(lane, "DEL", "cnits-warmup"), conf);
    expect(del.status, del.stdout + del.stderr).toBe(0);
    lane.baseline = node.snapshot();
  }
}, 120_000);

afterAll(() => {
  for (const lane of lanes) lane.node.cleanup();
});

/** Median wall time of a few undisturbed ADDs and DELs on this lane (while the other lanes run too). */
async function measureTypicalDurations(lane: Lane, l: number): Promise<Record<"ADD" | "DEL", number>> {
  const samples: Record<"ADD" | "DEL", number[]> = { ADD: [], DEL: [] };
  for (let round = 0; round < 3; round++) {
    const cid = `cnits-calibrate-${l}-${round}`;
    for (const verb of ["ADD", "DEL"] as const) {
      const started = performance.now();
      const run = await lane.node.run("bridge", env(lane, verb, cid), lane.conf);
      samples[verb].push(performance.now() - started);
      expect(run.status, `calibration ${verb}: ${run.stdout}${run.stderr}`).toBe(0);
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  assertClean(lane, `lane ${l} calibration`);
  return { ADD: median(samples.ADD), DEL: median(samples.DEL) };
}

describe("SIGKILL during ADD and DEL, then the runtime's DEL", () => {
  test(`${TRIES} kills leave nothing behind and the next ADD succeeds`, async () => {
    const rand = prng(0xc0ffee);
    const kinds: Kind[] = [];
    for (let i = 0; i < TRIES; i++) {
      switch (i % 4) {
        case 0:
          kinds.push({ verb: "ADD", step: ADD_STEPS[(i / 4) % ADD_STEPS.length] });
          break;
        case 1:
          kinds.push({ verb: "DEL", step: DEL_STEPS[((i - 1) / 4) % DEL_STEPS.length] });
          break;
        case 2:
          kinds.push({ verb: "ADD", killAtFraction: 0.05 + rand() * 0.9 });
          break;
        default:
          kinds.push({ verb: "DEL", killAtFraction: 0.05 + rand() * 0.9 });
      }
    }
    const outcomes = { killed: 0, finished: 0 };
    const byLane = lanes.map((_, l) => kinds.map((k, i) => ({ k, i })).filter(({ i }) => i % LANES === l));
    await pool(byLane, LANES, async (tries, l) => {
      const lane = lanes[l]!;
      const typicalMs = await measureTypicalDurations(lane, l);
      for (const { k, i } of tries) {
        const cid = `cnits-crash-${i}`;
        const killAfterMs = k.killAtFraction === undefined ? undefined : Math.floor(k.killAtFraction * typicalMs[k.verb]);
        const label = `try ${i} (${k.verb} ${k.step ?? `killed after ${killAfterMs} ms`})`;
        const killEnv: Record<string, string> = k.step ? { CNI_TS_TEST_KILL_AT: k.step } : {};
        if (k.verb === "DEL") {
          // The ADD of a new container after the previous crash must succeed.
          const add = await lane.node.run("bridge", env(lane, "ADD", cid), lane.conf);
          expect(add.status, `${label}: ADD ${add.stdout}${add.stderr}`).toBe(0);
          expect(add.json.ips[0].address).toMatch(/^10\.77\./);
        }
        const victim = await lane.node.run("bridge", env(lane, k.verb, cid, killEnv), lane.conf, { killAfterMs });
        if (k.step) expect(victim.signal, `${label}: fault point not reached: ${victim.stdout}${victim.stderr}`).toBe("SIGKILL");
        if (victim.signal === "SIGKILL") outcomes.killed++;
        else {
          outcomes.finished++;
          expect(victim.status, `${label}: ${victim.stdout}${victim.stderr}`).toBe(0);
        }
        const del = await lane.node.run("bridge", env(lane, "DEL", cid), lane.conf);
        expect(del.status, `${label}: runtime DEL ${del.stdout}${del.stderr}`).toBe(0);
        expect(del.stdout, label).toBe("");
        assertClean(lane, label);
      }
      // And once more at the end of the lane.
      const add = await lane.node.run("bridge", env(lane, "ADD", `cnits-final-${l}`), lane.conf);
      expect(add.status, add.stdout + add.stderr).toBe(0);
      expect((await lane.node.run("bridge", env(lane, "DEL", `cnits-final-${l}`), lane.conf)).status).toBe(0);
      assertClean(lane, `lane ${l} final`);
    });
    // Most timed kills must land inside the run, or the test proves little.
    expect(outcomes.killed).toBeGreaterThan(TRIES * 0.6);
  }, 600_000);
});
