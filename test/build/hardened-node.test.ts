// Hardened nodes: /var/lib/cni-ts read-only or noexec. The installed addon
// beside the executables keeps every plugin working; without it (or with a
// tampered copy) the plugins fall back to the cache, which such a node cannot
// offer. Each case runs in a private mount namespace (unshare -m) whose
// /var/lib is a fresh tmpfs, so nothing is mounted over the machine's.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useScratch } from "../helpers/netns.ts";
import { DIST_BIN } from "../helpers/run-plugin.ts";

const CONF = JSON.stringify({ cniVersion: "1.1.0", name: "cnits-hardened", type: "loopback" });

/** Mount options for /var/lib/cni-ts inside the private namespace. */
const HARDENINGS = {
  "read-only": "ro",
  noexec: "noexec",
} as const;

describe.each(Object.entries(HARDENINGS))("/var/lib/cni-ts mounted %s", (_label, options) => {
  const scratch = useScratch("hardened");

  /** loopback ADD (it needs the addon for setns) from `bin`, with /var/lib/cni-ts hardened. */
  function loopbackAdd(bin: string) {
    // The cache directory exists (as a previous writable boot left it) but lies on the hardened mount.
    const script = [
      "set -e",
      "mount -t tmpfs -o mode=755 cnits-varlib /var/lib",
      "mkdir -p -m 700 /var/lib/cni-ts/cache",
      `mount -t tmpfs -o ${options},mode=755 cnits-cni-ts /var/lib/cni-ts`,
      "mkdir -p -m 700 /var/lib/cni-ts/cache 2>/dev/null || true",
      `mount -o remount,${options} /var/lib/cni-ts`,
      'exec "$@"',
    ].join("\n");
    const out = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh", join(bin, "loopback")], {
      input: CONF,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        CNI_COMMAND: "ADD",
        CNI_CONTAINERID: "cnits-hardened",
        CNI_NETNS: scratch.netns.path,
        CNI_IFNAME: "lo",
        CNI_PATH: bin,
      },
    });
    return { status: out.status, stdout: out.stdout, stderr: out.stderr };
  }

  function install(): string {
    const bin = join(scratch.work, "bin");
    const run = spawnSync(join(DIST_BIN, "cni-ts"), ["install", "--cni-bin-dir", bin], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    return bin;
  }

  function loUp(): boolean {
    return /\bUP\b/.test(scratch.netns.exec("ip", "-o", "link", "show", "lo").split("state")[0]!);
  }

  it("works with the addon installed beside the executables", () => {
    const bin = install();
    const run = loopbackAdd(bin);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(loUp()).toBe(true);
  });

  it("fails with 102 without it (the cache is the only other source)", () => {
    const run = loopbackAdd(DIST_BIN);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ code: 102 });
    expect(loUp()).toBe(false);
  });

  it("does not load an installed copy that differs from the embedded addon", () => {
    const bin = install();
    const [addon] = readdirSync(bin).filter((name) => name.endsWith(".node"));
    const bytes = readFileSync(join(bin, addon!));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(join(bin, addon!), bytes);
    const run = loopbackAdd(bin);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ code: 102 });
    expect(loUp()).toBe(false);
  });
});

describe("installed addon on a writable node", () => {
  const scratch = useScratch("beside");

  function loopbackAdd(bin: string, cache: string) {
    return spawnSync(join(bin, "loopback"), [], {
      input: CONF,
      encoding: "utf8",
      env: {
        PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
        CNI_COMMAND: "ADD",
        CNI_CONTAINERID: "c",
        CNI_NETNS: scratch.netns.path,
        CNI_IFNAME: "lo",
        CNI_PATH: bin,
        CNI_TS_CACHE_DIR: cache,
      },
    });
  }

  it("is used instead of the cache; a copy others could write, or a tampered one, falls back to the cache", () => {
    const bin = join(scratch.work, "bin");
    expect(spawnSync(join(DIST_BIN, "cni-ts"), ["install", "--cni-bin-dir", bin]).status).toBe(0);
    const [addon] = readdirSync(bin).filter((name) => name.endsWith(".node"));
    expect(addon).toMatch(/^cni_ts_native-[0-9a-f]{16}\.node$/);

    const unused = join(scratch.work, "cache-unused");
    const run = loopbackAdd(bin, unused);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(() => readdirSync(unused)).toThrow(/ENOENT/);

    spawnSync("chmod", ["666", join(bin, addon!)]);
    const writable = join(scratch.work, "cache-writable");
    expect(loopbackAdd(bin, writable).status).toBe(0);
    expect(readdirSync(writable)).toEqual([addon]);

    spawnSync("chmod", ["644", join(bin, addon!)]);
    writeFileSync(join(bin, addon!), Buffer.concat([readFileSync(join(bin, addon!)), Buffer.from([0])]));
    const tampered = join(scratch.work, "cache-tampered");
    expect(loopbackAdd(bin, tampered).status).toBe(0);
    expect(readdirSync(tampered)).toEqual([addon]);
  });

  it("replaces another build's addon on install", () => {
    const bin = join(scratch.work, "bin");
    spawnSync("mkdir", ["-p", bin]);
    writeFileSync(join(bin, "cni_ts_native-0000000000000000.node"), "old build");
    expect(spawnSync(join(DIST_BIN, "cni-ts"), ["install", "--cni-bin-dir", bin]).status).toBe(0);
    expect(readdirSync(bin).filter((name) => name.endsWith(".node"))).toHaveLength(1);
    expect(readdirSync(bin)).not.toContain("cni_ts_native-0000000000000000.node");
  });
});
