/**
 * The libcni test driver (test/libcni/driver/main.go) seen from TypeScript:
 * build it once (offline, GOPATH mode over Debian's gocode tree), run it as a
 * runtime would, and lay out CNI_PATH directories that mix our plugins with
 * the reference ones.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { goEnv } from "../helpers/go.ts";
import type { TestNetns } from "../helpers/netns.ts";
import { DIST_BIN, REFERENCE_BIN, ROOT } from "../helpers/run-plugin.ts";

/** Where the test setup builds the driver (outside the tree: no .gitignore edits). */
const DRIVER_PATH = "/tmp/cnits-libcni-driver";
const DRIVER_SRC = join(ROOT, "test/libcni/driver");

/**
 * Build the driver unless a binary newer than its source exists.
 * libcni v1.1.2 needs only the standard library, so GOPATH mode over
 * /usr/share/gocode works offline.
 *
 * @returns the driver's path.
 * @throws Error when `go build` fails (its stderr is in the message).
 */
export function buildDriver(): string {
  const src = join(DRIVER_SRC, "main.go");
  if (existsSync(DRIVER_PATH) && statSync(DRIVER_PATH).mtimeMs >= statSync(src).mtimeMs) return DRIVER_PATH;
  mkdirSync("/tmp/cnits-gocache", { recursive: true });
  execFileSync("go", ["build", "-o", DRIVER_PATH, "."], {
    cwd: DRIVER_SRC,
    env: goEnv(),
    stdio: ["ignore", "ignore", "pipe"],
  });
  return DRIVER_PATH;
}

/** What the driver prints with --envelope. */
export interface DriverOutcome {
  ok: boolean;
  result?: any;
  error?: { code: number; msg: string; details?: string };
  message?: string;
  /** Exit status, stderr and wall time, for diagnostics. */
  status: number | null;
  stderr: string;
  ms: number;
}

/** One runtime call. */
export interface DriverCall {
  verb: "add" | "check" | "del" | "cached" | "validate" | "version" | "gc" | "status";
  /** The conflist (object) — passed on stdin. */
  conf?: unknown;
  /** Plugin type for `version`. */
  pluginType?: string;
  netns?: string;
  containerId?: string;
  ifName?: string;
  cniPath: string[];
  cacheDir?: string;
  capabilityArgs?: Record<string, unknown>;
  cniArgs?: string;
  /** Run the driver (and so every plugin) inside this named namespace, like a node. */
  hostNetns?: string;
}

/**
 * Run the driver once and decode its envelope.
 *
 * @param call what to do.
 * @returns the decoded outcome.
 * @throws Error when the driver prints no envelope (a crash, not a CNI error).
 */
export function runDriver(call: DriverCall): DriverOutcome {
  const args = ["--envelope", `--cni-path=${call.cniPath.join(":")}`];
  if (call.cacheDir) args.push(`--cache-dir=${call.cacheDir}`);
  if (call.containerId) args.push(`--container-id=${call.containerId}`);
  if (call.ifName) args.push(`--ifname=${call.ifName}`);
  if (call.capabilityArgs) args.push(`--cap-args=${JSON.stringify(call.capabilityArgs)}`);
  if (call.cniArgs) args.push(`--args=${call.cniArgs}`);
  if (call.conf !== undefined) args.push("--conf=-");
  args.push(call.verb);
  if (call.verb === "version") args.push(call.pluginType ?? "");
  else args.push("-", call.netns ?? "");
  const [cmd, argv] = call.hostNetns ? ["ip", ["netns", "exec", call.hostNetns, DRIVER_PATH, ...args]] : [DRIVER_PATH, args];
  const started = performance.now();
  const out = spawnSync(cmd, argv, {
    input: call.conf === undefined ? "" : JSON.stringify(call.conf),
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  const ms = performance.now() - started;
  const line = out.stdout.trim().split("\n").pop() ?? "";
  let parsed: any;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`driver printed no envelope (status ${out.status}): ${out.stdout}\n${out.stderr}`);
  }
  return { ...parsed, status: out.status, stderr: out.stderr, ms };
}

/** Which implementation provides a plugin in a mixed CNI_PATH. */
export type Impl = "ours" | "reference";

/** Path of a plugin executable from one implementation. */
export function pluginPath(impl: Impl, name: string): string {
  return join(impl === "ours" ? DIST_BIN : REFERENCE_BIN, name);
}

/**
 * The implementation the suite exercises: ours, unless CNITS_IMPL=reference
 * asks to run the same tests against the reference plugins (an oracle check
 * of the tests themselves).
 */
export const SUBJECT: Impl = process.env.CNITS_IMPL === "reference" ? "reference" : "ours";

/** A temporary CNI_PATH directory of symlinks, each named as its plugin type. */
export interface PluginDir {
  dir: string;
  remove(): void;
}

/**
 * Make a CNI_PATH directory where each plugin type comes from the chosen
 * implementation: `{ bridge: "ours", "host-local": "reference", portmap: "reference" }`.
 * Symlinks keep the target's base name, so our multi-call executable still
 * knows which plugin it is.
 *
 * @throws Error when a chosen executable does not exist (e.g. not built yet).
 */
export function makePluginDir(choice: Record<string, Impl>): PluginDir {
  const dir = mkdtempSync(join(tmpdir(), "cnits-cnipath-"));
  for (const [name, impl] of Object.entries(choice)) {
    const target = pluginPath(impl, name);
    if (!existsSync(target)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${target} does not exist${impl === "ours" ? " (build with scripts/build.mjs)" : ""}`);
    }
    symlinkSync(target, join(dir, name));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A scratch directory `cnits-<tag>-*` under the system temp dir. */
export function scratchDir(tag: string): PluginDir {
  const dir = mkdtempSync(join(tmpdir(), `cnits-${tag}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What one test's runtime calls share; recreated per test, so read at call time. */
export interface DriverWorld {
  pod: TestNetns;
  node: TestNetns;
  plugins: PluginDir;
  cache: PluginDir;
}

/**
 * {@link runDriver} as the runtime of one test calls it: container
 * `cnits-c1` in the world's pod namespace, plugins from its plugin directory
 * run inside its node namespace, results cached in its cache directory.
 *
 * @param world the current test's namespaces and directories (read on every call)
 * @example const call = driverCaller(() => ({ pod, node, plugins, cache })); call("add", conf)
 */
export function driverCaller(world: () => DriverWorld) {
  return (verb: DriverCall["verb"], conf: unknown, extra: Partial<DriverCall> = {}): DriverOutcome => {
    const { pod, node, plugins, cache } = world();
    return runDriver({
      verb,
      conf,
      netns: pod.path,
      containerId: "cnits-c1",
      cniPath: [plugins.dir],
      cacheDir: cache.dir,
      hostNetns: node.name,
      ...extra,
    });
  };
}
