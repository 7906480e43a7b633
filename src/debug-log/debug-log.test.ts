import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_DEBUG_LOG_MAX_BYTES,
  appendLogLine,
  debugLogSettings,
  debugStepsEnabled,
  logStep,
  startInvocationLog,
} from "./debug-log.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cnits-debuglog-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const env = (extra: Record<string, string>) => ({
  CNI_COMMAND: "ADD",
  CNI_CONTAINERID: "ctr1",
  CNI_IFNAME: "eth0",
  CNI_NETNS: "/var/run/netns/x",
  ...extra,
});

describe("debugLogSettings", () => {
  it("is off without the variable or the key", () => {
    expect(debugLogSettings({}, { name: "n" })).toBeUndefined();
  });
  it("reads the config keys, the environment winning key by key", () => {
    expect(debugLogSettings({}, { debugLog: "/a", debugLogLevel: "debug", debugLogMaxBytes: 10 })).toEqual({
      path: "/a",
      level: "debug",
      maxBytes: 10,
    });
    expect(
      debugLogSettings({ CNI_TS_DEBUG_LOG: "/b", CNI_TS_DEBUG_LOG_MAX_BYTES: "0" }, { debugLog: "/a", debugLogMaxBytes: 10 }),
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
    const log = startInvocationLog("loopback", env({}));
    expect(debugStepsEnabled()).toBe(false);
    log.stdin(Buffer.from(JSON.stringify({ name: "lo", debugLog: path, debugLogLevel: "debug" })));
    logStep("lo up", { ifindex: 1 });
    logStep("done");
    log.stdout(JSON.stringify({ cniVersion: "1.0.0", ips: [] }));
    log.finish(0);
    expect(debugStepsEnabled()).toBe(false);
    const [line] = lines(path);
    expect(line).toMatchObject({ outcome: "ok", code: null, network: "lo", output: { ips: [] }, config: { name: "lo" } });
    expect((line!.steps as { name: string }[]).map((s) => s.name)).toEqual(["lo up", "done"]);
    expect((line!.steps as { detail?: unknown }[])[0]!.detail).toEqual({ ifindex: 1 });
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

describe("appendLogLine", () => {
  it("refuses a symlink (O_NOFOLLOW) and a FIFO, leaving their targets alone", () => {
    const target = join(dir, "target");
    writeFileSync(target, "keep\n");
    symlinkSync(target, join(dir, "link"));
    expect(() => appendLogLine(join(dir, "link"), Buffer.from("x\n"), 0)).toThrow(/ELOOP/);
    expect(readFileSync(target, "utf8")).toBe("keep\n");
    execFileSync("mkfifo", [join(dir, "fifo")]);
    expect(() => appendLogLine(join(dir, "fifo"), Buffer.from("x\n"), 0)).toThrow(/ENXIO|not a regular file/);
  });

  it("rotates to <file>.1 when the next line would pass the limit", () => {
    const path = join(dir, "log");
    const line = Buffer.from(`${"x".repeat(99)}\n`);
    for (let i = 0; i < 10; i++) appendLogLine(path, line, 1000);
    expect(statSync(path).size).toBe(1000);
    expect(existsSync(`${path}.1`)).toBe(false);
    appendLogLine(path, Buffer.from("next\n"), 1000);
    expect(readFileSync(path, "utf8")).toBe("next\n");
    expect(statSync(`${path}.1`).size).toBe(1000);
    appendLogLine(path, line, 0);
    expect(statSync(path).size).toBe(105);
  });

  it("keeps an existing file's mode and refuses an unwritable one", () => {
    const path = join(dir, "log");
    writeFileSync(path, "");
    chmodSync(path, 0o400);
    if (process.getuid?.() === 0) return; // root writes anyway
    expect(() => appendLogLine(path, Buffer.from("x\n"), 0)).toThrow(/EACCES/);
  });
});
