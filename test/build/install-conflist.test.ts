// `cni-ts install` as a node's installer: plugins plus the node's conflist,
// written atomically and only when it changes; the written files then give
// a pod its address when a runtime (libcni) runs them in a throwaway node.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { DIST_BIN, REFERENCE_BIN } from "../helpers/run-plugin.ts";
import { buildDriver } from "../libcni/driver.ts";
import { expectPodLifecycle, hostLocalNetworkDir } from "../helpers/pod-on-node.ts";

const CNI_TS = join(DIST_BIN, "cni-ts");

function install(args: string[], env: Record<string, string> = {}) {
  return spawnSync(CNI_TS, ["install", ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
  });
}

describe("cni-ts install --pod-cidr: the node's conflist", () => {
  let work: string;
  let bin: string;
  let conf: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), "cnits-installconf-"));
    bin = join(work, "opt/cni/bin");
    conf = join(work, "etc/cni/net.d");
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it("writes the conflist once and leaves the file alone while nothing changes", () => {
    const first = install(["--cni-bin-dir", bin, "--cni-conf-dir", conf, "--pod-cidr", "10.244.1.9/24"]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`wrote ${join(conf, "10-cni-ts.conflist")} for 10\\.244\\.1\\.0/24(, MTU \\d+)?\n`));
    const file = join(conf, "10-cni-ts.conflist");
    const before = statSync(file);
    expect(before.mode & 0o777).toBe(0o644);
    const list = JSON.parse(readFileSync(file, "utf8"));
    expect(list.plugins.map((p: { type: string }) => p.type)).toEqual(["bridge"]);
    expect(list.plugins[0].ipam.ranges).toEqual([[{ subnet: "10.244.1.0/24" }]]);

    const again = install(["--cni-bin-dir", bin, "--cni-conf-dir", conf, "--pod-cidr", "10.244.1.0/24"]);
    expect(again.stdout).toContain("kept (unchanged)");
    const after = statSync(file);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    // the same settings from the environment, as a DaemonSet gives them
    const fromEnv = install([], { CNI_TS_CNI_BIN_DIR: bin, CNI_TS_CNI_CONF_DIR: conf, CNI_TS_POD_CIDR: "10.244.1.0/24" });
    expect(fromEnv.stdout).toContain("kept (unchanged)");

    const changed = install(["--cni-bin-dir", bin, "--cni-conf-dir", conf, "--pod-cidr", "10.244.2.0/24", "--no-hairpin"]);
    expect(changed.stdout).toContain("wrote");
    expect(statSync(file).ino).not.toBe(before.ino);
    expect(JSON.parse(readFileSync(file, "utf8")).plugins[0].hairpinMode).toBe(false);
    // no temp file left in the directory the runtime watches
    expect(readdirSync(conf)).toEqual(["10-cni-ts.conflist"]);
  });

  it("chains portmap on auto only when the bin directory has one", () => {
    install(["--cni-bin-dir", bin, "--cni-conf-dir", conf, "--pod-cidr", "10.244.1.0/24"]);
    copyFileSync(join(REFERENCE_BIN, "portmap"), join(bin, "portmap"));
    const withPortmap = install(["--cni-bin-dir", bin, "--cni-conf-dir", conf, "--pod-cidr", "10.244.1.0/24"]);
    expect(withPortmap.stdout).toContain("with portmap");
    const list = JSON.parse(readFileSync(join(conf, "10-cni-ts.conflist"), "utf8"));
    expect(list.plugins.map((p: { type: string }) => p.type)).toEqual(["bridge", "portmap"]);
    const off = install(["--cni-bin-dir", bin, "--cni-conf-dir", conf, "--pod-cidr", "10.244.1.0/24", "--portmap", "off"]);
    expect(off.stdout).not.toContain("with portmap");
  });

  it("refuses bad input before touching either directory", () => {
    for (const args of [
      ["--pod-cidr", "10.244.1.0"],
      ["--pod-cidr", "10.0.0.0/24", "--pod-cidr", "10.1.0.0/24"],
      ["--pod-cidr", "10.0.0.0/24", "--bridge", "x".repeat(16)],
      ["--portmap", "maybe"],
      // what cni-ts validate refuses, and what would take over the node's routing
      ["--pod-cidr", "0.0.0.0/0"],
      ["--pod-cidr", "127.0.0.0/8"],
      ["--pod-cidr", "224.0.0.0/4"],
      ["--pod-cidr", "10.244.0.0/12"],
      ["--pod-cidr", "169.254.0.0/16"],
      ["--pod-cidr", "10.244.1.0/24", "--pod-cidr-min-prefix-v4", "25"],
    ]) {
      const run = install(["--cni-bin-dir", bin, "--cni-conf-dir", conf, ...args]);
      expect(run.status, args.join(" ")).toBe(1);
      expect(run.stderr).toMatch(/^cni-ts: /);
      expect(readdirSync(work)).toEqual([]);
    }
    // a CIDR only the plugins' own rules refuse: the conflist is checked as cni-ts validate checks it
    const mapped = install(["--cni-bin-dir", bin, "--cni-conf-dir", conf, "--pod-cidr", "::ffff:10.0.0.0/120"]);
    expect(mapped.status).toBe(1);
    expect(mapped.stderr).toMatch(/^cni-ts: the conflist would not pass cni-ts validate: .*IPv4-mapped/);
    expect(readdirSync(work)).toEqual([]);
  });
});

describe("the installed plugins and conflist give a pod an address", () => {
  let work: string;
  let node: TestNetns;
  let pod: TestNetns;
  let network: string;
  beforeAll(() => {
    buildDriver();
  });
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), "cnits-installpod-"));
    node = createNetns("node");
    pod = createNetns("pod");
    network = `cnits-${randomBytes(4).toString("hex")}`;
  });
  afterEach(() => {
    pod.remove();
    node.remove();
    rmSync(work, { recursive: true, force: true });
    rmSync(hostLocalNetworkDir(network), { recursive: true, force: true });
  });

  it("ADD, CHECK and DEL through libcni with the files exactly as installed (dual stack, portmap chained)", () => {
    const bin = join(work, "bin");
    const conf = join(work, "net.d");
    const bridge = `cnits${randomBytes(3).toString("hex")}`;
    execFileSync("mkdir", ["-p", bin]);
    copyFileSync(join(REFERENCE_BIN, "portmap"), join(bin, "portmap"));
    const run = install([
      "--cni-bin-dir",
      bin,
      "--cni-conf-dir",
      conf,
      "--pod-cidr",
      "10.99.1.0/24,fd00:99:1::/64",
      "--bridge",
      bridge,
      "--network-name",
      network,
    ]);
    expect(run.status, run.stderr).toBe(0);
    const conflist = join(conf, "10-cni-ts.conflist");
    expectPodLifecycle({ bin, conflist, node, pod, cacheDir: join(work, "cache") }, ["10.99.1.2/24", "fd00:99:1::2/64"], "10.99.1.1");
    expect(node.ipJson<any[]>("link", "show", bridge)[0].ifname).toBe(bridge);
  });
});
