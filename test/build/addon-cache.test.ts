// The native addon cache of the single executable (src/native/embedded-addon.ts):
// code is loaded only from a private directory, and a tampered copy is replaced.
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useScratch } from "../helpers/netns.ts";
import { ROOT, ours, runPlugin } from "../helpers/run-plugin.ts";

const ADDON = join(ROOT, "native/build/Release/cni_ts_native.node");
const CONF = { cniVersion: "1.1.0", name: "cnits-cache", type: "loopback" };

describe("native addon cache", () => {
  const scratch = useScratch("cache");

  /** loopback ADD needs setns, so it loads the addon. */
  function addWithCache(cacheDir: string) {
    return runPlugin(
      ours("loopback"),
      {
        CNI_COMMAND: "ADD",
        CNI_CONTAINERID: "cnits-cache",
        CNI_NETNS: scratch.netns.path,
        CNI_IFNAME: "lo",
        CNI_PATH: "/nonexistent",
        CNI_TS_CACHE_DIR: cacheDir,
      },
      CONF,
    );
  }

  function expectRefused(run: ReturnType<typeof addWithCache>, text: RegExp) {
    expect(run.status).toBe(1);
    expect(run.json, run.stdout + run.stderr).toMatchObject({ code: 102 });
    expect(run.json.msg).toMatch(text);
    // nothing was done in the namespace
    expect(scratch.netns.exec("ip", "-o", "link", "show", "lo")).toContain("state DOWN");
  }

  it("creates a private 0700 directory and loads the addon from it", () => {
    const cache = join(scratch.work, "new", "cache");
    const run = addWithCache(cache);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const files = readdirSync(cache);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^cni_ts_native-[0-9a-f]{16}\.node$/);
    expect(readFileSync(join(cache, files[0]!)).equals(readFileSync(ADDON))).toBe(true);
    expect(scratch.netns.exec("ip", "-o", "link", "show", "lo")).toMatch(/UP/);
  });

  it("refuses a cache directory that is a symlink", () => {
    const real = join(scratch.work, "real");
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(scratch.work, "link"));
    expectRefused(addWithCache(join(scratch.work, "link")), /symlink/);
  });

  it("refuses a world-writable cache directory", () => {
    const cache = join(scratch.work, "open");
    mkdirSync(cache);
    chmodSync(cache, 0o777);
    expectRefused(addWithCache(cache), /mode 777/);
  });

  it("refuses a cache directory owned by another user", () => {
    const cache = join(scratch.work, "theirs");
    mkdirSync(cache, { mode: 0o700 });
    chownSync(cache, 65534, 65534);
    expectRefused(addWithCache(cache), /owned by uid 65534/);
  });

  it("refuses a cache directory under a directory others can write", () => {
    const open = join(scratch.work, "open-parent");
    mkdirSync(open);
    chmodSync(open, 0o777);
    const cache = join(open, "cache");
    mkdirSync(cache, { mode: 0o700 });
    expectRefused(addWithCache(cache), /another user can modify/);
  });

  it("replaces a tampered cached addon", () => {
    const cache = join(scratch.work, "cache");
    expect(addWithCache(cache).status).toBe(0);
    const [file] = readdirSync(cache);
    const path = join(cache, file!);
    writeFileSync(path, "not an ELF object");
    chmodSync(path, 0o700);
    scratch.netns.exec("ip", "link", "set", "lo", "down");

    const run = addWithCache(cache);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(readFileSync(path).equals(readFileSync(ADDON))).toBe(true);
    expect(readdirSync(cache)).toEqual([file]);
    expect(scratch.netns.exec("ip", "-o", "link", "show", "lo")).toMatch(/UP/);
  });
});
