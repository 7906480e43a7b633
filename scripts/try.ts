/**
 * `npm run try`: the bridge plugin (with host-local and ipMasq) by hand,
 * where it cannot touch the host: a temporary directory holds the plugins,
 * the config and host-local's store; a throwaway namespace plays the node
 * (every call runs in it through `ip netns exec`) and another the pod; the
 * subnet, 198.18.0.0/24, comes from the range set aside for benchmarking
 * (RFC 2544), which no runtime uses by default. It runs ADD, CHECK and DEL,
 * prints each result and what each changed in the two namespaces, checks
 * that the root namespace's links, addresses, routes and forwarding did not
 * change, and removes everything, also on error and on Ctrl-C. The same
 * steps as shell commands: docs/USING.md, "Trying it by hand".
 *
 * Usage (root): npm run try
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { netState } from "../test/helpers/net-state.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST_BIN = join(ROOT, "dist/bin");
const SUBNET = "198.18.0.0/24";

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function diff(before: string[], after: string[]): string[] {
  const was = new Set(before);
  const is = new Set(after);
  return [...before.filter((l) => !is.has(l)).map((l) => `- ${l}`), ...after.filter((l) => !was.has(l)).map((l) => `+ ${l}`)];
}

function ensureBuilt(): void {
  const out = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--if-stale"], { stdio: "inherit", cwd: ROOT });
  if (out.status !== 0) throw new Error("build failed");
}

/** The plugins the try runs in `bin`: one copy of the executable, hard-linked as host-local (bridge runs it from CNI_PATH). */
function installPlugins(bin: string): void {
  mkdirSync(bin);
  copyFileSync(join(DIST_BIN, "cni-ts"), join(bin, "bridge"));
  linkSync(join(bin, "bridge"), join(bin, "host-local"));
}

function main(): number {
  if (process.getuid?.() !== 0) {
    console.error("npm run try needs root (it creates network namespaces)");
    return 1;
  }
  ensureBuilt();
  const tag = randomBytes(3).toString("hex");
  const node = `cnits-try-${tag}-node`;
  const pod = `cnits-try-${tag}-pod`;
  const work = mkdtempSync("/tmp/cnits-try-");
  const made: string[] = [];
  const cleanup = () => {
    for (const ns of made.splice(0)) spawnSync("ip", ["netns", "del", ns]);
    rmSync(work, { recursive: true, force: true });
  };
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const rootBefore = netState(undefined, false);
  try {
    installPlugins(join(work, "bin"));
    const conf = {
      cniVersion: "1.0.0",
      name: "cnits-try",
      type: "bridge",
      bridge: "cnits-try0",
      isGateway: true,
      ipMasq: true,
      ipam: { type: "host-local", subnet: SUBNET, routes: [{ dst: "0.0.0.0/0" }], dataDir: join(work, "ipam") },
    };
    writeFileSync(join(work, "bridge.json"), `${JSON.stringify(conf, null, 2)}\n`);
    for (const ns of [node, pod]) {
      execFileSync("ip", ["netns", "add", ns]);
      made.push(ns);
    }
    console.log(bold("cni-ts by hand: bridge + host-local + ipMasq, nothing on the host"));
    console.log(`  plugins and config in ${work} (bin/, bridge.json), host-local's store in ${work}/ipam`);
    console.log(`  node namespace ${node} (every call runs in it), pod namespace ${pod}, subnet ${SUBNET}`);

    let prevResult: unknown;
    for (const verb of ["ADD", "CHECK", "DEL"] as const) {
      const before = { node: netState(node), pod: netState(pod) };
      const input = verb === "CHECK" ? { ...conf, prevResult } : conf;
      const env = {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        CNI_COMMAND: verb,
        CNI_CONTAINERID: "try1",
        CNI_NETNS: `/var/run/netns/${pod}`,
        CNI_IFNAME: "eth0",
        CNI_PATH: join(work, "bin"),
      };
      const run = spawnSync("ip", ["netns", "exec", node, join(work, "bin", "bridge")], { input: JSON.stringify(input), env, encoding: "utf8" });
      console.log(`\n${bold(`${verb}`)} (exit ${run.status})${run.stdout ? "" : ": no output"}`);
      if (run.stdout) console.log(run.stdout.trimEnd());
      if (run.stderr) console.log(`stderr: ${run.stderr.trimEnd()}`);
      if (run.status !== 0) return 1;
      if (verb === "ADD") prevResult = JSON.parse(run.stdout);
      for (const [label, ns] of [
        ["node", node],
        ["pod", pod],
      ] as const) {
        const changes = diff(before[label], netState(ns));
        console.log(`  ${label} namespace:${changes.length === 0 ? " unchanged" : ""}`);
        for (const c of changes) console.log(`    ${c}`);
      }
      if (verb === "DEL") {
        const left = (() => {
          try {
            return readFileSync(join(work, "ipam", "cnits-try", "198.18.0.2"), "utf8");
          } catch {
            return undefined;
          }
        })();
        console.log(`  host-local's store: ${left === undefined ? "198.18.0.2 released" : "198.18.0.2 STILL ALLOCATED"}`);
        console.log("  (the bridge, its gateway address and forwarding stay: shared node state, as with the reference plugins)");
      }
    }
    const rootChanges = diff(rootBefore, netState(undefined, false));
    console.log(`\n${bold("root namespace")}: ${rootChanges.length === 0 ? "unchanged (links, addresses, routes, forwarding)" : "CHANGED"}`);
    for (const c of rootChanges) console.log(`  ${c}`);
    return rootChanges.length === 0 ? 0 : 1;
  } finally {
    cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    console.log(`${bold("removed")} both namespaces and ${work}`);
  }
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
}
