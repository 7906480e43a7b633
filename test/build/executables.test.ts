// The built single executable: one file under four names, self-contained,
// dispatching on its name.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DIST_BIN, ROOT } from "../helpers/run-plugin.ts";
import { ALL_SPEC_VERSIONS } from "../helpers/versions.ts";

const NAMES = ["cni-ts", "bridge", "loopback", "host-local"] as const;
const PLUGINS = ["bridge", "loopback", "host-local"] as const;
const packageVersion = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

/** Run with an empty environment: no PATH entry holds node, nothing inherited. */
function runBare(path: string, env: Record<string, string> = {}, args: string[] = []) {
  return spawnSync("/usr/bin/env", ["-i", "PATH=/nonexistent", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), path, ...args], {
    encoding: "utf8",
    input: "",
  });
}

describe("dist/bin", () => {
  it("holds cni-ts, bridge, loopback and host-local as hard links of one file", () => {
    const stats = NAMES.map((name) => statSync(join(DIST_BIN, name)));
    const inode = stats[0]!.ino;
    for (const stat of stats) {
      expect(stat.ino).toBe(inode);
      expect(stat.mode & 0o111).toBe(0o111);
    }
    expect(stats[0]!.nlink).toBeGreaterThanOrEqual(4);
    // one stripped runtime for all of them
    expect(stats[0]!.size).toBeLessThanOrEqual(130_000_000);
  });

  it("links only system libraries", () => {
    const out = execFileSync("ldd", [join(DIST_BIN, "cni-ts")], { encoding: "utf8" });
    const libs = out.split("\n").filter((l) => l.trim());
    expect(libs.length).toBeGreaterThan(0);
    for (const line of libs) {
      expect(line, line).toMatch(/^\s*(linux-vdso\.so\.1 |\/lib64\/ld-linux|\S+ => \/(usr\/)?lib\/x86_64-linux-gnu\/)/);
      expect(line).not.toMatch(/not found|node_modules|libnode/);
    }
  });

  it("cni-ts version runs with no Node in PATH and an empty environment", () => {
    const out = runBare(join(DIST_BIN, "cni-ts"), {}, ["version"]);
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^cni-ts \d+\.\d+\.\d+\S* \(node v24\./);
    expect(out.stdout).toContain("plugins: bridge, loopback, host-local");
  });

  it("runs with every Node installation on the machine hidden", () => {
    // A private mount namespace: node_modules emptied, the system node replaced by /dev/null.
    const hide = [
      `mount -t tmpfs cnits-hide ${join(ROOT, "node_modules")}`,
      "for n in /usr/bin/node /usr/local/bin/node /usr/bin/nodejs; do [ -e $n ] && mount --bind /dev/null $n; done",
      "if node -e 0 2>/dev/null; then echo node-still-runs; exit 3; fi",
      `CNI_COMMAND=VERSION exec ${join(DIST_BIN, "loopback")}`,
    ].join("; ");
    const out = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", hide], { encoding: "utf8" });
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).supportedVersions).toEqual([...ALL_SPEC_VERSIONS]);
  });

  it("answers VERSION from the small entry bundle, a runtime's verbs from the plugin's own bundle and the CLI from the full one, each with V8's code cache", () => {
    const debug = { CNI_TS_DEBUG_CODE_CACHE: "1" };
    const version = runBare(join(DIST_BIN, "bridge"), { ...debug, CNI_COMMAND: "VERSION" });
    expect(version.status).toBe(0);
    expect(version.stderr).toBe("");
    // A verb with no config: it loads the handlers and fails before touching anything.
    for (const plugin of PLUGINS) {
      const verb = runBare(join(DIST_BIN, plugin), { ...debug, CNI_COMMAND: "DEL", CNI_CONTAINERID: "c", CNI_IFNAME: "eth0", CNI_PATH: DIST_BIN });
      expect(JSON.parse(verb.stdout)).toMatchObject({ code: 6, msg: "error unmarshall network config: unexpected end of JSON input" });
      expect(verb.stderr).toBe(`cni-ts: code cache for plugin-${plugin}.cjs accepted\n`);
    }
    const cli = runBare(join(DIST_BIN, "cni-ts"), debug, ["version"]);
    expect(cli.status).toBe(0);
    expect(cli.stderr).toBe("cni-ts: code cache for full.cjs accepted\n");
    const help = runBare(join(DIST_BIN, "bridge"), debug, ["--help"]);
    expect(help.status).toBe(0);
    expect(help.stderr).toBe("cni-ts: code cache for full.cjs accepted\n");
  });

  it("the bundles are ASCII (V8 keeps them as one-byte strings); a plugin's own carries no commander, no other plugin and no IPv6 module", () => {
    const sea = join(ROOT, "dist/sea");
    const read = (name: string) => readFileSync(join(sea, name), "latin1");
    for (const name of ["main.cjs", "full.cjs", "ipv6.cjs", ...PLUGINS.map((p) => `plugin-${p}.cjs`)]) {
      expect(/[^\x00-\x7f]/.test(read(name)), name).toBe(false);
      expect(read(name).includes("node_modules/commander/"), name).toBe(name === "full.cjs");
      // ip-address's IPv6 module is a bundle of its own, loaded only for IPv6 addresses.
      expect(read(name).includes("node_modules/ip-address/dist/ipv6.js"), name).toBe(name === "ipv6.cjs");
      // zod (its base schema class's name marks its core) only where a config is parsed.
      expect(read(name).includes('"$ZodType"'), name).toBe(["full.cjs", "plugin-bridge.cjs", "plugin-host-local.cjs"].includes(name));
    }
    // VERSION never loads the addon: the small bundle that answers it does not carry its loader.
    expect(read("main.cjs")).not.toContain("function loadEmbeddedAddon");
    const modules = (name: string) => new Set([...read(name).matchAll(/__esm\(\{"((?:plugins|ipam)\/[^/]+)\//g)].map((m) => m[1]));
    expect(modules("plugin-bridge.cjs")).toEqual(new Set(["plugins/bridge", "ipam/host-local"]));
    expect(modules("plugin-loopback.cjs")).toEqual(new Set(["plugins/loopback"]));
    expect(modules("plugin-host-local.cjs")).toEqual(new Set(["ipam/host-local"]));
  });

  it("answers a config its generated validator refuses with zod's message", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "cnits-refused-"));
    try {
      const run = (ranges: unknown) =>
        spawnSync(join(DIST_BIN, "host-local"), {
          encoding: "utf8",
          input: JSON.stringify({ cniVersion: "1.0.0", name: "zodasset", type: "host-local", ipam: { type: "host-local", dataDir, ranges } }),
          env: {
            PATH: "/usr/bin:/bin",
            CNI_TS_DEBUG_CODE_CACHE: "1",
            CNI_COMMAND: "ADD",
            CNI_CONTAINERID: "c1",
            CNI_NETNS: "/run/netns/cnits-zod-asset",
            CNI_IFNAME: "eth0",
            CNI_PATH: DIST_BIN,
          },
        });
      const valid = run([[{ subnet: "10.99.0.0/24" }]]);
      expect(JSON.parse(valid.stdout)).toMatchObject({ ips: [{ address: "10.99.0.2/24" }] });
      expect(valid.stderr).toBe("cni-ts: code cache for plugin-host-local.cjs accepted\n");
      const refused = run([[{ subnet: 5 }]]);
      expect(refused.status).not.toBe(0);
      expect(JSON.parse(refused.stdout)).toMatchObject({
        code: 7,
        msg: "invalid network config: ipam.ranges[0][0].subnet: Invalid input: expected string, received number (got 5)",
      });
      expect(refused.stderr).toBe("cni-ts: code cache for plugin-host-local.cjs accepted\n");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("starts one V8 worker thread, however many CPUs the node has", async () => {
    // A plugin blocks reading stdin until EOF; its threads are named by themselves, soon after they start.
    const env = { CNI_COMMAND: "ADD", CNI_CONTAINERID: "cnits-threads", CNI_NETNS: "/run/netns/cnits-none", CNI_IFNAME: "lo", CNI_PATH: DIST_BIN };
    const child = spawn(join(DIST_BIN, "loopback"), [], { env, stdio: ["pipe", "ignore", "ignore"] });
    const threadNames = () => readdirSync(`/proc/${child.pid}/task`).map((tid) => readFileSync(`/proc/${child.pid}/task/${tid}/comm`, "utf8").trim());
    const readingStdin = () => readFileSync(`/proc/${child.pid}/syscall`, "utf8").startsWith("0 0x0 ");
    try {
      for (let i = 0; i < 500 && !(readingStdin() && threadNames().includes("V8Worker")); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(threadNames().filter((name) => name === "V8Worker")).toEqual(["V8Worker"]);
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });

  it("cni-ts rejects an unknown command", () => {
    const out = runBare(join(DIST_BIN, "cni-ts"), {}, ["no-such-command"]);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain("unknown command");
  });

  describe.each(PLUGINS)("%s", (plugin) => {
    it("CNI_COMMAND=VERSION prints all seven spec versions, with no Node in PATH", () => {
      const out = runBare(join(DIST_BIN, plugin), { CNI_COMMAND: "VERSION" });
      expect(out.status, out.stderr).toBe(0);
      const json = JSON.parse(out.stdout);
      expect(json.cniVersion).toBe("1.1.0");
      expect(json.supportedVersions).toEqual([...ALL_SPEC_VERSIONS]);
    });

    it("prints its about text on stderr and exits 0 when CNI_COMMAND is unset", () => {
      const out = runBare(join(DIST_BIN, plugin));
      expect(out.status, out.stderr).toBe(0);
      expect(out.stdout).toBe("");
      expect(out.stderr).toBe(`CNI ${plugin} plugin v${packageVersion}+cni-ts\nCNI protocol versions supported: ${ALL_SPEC_VERSIONS.join(", ")}\n`);
    });
  });
});
