/**
 * The by-hand path a new user is given, run as written: docs/USING.md's
 * "Trying it by hand" block (the README copies it) and `npm run try`. Only
 * the block's namespace names get random suffixes. Each runs in throwaway
 * namespaces and must leave the root namespace's links, addresses, routes
 * and forwarding exactly as they were. Needs root and dist/bin.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fencedBlocks, markdownSection } from "../helpers/markdown.ts";
import { netState } from "../helpers/net-state.ts";
import { TEST_PREFIX } from "../helpers/netns.ts";
import { ROOT } from "../helpers/run-plugin.ts";

const USING = readFileSync(join(ROOT, "docs/USING.md"), "utf8");
const [block] = fencedBlocks(markdownSection(USING, "Trying it by hand"), "sh");
const suffix = randomBytes(4).toString("hex");
const namespaces = { "cnits-try-node": `${TEST_PREFIX}try-${suffix}-node`, "cnits-try-pod": `${TEST_PREFIX}try-${suffix}-pod` };

afterAll(() => {
  for (const ns of Object.values(namespaces)) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
});

/** `script` with each key of `swaps` replaced; every key must occur, so a docs edit cannot slip past. */
function redirect(script: string, swaps: Record<string, string>): string {
  let out = script;
  for (const [from, to] of Object.entries(swaps)) {
    expect(script, `the block no longer mentions ${from}`).toContain(from);
    out = out.split(from).join(to);
  }
  return out;
}

const tryDirs = () => readdirSync("/tmp").filter((name) => name.startsWith("cnits-try"));
const namespacesNow = () => spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;

describe("trying it by hand", () => {
  it("the README's block is docs/USING.md's, so the test below runs both", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(fencedBlocks(markdownSection(readme, "Trying it by hand"), "sh")[0]).toBe(block);
  });

  it("docs/USING.md's block works as written, leaves nothing behind and never touches the root namespace", () => {
    const root = netState(undefined, false);
    const dirs = tryDirs();
    const run = spawnSync("bash", ["-euo", "pipefail", "-c", redirect(block!, namespaces)], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    // ADD's result (tee), the pod's address, the gateway on the node's bridge, CHECK, then DEL released the address.
    expect(JSON.parse(run.stdout.slice(0, run.stdout.indexOf("\n}") + 2)).ips[0]).toMatchObject({ address: "198.18.0.2/24", gateway: "198.18.0.1" });
    expect(run.stdout).toMatch(/inet 198\.18\.0\.2\/24 .*eth0/);
    expect(run.stdout).toMatch(/inet 198\.18\.0\.1\/24 .*cnits-try0/);
    const afterCheck = run.stdout.split("CHECK ok\n");
    expect(afterCheck).toHaveLength(2);
    expect(afterCheck[1]!.split("\n")).not.toContain("198.18.0.2");
    expect(netState(undefined, false)).toEqual(root);
    for (const ns of Object.values(namespaces)) expect(namespacesNow()).not.toContain(ns);
    expect(tryDirs()).toEqual(dirs);
  }, 150_000);

  it("npm run try does ADD, CHECK and DEL, says what changed where, and never touches the root namespace", () => {
    const root = netState(undefined, false);
    const dirs = tryDirs();
    const run = spawnSync("npm", ["run", "--silent", "try"], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    for (const verb of ["ADD", "CHECK", "DEL"]) expect(run.stdout).toContain(`${verb} (exit 0)`);
    expect(run.stdout).toContain('"address": "198.18.0.2/24"');
    expect(run.stdout).toContain("+ address 198.18.0.1/24 on cnits-try0");
    expect(run.stdout).toContain("+ sysctl net.ipv4.ip_forward = 1");
    expect(run.stdout).toContain("198.18.0.2 released");
    expect(run.stdout).toContain("root namespace: unchanged");
    expect(netState(undefined, false)).toEqual(root);
    expect(namespacesNow()).not.toContain("cnits-try-");
    expect(tryDirs()).toEqual(dirs);
  }, 300_000);

  it("the light setup (which .ci/run also runs) installs what the block uses", () => {
    const setup = readFileSync(join(ROOT, "scripts/setup-debian.sh"), "utf8");
    const light = setup.slice(0, setup.indexOf("if $full; then"));
    expect(light).toContain("packages=(");
    for (const pkg of ["iproute2", "iptables", "jq"]) expect(light).toMatch(new RegExp(`\\s${pkg}\\s`));
  });
});
