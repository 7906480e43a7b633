/**
 * host-local on a dataDir it cannot (or must not) write: full (blocks or
 * inodes), read-only, another user's mount or directory. Each case is a
 * coded JSON error naming the dataDir, and the failing run leaves nothing
 * behind (no temp file, no address file, no new file at all); on a full
 * disk DEL still releases. The bridge's ipMasq with the tool it needs
 * missing is a coded error before anything is made.
 *
 * Small tmpfs mounts are made inside a private mount namespace
 * (`unshare -m`) per case, so nothing is mounted on the machine.
 */
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { attachmentLockPath } from "../../src/attachment-lock.ts";
import { ours } from "../helpers/run-plugin.ts";
import { nodeVeths, useBridgeWorlds } from "../helpers/bridge-env.ts";

const NETWORK = "cnits-storage";

/** One host-local invocation inside the mount namespace. */
interface Step {
  command: "ADD" | "DEL";
  containerId: string;
}

interface Case {
  name: string;
  /** tmpfs options of the mount holding the dataDir. */
  mount: string;
  /** Shell run after the mount, before the steps; `$M` is the mount, `$D` the dataDir. */
  prepare: string;
  /** Run before `prepare` (their results must succeed): an existing store. */
  before?: Step[];
  /** The run under test. */
  run: Step;
  /** Expected exit code (0) or CNI error code. */
  code: number;
  /** What the error message must say. */
  msg?: RegExp;
  /** The address released by the run (DEL), if any. */
  released?: string;
  /** Files the run may create: the store's directories and lock on first use. */
  created?: string[];
}

/** Fill the mount: blocks (one big file) or inodes (empty files until refused). */
const FILL_BLOCKS = 'dd if=/dev/zero of="$M/fill" bs=4k 2>/dev/null || true';
const FILL_INODES = 'i=0; while touch "$M/f$i" 2>/dev/null; do i=$((i+1)); done';

/** Remove the index and its stamp, as a full scan would find them missing. */
const DROP_BOOKKEEPING = `rm -f "$D/${NETWORK}/.cni-ts/stamp" "$D/${NETWORK}/.cni-ts/"a-*`;

const SKELETON = [`${NETWORK}/`, `${NETWORK}/.cni-ts/`, `${NETWORK}/lock`];
const OTHER_USERS_MOUNT = 'mkdir "$D" && mount -t tmpfs -o size=1m,uid=65534,gid=65534,mode=0755 tmpfs "$D"';

