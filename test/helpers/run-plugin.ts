/**
 * Running a plugin executable exactly as a runtime does: env, config on
 * stdin, result or error JSON on stdout.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** Our built executables. */
export const DIST_BIN = join(ROOT, "dist/bin");
/** The reference plugins from Debian's containernetworking-plugins. */
export const REFERENCE_BIN = "/usr/lib/cni";

/** What a runtime would set. */
export interface PluginEnv {
  CNI_COMMAND: string;
  CNI_CONTAINERID?: string;
  CNI_NETNS?: string;
  CNI_IFNAME?: string;
  CNI_ARGS?: string;
  CNI_PATH?: string;
  [key: string]: string | undefined;
}

/** One invocation's outcome. */
export interface PluginRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or undefined when empty or not JSON. */
  json: any;
}

/** Where and how to run. */
export interface RunOptions {
  /** Run inside this named namespace (the test's "node"), via `ip netns exec`. */
  hostNetns?: string;
  /** Working directory of the plugin (where a relative path would land). */
  cwd?: string;
}

/**
 * Run the executable at `path` with `env` and `stdin` (an object is JSON-encoded).
 * PATH is kept so delegated plugins can find iptables/nft.
 */
export function runPlugin(path: string, env: PluginEnv, stdin: unknown = "", options: RunOptions = {}): PluginRun {
  const input = typeof stdin === "string" || Buffer.isBuffer(stdin) ? stdin : JSON.stringify(stdin);
  const cleanEnv: Record<string, string> = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) cleanEnv[k] = v;
  const [cmd, args] = options.hostNetns ? ["ip", ["netns", "exec", options.hostNetns, path]] : [path, []];
  const out = spawnSync(cmd, args, { input, env: cleanEnv, cwd: options.cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  let json: any;
  try {
    json = out.stdout.trim() ? JSON.parse(out.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { status: out.status, stdout: out.stdout, stderr: out.stderr, json };
}

/** Path of one of our built plugins. */
export function ours(plugin: "bridge" | "loopback" | "host-local"): string {
  return join(DIST_BIN, plugin);
}

/** Path of a reference plugin. */
export function reference(plugin: string): string {
  return join(REFERENCE_BIN, plugin);
}
