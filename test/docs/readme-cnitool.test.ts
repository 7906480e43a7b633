/**
 * The README's cnitool path, run as written: the example conflist, the
 * packages to install (which scripts/setup-debian.sh, run by .ci/run, must install too), the cnitool build
 * with Debian's Go and the add / inspect / del commands. Only what points at
 * the machine is redirected: the plugin and config directories, the libcni
 * cache and host-local's store go to scratch directories, and the README's
 * namespace names get random suffixes. Needs root, `go` and dist/bin.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { goEnv } from "../helpers/go.ts";
import { fencedBlocks, markdownSection } from "../helpers/markdown.ts";
import { TEST_PREFIX } from "../helpers/netns.ts";
import { DIST_BIN, ROOT } from "../helpers/run-plugin.ts";
import { allocations, cachedResults } from "../libcni/fixtures.ts";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const exampleSection = markdownSection(README, "Example network configuration");
const [conflistText] = fencedBlocks(exampleSection, "json");
const conflistPath = /^`(\/etc\/cni\/net\.d\/[^`]+\.conflist)`:$/m.exec(exampleSection)?.[1];
const [installBlock, buildBlock, flowBlock] = fencedBlocks(markdownSection(README, "Trying it by hand"), "sh");

const scratch = mkdtempSync(join(tmpdir(), "cnits-readme-"));
const dirs = { bin: join(scratch, "bin"), conf: join(scratch, "net.d"), cache: join(scratch, "cache"), data: join(scratch, "ipam") };
for (const dir of Object.values(dirs)) mkdirSync(dir);
const suffix = randomBytes(4).toString("hex");
const namespaces = { "cnits-node": `${TEST_PREFIX}node-${suffix}`, "cnits-try": `${TEST_PREFIX}try-${suffix}` };

afterAll(() => {
  for (const ns of Object.values(namespaces)) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  rmSync(scratch, { recursive: true, force: true });
});

/** `script` with each key of `swaps` replaced; every key must occur, so a README edit cannot slip past. */
function redirect(script: string, swaps: Record<string, string>): string {
  let out = script;
  for (const [from, to] of Object.entries(swaps)) {
    expect(script, `README command no longer mentions ${from}`).toContain(from);
    out = out.split(from).join(to);
  }
  return out;
}

function bash(script: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  return spawnSync("bash", ["-euo", "pipefail", "-c", script], { cwd: ROOT, env, encoding: "utf8", timeout: 240_000 });
}

describe("README: trying it by hand with cnitool", () => {
  it("the example conflist is one Debian's libcni can run (cniVersion ≤ 1.0.0)", () => {
    expect(conflistPath).toBeDefined();
    const conflist = JSON.parse(conflistText!) as { cniVersion: string };
    expect(["0.3.1", "0.4.0", "1.0.0"]).toContain(conflist.cniVersion);
  });

  it("the setup script (.ci/run runs it) installs every package the README tells a user to install", () => {
    const packages = /apt-get install (.*)$/m.exec(installBlock!)![1]!.split(/\s+/).filter((word) => !word.startsWith("-"));
    expect(packages.length).toBeGreaterThan(0);
    const setup = readFileSync(join(ROOT, "scripts/setup-debian.sh"), "utf8");
    expect(readFileSync(join(ROOT, ".ci/run"), "utf8")).toContain("scripts/setup-debian.sh");
    for (const name of packages) expect(setup).toMatch(new RegExp(`\\s${name.replace(/[.+]/g, "\\$&")}\\s`));
  });

  it("the build command, then add / inspect / del, work as written", () => {
    const env = { ...process.env, GOCACHE: goEnv().GOCACHE! } as Record<string, string>;
    mkdirSync(env.GOCACHE!, { recursive: true });
    const build = bash(redirect(buildBlock!, { "/usr/local/bin/cnitool": join(dirs.bin, "cnitool") }), env);
    expect(build.status, build.stderr).toBe(0);

    // The documented list, with host-local's store moved off the machine's /var/lib/cni.
    const conflist = JSON.parse(conflistText!) as { plugins: { ipam?: Record<string, unknown> }[] };
    for (const plugin of conflist.plugins) if (plugin.ipam) plugin.ipam.dataDir = dirs.data;
    writeFileSync(join(dirs.conf, conflistPath!.split("/").pop()!), JSON.stringify(conflist));

    const flow = redirect(flowBlock!, { "/opt/cni/bin": DIST_BIN, "/etc/cni/net.d": dirs.conf, ...namespaces });
    const run = bash(flow, { ...env, PATH: `${dirs.bin}:${env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`, CNI_CACHE_DIR: dirs.cache });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    // `cnitool add` prints the result, `ip addr show eth0` the address in the pod.
    expect(JSON.parse(run.stdout.slice(0, run.stdout.indexOf("\n}\n") + 2)).ips[0].address).toBe("10.88.0.2/16");
    expect(run.stdout).toMatch(/inet 10\.88\.0\.2\/16 .*eth0/);

    // del released everything, and both namespaces are gone.
    expect(allocations(dirs.data, "cnits-demo")).toEqual([]);
    expect(cachedResults(dirs.cache)).toEqual([]);
    const left = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
    for (const ns of Object.values(namespaces)) expect(left).not.toContain(ns);
  }, 300_000);
});