const cases: Case[] = [
  {
    name: "full (blocks), fresh dataDir: ADD",
    mount: "size=64k",
    prepare: FILL_BLOCKS,
    run: { command: "ADD", containerId: "c1" },
    code: 5,
    msg: /is full/,
    created: SKELETON,
  },
  // Without cni-ts's bookkeeping to remove, the ADD has no page to claim an address in.
  {
    name: "full (blocks), existing store: ADD",
    mount: "size=64k",
    before: [{ command: "ADD", containerId: "c0" }],
    prepare: `${DROP_BOOKKEEPING} && ${FILL_BLOCKS}`,
    run: { command: "ADD", containerId: "c1" },
    code: 5,
    msg: /is full/,
  },
  // The stamp it removes first frees the one page the address file needs (the hint is written over its own page):
  // the ADD succeeds, and the index it could not write is rebuilt by the next verb.
  {
    name: "full (blocks), existing store with its index: ADD fits",
    mount: "size=64k",
    before: [{ command: "ADD", containerId: "c0" }],
    prepare: FILL_BLOCKS,
    run: { command: "ADD", containerId: "c1" },
    code: 0,
    created: [`${NETWORK}/10.79.0.3`],
  },
  {
    name: "full (inodes), existing store: ADD",
    mount: "nr_inodes=40",
    before: [{ command: "ADD", containerId: "c0" }],
    prepare: FILL_INODES,
    run: { command: "ADD", containerId: "c1" },
    code: 5,
    msg: /is full/,
  },
  {
    name: "full (blocks), existing store: DEL still releases",
    mount: "size=64k",
    before: [{ command: "ADD", containerId: "c0" }],
    prepare: FILL_BLOCKS,
    run: { command: "DEL", containerId: "c0" },
    code: 0,
    released: "10.79.0.2",
  },
  {
    name: "full (inodes), existing store: DEL still releases",
    mount: "nr_inodes=40",
    before: [{ command: "ADD", containerId: "c0" }],
    prepare: FILL_INODES,
    run: { command: "DEL", containerId: "c0" },
    code: 0,
    released: "10.79.0.2",
  },
  {
    name: "read-only, existing store: ADD",
    mount: "size=1m",
    before: [{ command: "ADD", containerId: "c0" }],
    prepare: 'mount -o remount,ro "$M"',
    run: { command: "ADD", containerId: "c1" },
    code: 5,
    msg: /read-only file system/,
  },
  {
    name: "read-only, existing store: DEL",
    mount: "size=1m",
    before: [{ command: "ADD", containerId: "c0" }],
    prepare: 'mount -o remount,ro "$M"',
    run: { command: "DEL", containerId: "c0" },
    code: 5,
    msg: /read-only file system/,
  },
  {
    name: "read-only, fresh dataDir: ADD",
    mount: "size=1m,ro",
    prepare: "",
    run: { command: "ADD", containerId: "c1" },
    code: 5,
    msg: /read-only file system/,
  },
  {
    name: "another user's mount as dataDir",
    mount: "size=1m",
    prepare: OTHER_USERS_MOUNT,
    run: { command: "ADD", containerId: "c1" },
    code: 102,
    msg: /owned by uid 65534/,
  },
  {
    name: "dataDir owned by another user",
    mount: "size=1m",
    prepare: 'mkdir -p "$D" && chown 65534 "$D"',
    run: { command: "ADD", containerId: "c1" },
    code: 102,
    msg: /owned by uid 65534/,
  },
  {
    name: "network directory owned by another user",
    mount: "size=1m",
    before: [{ command: "ADD", containerId: "c0" }],
    prepare: `chown 65534 "$D/${NETWORK}"`,
    run: { command: "ADD", containerId: "c1" },
    code: 102,
    msg: /owned by uid 65534/,
  },
];

/**
 * Run the case in a private mount namespace; returns the plugin's output
 * for every step and the dataDir's listing before and after the run.
 */
