// A plugin bundle's V8 code cache trained on real verbs: the bundle runs the
// verbs a runtime calls (ADD, CHECK, DEL, twice, so that the second run takes
// the steady path; ipMasq, dual-stack, STATUS, GC) against
// the kernel, in throwaway network, mount and PID namespaces, each run
// starting from the cache the previous run of its kind wrote
// (code-cache-run.cjs): ADDs build one cache, every other verb another, and
// the executable gives an ADD the first. Each holds the functions its verbs
// compiled and no others: under two thirds of the cache with every function
// compiled, which a verb spends less time deserialising and setting up. A
// function no training run reached still works: V8 compiles it on its first
// call.
//
// Training needs root (namespaces, links) and the build machine's own
// architecture; elsewhere build.mjs makes the cache with every function
// compiled (code-cache.cjs --eager), as before.
//
//   node code-cache-training.mjs --sandbox <options json>   (run by trainCodeCache, inside unshare)
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { REPRODUCIBLE_V8 } from "./sea.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const RUN = join(HERE, "code-cache-run.cjs");

/**
 * Train the code caches of `plugin`'s bundle: ADD's into `addOutput`, every
 * other verb's into `output`.
 *
 * @param {{ node: string, plugin: string, script: string, filename: string, output: string, addOutput: string, assets: Record<string, string> }} options
 *   `node`: the pinned runtime (the executable's own); `assets`: asset key -> file, for the bundle's node:sea
 * @returns {{ trained: true, runs: number, errors: string[] } | { trained: false, reason: string }}
 *   `errors`: the runs that answered with a CNI error, as `<verb>:<code>` (none is expected)
 */
