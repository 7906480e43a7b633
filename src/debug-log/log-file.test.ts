import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKER_LINE, appendLogLine, checkLogDirectory } from "./log-file.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cnits-logfile-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const LINE = Buffer.from("line\n");
const isRoot = process.geteuid?.() === 0;

describe("appendLogLine", () => {
  it("creates the file whole: marker line first, mode 0600, no temporary file left", () => {
    const path = join(dir, "log");
    appendLogLine(path, LINE, 0);
    appendLogLine(path, LINE, 0);
    expect(readFileSync(path, "utf8")).toBe(`${MARKER_LINE}line\nline\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(execFileSync("ls", ["-A", dir], { encoding: "utf8" }).trim()).toBe("log");
  });

  it.each([
    ["an administrator's file (no marker)", (p: string) => writeFileSync(p, "precious\n"), /no marker line/],
    ["a symlink to one", (p: string) => (writeFileSync(join(dir, "target"), "precious\n"), symlinkSync(join(dir, "target"), p)), /ELOOP/],
    ["a hard link of one of ours", (p: string) => (appendLogLine(join(dir, "ours"), LINE, 0), linkSync(join(dir, "ours"), p)), /2 links/],
    ["a FIFO", (p: string) => execFileSync("mkfifo", [p]), /ENXIO|not a regular file/],
    ["a directory", (p: string) => mkdirSync(p), /EISDIR|not a regular file/],
  ])("never writes to %s", (_what, plant, error) => {
    const path = join(dir, "log");
    plant(path);
    const before = existsSync(join(dir, "target")) ? readFileSync(join(dir, "target"), "utf8") : undefined;
    expect(() => appendLogLine(path, LINE, 1)).toThrow(error);
    if (before !== undefined) expect(readFileSync(join(dir, "target"), "utf8")).toBe(before);
    expect(existsSync(`${path}.1`)).toBe(false);
  });

  it("never writes to a file of another user, even with the marker", (ctx) => {
    ctx.skip(!isRoot, "needs root to create a file owned by another user");
    const path = join(dir, "log");
    writeFileSync(path, MARKER_LINE);
    chownSync(path, 65534, 65534);
    expect(() => appendLogLine(path, LINE, 0)).toThrow(/uid 65534/);
    expect(readFileSync(path, "utf8")).toBe(MARKER_LINE);
  });

  it("rotates its own file to <file>.1 when the next line would pass the limit", () => {
    const path = join(dir, "log");
    const line = Buffer.from(`${"x".repeat(99)}\n`);
    const limit = MARKER_LINE.length + 1000;
    for (let i = 0; i < 10; i++) appendLogLine(path, line, limit);
    expect(statSync(path).size).toBe(limit);
    expect(existsSync(`${path}.1`)).toBe(false);
    appendLogLine(path, Buffer.from("next\n"), limit);
    expect(readFileSync(path, "utf8")).toBe(`${MARKER_LINE}next\n`);
    expect(statSync(`${path}.1`).size).toBe(limit);
    appendLogLine(path, line, limit); // and again over an old generation of its own
    appendLogLine(path, line, MARKER_LINE.length + 10);
    expect(readFileSync(`${path}.1`, "utf8")).toBe(`${MARKER_LINE}next\n${line.toString()}`);
  });

  it.each([
    ["a file it did not create", (p: string) => writeFileSync(p, "precious\n")],
    ["a symlink", (p: string) => symlinkSync("/etc/hostname", p)],
  ])("never rotates over %s at <file>.1", (_what, plant) => {
    const path = join(dir, "log");
    appendLogLine(path, LINE, 0);
    plant(`${path}.1`);
    const before = execFileSync("ls", ["-l", `${path}.1`], { encoding: "utf8" });
    expect(() => appendLogLine(path, LINE, 1)).toThrow(/not created by the debug log/);
    expect(execFileSync("ls", ["-l", `${path}.1`], { encoding: "utf8" })).toBe(before);
    expect(readFileSync(path, "utf8")).toBe(`${MARKER_LINE}line\n`);
  });

  it("the reported attack: a 1-byte limit on someone else's file renames nothing", () => {
    const victim = join(dir, "x");
    writeFileSync(victim, "precious\n");
    expect(() => appendLogLine(victim, LINE, 1)).toThrow(/no marker line/);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(existsSync(`${victim}.1`)).toBe(false);
  });
});

describe("checkLogDirectory", () => {
  it("accepts a private directory of ours", () => {
    expect(() => checkLogDirectory(dir)).not.toThrow();
  });
  it.each([
    ["world-writable", 0o777],
    ["sticky and world-writable (like /tmp)", 0o1777],
    ["group-writable", 0o775],
  ])("refuses a %s directory", (_what, mode) => {
    const d = join(dir, "d");
    mkdirSync(d);
    chmodSync(d, mode);
    expect(() => checkLogDirectory(d)).toThrow(/writable by group or others/);
  });
  it("refuses a file, and a missing directory", () => {
    writeFileSync(join(dir, "f"), "");
    expect(() => checkLogDirectory(join(dir, "f"))).toThrow(/not a directory/);
    expect(() => checkLogDirectory(join(dir, "missing"))).toThrow(/ENOENT/);
  });
  it("refuses a directory owned by another user", (ctx) => {
    ctx.skip(!isRoot, "needs root to create a directory owned by another user");
    const d = join(dir, "d");
    mkdirSync(d, { mode: 0o755 });
    chownSync(d, 65534, 65534);
    expect(() => checkLogDirectory(d)).toThrow(/owned by uid 65534/);
  });
});
