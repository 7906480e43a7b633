/**
 * Load: 100 mixed ADD/DEL operations on one bridge network, truly in
 * parallel (up to 16 plugin processes at once on a 2-core machine). The
 * bridge does not exist before: the first ADDs race to create it. Every ADD
 * succeeds, no address is held by two pods at once, nobody reports
 * "file exists", and after the DELs the node and the store are empty.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { TestNetns } from "../helpers/netns.ts";
import { DIST_BIN } from "../helpers/run-plugin.ts";
import { allocationFiles, cniNetfilterLines, createNode, pool, vethNames, type AsyncRun, type Node } from "./harness.ts";

const PODS = 60;
const DELETED_EARLY = 40; // 60 ADDs + 40 DELs = 100 operations in the mix
const CONCURRENCY = 16;

interface PodRun {
  ns: TestNetns;
  cid: string;
  address?: string;
  addEnd?: number;
  delStart?: number;
  runs: AsyncRun[];
}

let node: Node;
let pods: PodRun[] = [];

beforeAll(() => {
  if (!existsSync(`${DIST_BIN}/bridge`)) throw new Error("dist/bin/bridge missing: run scripts/build.mjs");
  node = createNode("10.79.0.0/24");
  pods = Array.from({ length: PODS }, (_, i) => ({ ns: node.newPod(`load${i}`), cid: `cnits-load-${i}`, runs: [] }));
}, 60_000);

afterAll(() => node?.cleanup());

function env(p: PodRun, verb: string) {
  return { CNI_COMMAND: verb, CNI_CONTAINERID: p.cid, CNI_NETNS: p.ns.path, CNI_IFNAME: "eth0" };
}

describe("100 parallel ADD/DEL on one network", () => {
  test("every ADD succeeds, no address is shared, nothing is left", async () => {
    const conf = node.conf({ ipMasq: true, isDefaultGateway: true });
    const t0 = performance.now();
    let inFlight = 0;
    let maxInFlight = 0;
    const tracked = async (p: PodRun, verb: "ADD" | "DEL") => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const r = await node.run("bridge", env(p, verb), conf);
        p.runs.push(r);
        return r;
      } finally {
        inFlight--;
      }
    };

    await pool(pods, CONCURRENCY, async (p, i) => {
      const add = await tracked(p, "ADD");
      p.addEnd = performance.now() - t0;
      expect(add.stdout, `ADD ${p.cid}: ${add.stderr}`).not.toMatch(/file exists/i);
      expect(add.status, `ADD ${p.cid}: ${add.stdout}${add.stderr}`).toBe(0);
      p.address = add.json.ips[0].address;
      if (i < DELETED_EARLY) {
        p.delStart = performance.now() - t0;
        const del = await tracked(p, "DEL");
        expect(del.status, `DEL ${p.cid}: ${del.stdout}${del.stderr}`).toBe(0);
      }
    });
    expect(maxInFlight).toBeGreaterThanOrEqual(CONCURRENCY / 2);

    // No two pods held one address at the same time (held: from ADD's end to DEL's start).
    for (let a = 0; a < pods.length; a++) {
      for (let b = a + 1; b < pods.length; b++) {
        const [pa, pb] = [pods[a]!, pods[b]!];
        if (pa.address !== pb.address) continue;
        const overlap = pa.addEnd! < (pb.delStart ?? Infinity) && pb.addEnd! < (pa.delStart ?? Infinity);
        expect(overlap, `${pa.cid} and ${pb.cid} both hold ${pa.address}`).toBe(false);
      }
    }

    // The survivors: their addresses are really on their interfaces, all different.
    const survivors = pods.slice(DELETED_EARLY);
    const onLinks = survivors.map((p) => {
      const addrs = p.ns.ipJson<any[]>("-4", "addr", "show", "dev", "eth0");
      return `${addrs[0].addr_info[0].local}/${addrs[0].addr_info[0].prefixlen}`;
    });
    expect(onLinks).toEqual(survivors.map((p) => p.address));
    expect(new Set(onLinks).size).toBe(survivors.length);
    expect(allocationFiles(node.dataDir, node.network).sort()).toEqual(onLinks.map((a) => a.split("/")[0]).sort());
    expect(vethNames(node.ns)).toHaveLength(survivors.length);

    // Tear the rest down, also in parallel.
    await pool(survivors, CONCURRENCY, async (p) => {
      const del = await tracked(p, "DEL");
      expect(del.status, `DEL ${p.cid}: ${del.stdout}${del.stderr}`).toBe(0);
    });

    expect(vethNames(node.ns)).toEqual([]);
    expect(cniNetfilterLines(node.snapshot())).toEqual([]);
    const storeDir = join(node.dataDir, node.network);
    const left = readdirSync(storeDir).filter((f) => f !== "lock" && f !== ".cni-ts" && !f.startsWith("last_reserved_ip"));
    expect(left).toEqual([]);
    const meta = readdirSync(join(storeDir, ".cni-ts")).filter((f) => f.startsWith("a-") || f.startsWith("tmp-"));
    expect(meta).toEqual([]);
    for (const p of pods) expect(p.ns.ipJson<any[]>("link").map((l) => l.ifname)).toEqual(["lo"]);
  }, 300_000);
});