export function trainCodeCache(options) {
  if (process.getuid?.() !== 0) return { trained: false, reason: "training runs verbs in namespaces of its own, which needs root" };
  for (const tool of ["unshare", "ip"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return { trained: false, reason: `${tool} is not installed` };
  }
  const result = spawnSync(
    "unshare",
    ["--net", "--mount", "--pid", "--fork", "--mount-proc", options.node, fileURLToPath(import.meta.url), "--sandbox", JSON.stringify(options)],
    // A verb that hangs must not hang the build: it falls back instead.
    { encoding: "utf8", timeout: 180_000 },
  );
  const lastLine = result.stdout.trim().split("\n").pop() ?? "";
  if (result.status !== 0 || !lastLine.startsWith("trained ")) {
    return { trained: false, reason: `training failed (exit ${result.status ?? result.signal}): ${result.stderr.trim().split("\n").pop()}` };
  }
  const [, runs, errors] = lastLine.split(" ");
  return { trained: true, runs: Number(runs), errors: errors === "-" ? [] : errors.split(",") };
}

/** One verb of a training scenario. */
function verb(command, conf, extra = {}) {
  return { command, conf, ...extra };
}

/**
 * The verbs each plugin is trained on, in order. `pod` names a network
 * namespace of the sandbox (created before the run); CHECK gets the last
 * ADD's result as prevResult.
 */
function scenarios(plugin, dataDir) {
  const ipam = { type: "host-local", dataDir, ranges: [[{ subnet: "10.250.0.0/24" }]] };
  if (plugin === "loopback") {
    const conf = { cniVersion: "1.1.0", name: "cnits-train-lo", type: "loopback" };
    return [1, 2].flatMap((n) => ["ADD", "CHECK", "DEL"].map((command) => verb(command, conf, { pod: `p${n}`, ifName: "lo" }))).concat(verb("STATUS", conf));
  }
  if (plugin === "host-local") {
    const conf = { cniVersion: "1.1.0", name: "cnits-train-hl", ipam };
    return [1, 2]
      .flatMap((n) => ["ADD", "CHECK", "DEL"].map((command) => verb(command, conf, { pod: `p${n}` })))
      .concat(verb("STATUS", conf), verb("GC", { ...conf, "cni.dev/valid-attachments": [] }));
  }
  const plain = { cniVersion: "1.1.0", name: "cnits-train", type: "bridge", bridge: "cnits-train0", isGateway: true, ipam };
  const masq = { ...plain, ipMasq: true };
  const dual = { ...plain, ipam: { ...ipam, ranges: [[{ subnet: "10.250.0.0/24" }], [{ subnet: "fd00:250::/64" }]] } };
  const lifecycle = (conf, pod) => [verb("ADD", conf, { pod }), verb("CHECK", conf, { pod }), verb("DEL", conf, { pod })];
  return [
    ...lifecycle(plain, "p1"),
    ...lifecycle(plain, "p2"),
    ...lifecycle(masq, "p3"),
    ...lifecycle(masq, "p4"),
    ...lifecycle(dual, "p5"),
    verb("STATUS", plain),
    verb("GC", { ...plain, "cni.dev/valid-attachments": [] }),
    // No invalid config: its answer is zod's, and zod's schema code in the
    // cache would cost every valid verb its deserialisation.
  ];
}

/** Inside the namespaces: a private /run, the pods, then every verb of the plugin's scenario. */
function sandbox(options) {
  execFileSync("mount", ["-t", "tmpfs", "-o", "mode=0755", "cnits-train", "/run"]);
  execFileSync("ip", ["link", "set", "lo", "up"]);
  const work = mkdtempSync(join(tmpdir(), "cnits-train-"));
  try {
    const assetsFile = join(work, "assets.json");
    writeFileSync(assetsFile, JSON.stringify(options.assets));
    // The bridge runs host-local in-process when CNI_PATH's host-local is its own executable, as on a node.
    const bin = join(work, "bin");
    mkdirSync(bin);
    symlinkSync(options.node, join(bin, "host-local"));
    const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", CNI_PATH: bin, CNI_TS_CACHE_DIR: join(work, "cache") };
    // ADD's cache and every other verb's: an ADD deserialises only what ADDs run.
    const caches = { ADD: "-", other: "-" };
    let prevResult;
    const errors = [];
    const steps = scenarios(options.plugin, join(work, "data"));
    steps.forEach((step, i) => {
      if (step.pod && !existsSync(`/run/netns/cnits-train-${step.pod}`)) execFileSync("ip", ["netns", "add", `cnits-train-${step.pod}`]);
      const conf = step.command === "CHECK" && prevResult ? { ...step.conf, prevResult } : step.conf;
      const out = join(work, `cache-${i}`);
      const group = step.command === "ADD" ? "ADD" : "other";
      const run = spawnSync(options.node, [REPRODUCIBLE_V8, RUN, options.plugin, options.script, options.filename, caches[group], out, assetsFile], {
        input: JSON.stringify(conf),
        encoding: "utf8",
        timeout: 30_000,
        env: {
          ...env,
          CNI_COMMAND: step.command,
          CNI_CONTAINERID: `cnits-train-${step.pod ?? "none"}`,
          CNI_NETNS: step.pod ? `/run/netns/cnits-train-${step.pod}` : "",
          CNI_IFNAME: step.ifName ?? "eth0",
        },
      });
      // An error answer teaches too (its paths); a crash, or no cache written, ends the training.
      if (run.signal || run.status > 1 || !existsSync(out)) {
        const why = run.stderr.split("\n").find((line) => /Error\b/.test(line)) ?? run.stderr.trim().split("\n")[0];
        throw new Error(`${step.command} of ${options.plugin} (step ${i}) ended ${run.signal ?? run.status}: ${why}`);
      }
      if (run.status !== 0) errors.push(`${step.command}:${JSON.parse(run.stdout).code}`);
      if (step.command === "ADD" && run.status === 0) prevResult = JSON.parse(run.stdout);
      caches[group] = out;
    });
    copyFileSync(caches.other, options.output);
    copyFileSync(caches.ADD, options.addOutput);
    console.log(`trained ${steps.length} ${errors.join(",") || "-"}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--sandbox") {
  try {
    sandbox(JSON.parse(process.argv[3]));
  } catch (err) {
    process.stderr.write(`${err.message.split("\n")[0]}\n`);
    process.exit(1);
  }
}