function runCase(c: Case): { before: string[]; after: string[]; outputs: { status: number; json: any; raw: string }[] } {
  const work = mkdtempSync("/tmp/cnits-storage-");
  try {
    const steps = [...(c.before ?? []), c.run];
    const conf = (step: Step, i: number) => {
      const file = join(work, `conf-${i}.json`);
      writeFileSync(
        file,
        JSON.stringify({ cniVersion: "1.0.0", name: NETWORK, type: "host-local", ipam: { type: "host-local", subnet: "10.79.0.0/24", dataDir: "$D" } }).replace(
          '"$D"',
          JSON.stringify(`${work}/m/data`),
        ),
      );
      return `CNI_COMMAND=${step.command} CNI_CONTAINERID=${step.containerId} CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=/ ${ours("host-local")} < ${file}; echo "@@status $?"`;
    };
    const list = 'echo "@@tree"; [ -d "$D" ] && (cd "$D" && find . -mindepth 1 \\( -type d -printf "%P/\\n" -o -printf "%P\\n" \\)) | sort; echo "@@end"';
    const script = [
      "set -u",
      `M=${work}/m; D=$M/data; mkdir -p "$M"`,
      `mount -t tmpfs -o ${c.mount} tmpfs "$M"`,
      ...(c.before ?? []).map((s, i) => conf(s, i)),
      c.prepare,
      list,
      conf(c.run, steps.length - 1),
      list,
    ].join("\n");
    const out = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script], { encoding: "utf8" });
    expect(out.status, out.stderr).toBe(0);
    const outputs = out.stdout.split(/@@status (\d+)\n/).reduce<{ status: number; json: any; raw: string }[]>((acc, part, i, all) => {
      if (i % 2 === 1) {
        const raw = all[i - 1]!.replace(/^[\s\S]*@@end\n/, "");
        let json: any;
        try {
          json = raw.trim() ? JSON.parse(raw) : undefined;
        } catch {
          json = undefined;
        }
        acc.push({ status: Number(part), json, raw });
      }
      return acc;
    }, []);
    const trees = [...out.stdout.matchAll(/@@tree\n([\s\S]*?)@@end/g)].map((m) => m[1]!.split("\n").filter((l) => l !== ""));
    return { before: trees[0]!, after: trees[1]!, outputs };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe("host-local on a dataDir it cannot or must not write", () => {
  test.each(cases)("$name", (c) => {
    const { before, after, outputs } = runCase(c);
    const result = outputs.at(-1)!;
    for (const [i, o] of outputs.slice(0, -1).entries()) expect(o.status, `setup step ${i}: ${o.raw}`).toBe(0);
    if (c.code === 0) {
      expect(result.status, result.raw).toBe(0);
    } else {
      expect(result.status, result.raw).not.toBe(0);
      expect(result.json, result.raw).toMatchObject({ code: c.code });
      expect(result.json.msg).toMatch(c.msg!);
      expect(result.json.msg).toContain("/m/data");
    }
    // Nothing new; gone only what the run released and bookkeeping that a
    // change invalidates (the index stamp, an emptied index entry).
    expect(after.filter((f) => !before.includes(f))).toEqual(c.created ?? []);
    const releasedFile = c.released && `${NETWORK}/${c.released}`;
    const removed = before.filter((f) => !after.includes(f) && f !== releasedFile);
    expect(removed.filter((f) => !/\/\.cni-ts\/(stamp|a-[0-9a-f]+)$/.test(f))).toEqual([]);
    if (releasedFile) expect(after).not.toContain(releasedFile);
  });
});

describe("ipMasq with the tool it needs missing", () => {
  const newWorld = useBridgeWorlds();
  test.each([
    { backend: "iptables", msg: /^ipMasq needs iptables, which is not installed/ },
    { backend: "nftables", msg: /^ipMasq needs nft, which is not installed/ },
    { backend: undefined, msg: /^ipMasq needs iptables or nft, which is not installed/ },
  ])("backend $backend: coded error before any change", ({ backend, msg }) => {
    const world = newWorld();
    const pod = world.newPod();
    const conf = world.conf({ isGateway: true, ipMasq: true, ipMasqBackend: backend, ipam: world.ipam() });
    // /usr/sbin (where both tools live; /sbin links to it) hidden by an empty tmpfs, PATH without them.
    const hide = 'mount -t tmpfs -o size=16k tmpfs /usr/sbin && exec "$0" "$@"';
    const out = spawnSync("ip", ["netns", "exec", world.node.name, "unshare", "-m", "--propagation", "private", "sh", "-c", hide, ours("bridge")], {
      input: JSON.stringify(conf),
      encoding: "utf8",
      env: {
        PATH: "/usr/bin:/bin",
        CNI_COMMAND: "ADD",
        CNI_CONTAINERID: pod.containerId,
        CNI_NETNS: pod.ns.path,
        CNI_IFNAME: "eth0",
        CNI_PATH: ours("bridge").replace(/\/bridge$/, ""),
      },
    });
    expect(out.status, out.stdout + out.stderr).not.toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json.code).toBe(100);
    expect(json.msg).toMatch(msg);
    expect(world.nodeJson<any[]>("link", "show")).toHaveLength(1); // lo only: no bridge either
    expect(nodeVeths(world)).toEqual([]);
    expect(existsSync(world.dataDir)).toBe(false);
    expect(world.allocations()).toEqual([]);
    expect(world.netfilterRules()).toEqual([]);
    expect(existsSync(attachmentLockPath({ network: world.network, containerId: pod.containerId, ifName: "eth0" }))).toBe(false);
  });
});
