import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_DEBUG_LOG_MAX_BYTES, debugLogSettings, debugStepsEnabled, logStep, startInvocationLog } from "./debug-log.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cnits-debuglog-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The invocation lines (the first line is the log's marker). */
const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .slice(1)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const env = (extra: Record<string, string>) => ({
  CNI_COMMAND: "ADD",
  CNI_CONTAINERID: "ctr1",
  CNI_IFNAME: "eth0",
  CNI_NETNS: "/var/run/netns/x",
  ...extra,
});

describe("debugLogSettings", () => {
  it("is off without the variables", () => {
    expect(debugLogSettings({}, { name: "n" })).toBeUndefined();
  });
  it("ignores a config's debugLog unless CNI_TS_DEBUG_LOG_DIR allows configs to log", () => {
    expect(debugLogSettings({}, { debugLog: "pods.log" })).toBeUndefined();
    expect(debugLogSettings({ CNI_TS_DEBUG_LOG_DIR: "/var/log/cni-ts/" }, { debugLog: "pods.log", debugLogLevel: "debug", debugLogMaxBytes: 10 })).toEqual({
      path: "/var/log/cni-ts/pods.log",
      level: "debug",
      maxBytes: 10,
    });
  });
  it("never turns a config's path into a path of its choosing", () => {
    for (const debugLog of ["/tmp/x", "../x", "sub/x", ".", "..", "", "x\u0000y", 5, null]) {
      expect(debugLogSettings({ CNI_TS_DEBUG_LOG_DIR: "/var/log/cni-ts" }, { debugLog }), String(debugLog)).toBeUndefined();
    }
  });
  it("lets the environment win key by key", () => {
    expect(
      debugLogSettings({ CNI_TS_DEBUG_LOG: "/b", CNI_TS_DEBUG_LOG_DIR: "/d", CNI_TS_DEBUG_LOG_MAX_BYTES: "0" }, { debugLog: "a", debugLogMaxBytes: 10 }),
    ).toEqual({ path: "/b", level: "info", maxBytes: 0 });
    expect(debugLogSettings({ CNI_TS_DEBUG_LOG: "/b" }, undefined)?.maxBytes).toBe(DEFAULT_DEBUG_LOG_MAX_BYTES);
  });
});

describe("startInvocationLog", () => {
  it("writes one line with the invocation's facts, error code included", () => {
    const path = join(dir, "log");
    const log = startInvocationLog("bridge", env({ CNI_TS_DEBUG_LOG: path }));
    log.stdin(Buffer.from(JSON.stringify({ name: "net1", cniVersion: "1.0.0" })));
    log.stdout(JSON.stringify({ cniVersion: "1.0.0", code: 7, msg: "invalid config" }));
    log.finish(1);
    const [line, ...rest] = lines(path);
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      plugin: "bridge",
      verb: "ADD",
      network: "net1",
      cniVersion: "1.0.0",
      containerId: "ctr1",
      ifName: "eth0",
      netns: "/var/run/netns/x",
      outcome: "error",
      code: 7,
      msg: "invalid config",
      pid: process.pid,
    });
    expect(line!.durationMs).toBeGreaterThanOrEqual(0);
    // processMs counts from the process's start, so it covers the invocation's own duration.
    expect(line!.processMs).toBeGreaterThanOrEqual(line!.durationMs as number);
    expect(Date.parse(line!.time as string)).not.toBeNaN();
    expect(line).not.toHaveProperty("steps");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("is armed by the config key, and at debug level records steps, config and output", () => {
    const path = join(dir, "log");
    const log = startInvocationLog("loopback", env({ CNI_TS_DEBUG_LOG_DIR: dir }));
    expect(debugStepsEnabled()).toBe(false);
    log.stdin(Buffer.from(JSON.stringify({ name: "lo", debugLog: "log", debugLogLevel: "debug" })));
    logStep("lo up", { ifindex: 1 });
    logStep("done");
    log.stdout(JSON.stringify({ cniVersion: "1.0.0", ips: [] }));
    log.finish(0);
    expect(debugStepsEnabled()).toBe(false);
    const [line] = lines(path);
    expect(line).toMatchObject({ outcome: "ok", code: null, network: "lo", output: { ips: [] }, config: { name: "lo" } });
    expect((line!.steps as { name: string }[]).map((s) => s.name)).toEqual(["lo up", "done"]);
    expect((line!.steps as { detail?: unknown }[])[0]!.detail).toEqual({ ifindex: 1 });
    // Each step's duration runs from the step before it: together they make the last step's end.
    const timed = line!.steps as { ms: number; durationMs: number }[];
    expect(timed.every((t) => t.durationMs >= 0)).toBe(true);
    expect(timed[0]!.durationMs).toBe(timed[0]!.ms);
    expect(timed[0]!.durationMs + timed[1]!.durationMs).toBeCloseTo(timed[1]!.ms, 2);
  });

  it("does nothing when off, and logStep is a no-op", () => {
    const reports: string[] = [];
    const log = startInvocationLog("bridge", env({}), (m) => reports.push(m));
    log.stdin(Buffer.from(JSON.stringify({ name: "n" })));
    logStep("ignored");
    log.finish(0);
    expect(debugStepsEnabled()).toBe(false);
    // Nothing was attempted: no write failure to report, no file in the test's directory.
    expect(reports).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("never throws when the log cannot be written, and reports on the given channel", () => {
    const reports: string[] = [];
    const log = startInvocationLog("bridge", env({ CNI_TS_DEBUG_LOG: join(dir, "missing-dir", "log") }), (m) => reports.push(m));
    log.finish(0);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/cannot write .*ENOENT/);
  });

  it("skips invocations without CNI_COMMAND (about text)", () => {
    const path = join(dir, "log");
    startInvocationLog("bridge", { CNI_TS_DEBUG_LOG: path }).finish(0);
    expect(existsSync(path)).toBe(false);
  });
});

describe("where the log may be written", () => {
  it("refuses a relative path and a directory others can write, and writes nothing", () => {
    const open = join(dir, "open");
    mkdirSync(open);
    chmodSync(open, 0o1777);
    for (const [path, reason] of [
      ["relative.log", /not an absolute path/],
      [join(open, "log"), /writable by group or others/],
    ] as const) {
      const reports: string[] = [];
      startInvocationLog("bridge", env({ CNI_TS_DEBUG_LOG: path }), (m) => reports.push(m)).finish(0);
      expect(reports).toEqual([expect.stringMatching(reason)]);
    }
    expect(existsSync("relative.log")).toBe(false);
    expect(readdirSync(open)).toEqual([]);
  });
});
