/**
 * The debug log with the built plugins: one JSON line per invocation, read
 * back; an unwritable log never fails ADD and never touches stdout;
 * rotation; the config key.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { DIST_BIN, ours, runPlugin } from "../helpers/run-plugin.ts";

const CONF = { cniVersion: "1.0.0", name: "cnits-lo", type: "loopback" };
let ns: TestNetns;
let dir: string;

beforeAll(() => {
  ns = createNetns("debuglog");
});
afterAll(() => ns.remove());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cnits-debuglog-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const env = (extra: Record<string, string>) => ({
  CNI_COMMAND: "ADD",
  CNI_CONTAINERID: "cnits-ctr-1",
  CNI_NETNS: ns.path,
  CNI_IFNAME: "lo",
  CNI_PATH: "/nonexistent",
  ...extra,
});

/** The invocation lines (the first line is the log's marker). */
const lines = (path: string) =>
  readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .slice(1)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("debug log (dist/bin/loopback)", () => {
  it("appends one line per invocation with the invocation's facts", () => {
    const log = join(dir, "cni.log");
    const add = runPlugin(ours("loopback"), env({ CNI_TS_DEBUG_LOG: log }), CONF);
    expect(add.status).toBe(0);
    expect(add.json.interfaces[0].name).toBe("lo");
    const del = runPlugin(ours("loopback"), env({ CNI_TS_DEBUG_LOG: log, CNI_COMMAND: "DEL" }), CONF);
    expect(del.status).toBe(0);
    const [a, d, ...rest] = lines(log);
    expect(rest).toEqual([]);
    expect(a).toMatchObject({
      plugin: "loopback",
      verb: "ADD",
      network: "cnits-lo",
      cniVersion: "1.0.0",
      containerId: "cnits-ctr-1",
      ifName: "lo",
      netns: ns.path,
      outcome: "ok",
      code: null,
    });
    expect(a!.durationMs).toBeTypeOf("number");
    // processMs counts from the process's start, so it covers durationMs and stays small.
    expect(a!.processMs).toBeGreaterThanOrEqual(a!.durationMs as number);
    expect(a!.processMs).toBeLessThan(30_000);
    expect(a).not.toHaveProperty("steps");
    expect(d).toMatchObject({ verb: "DEL", outcome: "ok" });
    expect(statSync(log).mode & 0o777).toBe(0o600);
  });

  it("records the error code of a failed invocation", () => {
    const log = join(dir, "cni.log");
    const r = runPlugin(ours("loopback"), env({ CNI_TS_DEBUG_LOG: log, CNI_NETNS: "/var/run/netns/cnits-does-not-exist" }), CONF);
    expect(r.status).toBe(1);
    expect(lines(log)[0]).toMatchObject({ outcome: "error", code: r.json.code, msg: r.json.msg });
  });

  it("is enabled by the config key inside CNI_TS_DEBUG_LOG_DIR, at debug level with config and output", () => {
    const conf = { ...CONF, debugLog: "cni.log", debugLogLevel: "debug" };
    const r = runPlugin(ours("loopback"), env({ CNI_TS_DEBUG_LOG_DIR: dir }), conf);
    expect(r.status).toBe(0);
    const [line] = lines(join(dir, "cni.log"));
    expect(line).toMatchObject({ verb: "ADD", outcome: "ok", config: conf, output: r.json, steps: [{ name: "lo up", detail: { ifindex: 1 } }] });
  });

  it("at debug level, bridge records its main steps and host-local's, each with its duration", () => {
    const node = createNetns("debuglog-node");
    try {
      const log = join(dir, "cni.log");
      const conf = {
        cniVersion: "1.0.0",
        name: "cnits-dbg",
        type: "bridge",
        bridge: "cnits-dbg0",
        isGateway: true,
        ipam: { type: "host-local", subnet: "198.18.9.0/24", dataDir: join(dir, "ipam") },
      };
      const e = { CNI_IFNAME: "eth0", CNI_PATH: DIST_BIN, CNI_TS_DEBUG_LOG: log, CNI_TS_DEBUG_LOG_LEVEL: "debug" };
      const added = runPlugin(ours("bridge"), env(e), conf, { hostNetns: node.name });
      expect(added.status, added.stdout).toBe(0);
      expect(runPlugin(ours("bridge"), env({ ...e, CNI_COMMAND: "DEL" }), conf, { hostNetns: node.name }).status).toBe(0);
      const [add, del] = lines(log) as { steps: { name: string; ms: number; durationMs: number }[] }[];
      expect(add!.steps.map((st) => st.name)).toEqual([
        "config",
        "ensureBridge",
        "setupVeth",
        "host-local: config",
        "host-local: allocate",
        "ipam",
        "configureIface",
        "gateway",
        "waitForPortUp",
      ]);
      expect(del!.steps.map((st) => st.name)).toEqual(["rules", "removePodInterface", "host-local: config", "host-local: release", "ipam"]);
      for (const st of [...add!.steps, ...del!.steps]) expect(st.durationMs).toBeGreaterThanOrEqual(0);
    } finally {
      node.remove();
    }
  });

  it("ignores the config key unless the node set CNI_TS_DEBUG_LOG_DIR", () => {
    const r = runPlugin(ours("loopback"), env({}), { ...CONF, debugLog: "cni.log" }, { cwd: dir });
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("the reported attack: a config's path and 1-byte limit get code 7 on every verb but DEL, and touch nothing", () => {
    const victim = join(dir, "x");
    writeFileSync(victim, "precious\n");
    for (const debugLog of [victim, "logs/relative.log", "../x"]) {
      const conf = { ...CONF, cniVersion: "1.1.0", debugLog, debugLogMaxBytes: 1 };
      for (const verb of ["ADD", "CHECK", "STATUS", "GC"]) {
        const r = runPlugin(ours("loopback"), env({ CNI_COMMAND: verb, CNI_TS_DEBUG_LOG_DIR: dir }), conf, { cwd: dir });
        expect(r.json, `${verb} ${debugLog}`).toMatchObject({ code: 7, msg: expect.stringContaining(`debugLog: ${JSON.stringify(debugLog)}`) });
      }
    }
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(readdirSync(dir)).toEqual(["x"]);
  });

  it("a bad debug setting never stops DEL: reported in one line on stderr, the log stays off, DEL proceeds", () => {
    expect(runPlugin(ours("loopback"), env({}), CONF).status).toBe(0);
    for (const bad of [{ debugLog: "../x" }, { debugLogLevel: "loud" }, { debugLogMaxBytes: -1 }]) {
      const r = runPlugin(ours("loopback"), env({ CNI_COMMAND: "DEL", CNI_TS_DEBUG_LOG_DIR: dir }), { ...CONF, debugLog: "cni.log", ...bad });
      expect(r.status, JSON.stringify(bad)).toBe(0);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^loopback: debug log off, invalid config: debugLog\w*: .*\n$/);
    }
    expect(ns.ipJson<{ ifname: string; flags: string[] }[]>("link", "show", "lo")[0]!.flags).not.toContain("UP");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("an administrator's log in a directory others can write (like /tmp) is refused, never written", () => {
    const open = join(dir, "open");
    mkdirSync(open);
    chmodSync(open, 0o1777);
    const r = runPlugin(ours("loopback"), env({ CNI_TS_DEBUG_LOG: join(open, "cni.log") }), CONF);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/debug log: cannot write .*writable by group or others/);
    expect(readdirSync(open)).toEqual([]);
  });

  it("an unwritable log (missing directory, symlink) never fails ADD nor touches stdout", () => {
    const plain = runPlugin(ours("loopback"), env({}), CONF);
    const target = join(dir, "target");
    writeFileSync(target, "");
    symlinkSync(target, join(dir, "link"));
    for (const log of [join(dir, "missing", "cni.log"), join(dir, "link")]) {
      const r = runPlugin(ours("loopback"), env({ CNI_TS_DEBUG_LOG: log }), CONF);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(plain.stdout);
      expect(r.stderr).toMatch(/debug log: cannot write/);
    }
    expect(readFileSync(target, "utf8")).toBe("");
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });

  it("rotates to <file>.1 past CNI_TS_DEBUG_LOG_MAX_BYTES", () => {
    const log = join(dir, "cni.log");
    const e = env({ CNI_TS_DEBUG_LOG: log, CNI_TS_DEBUG_LOG_MAX_BYTES: "600" });
    for (let i = 0; i < 4; i++) expect(runPlugin(ours("loopback"), e, CONF).status).toBe(0);
    expect(existsSync(`${log}.1`)).toBe(true);
    expect(statSync(log).size).toBeLessThanOrEqual(600);
    expect(statSync(`${log}.1`).size).toBeLessThanOrEqual(600);
    const all = [...lines(`${log}.1`), ...lines(log)];
    expect(all.every((l) => l.verb === "ADD")).toBe(true);
  });
});
