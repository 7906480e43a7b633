/**
 * Running one plugin invocation the way a runtime does, timed, with its
 * memory sampled from /proc/PID/smaps_rollup while it runs.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/** What one invocation cost. */
export interface Invocation {
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /**
   * Largest private dirty memory seen, KiB (0 when never sampled): what the
   * invocation really costs. Private_Clean is left out: it is the executable's
   * file pages, private only while no other process maps them, and dropped
   * from the page cache at no cost.
   */
  privateKiB: number;
  /** Largest resident set seen, KiB. */
  rssKiB: number;
}

function sampleMemory(pid: number): { privateKiB: number; rssKiB: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
    return { privateKiB: field("Private_Dirty"), rssKiB: field("Rss") };
  } catch {
    return undefined; // exited between polls
  }
}

/**
 * Run `path` with exactly `env` and `stdin`; with `sampleMemory` set, poll the
 * child's smaps_rollup as fast as the event loop allows (a sample, so a lower
 * bound of the true peak, the same for both implementations).
 */
export function invoke(
  path: string,
  env: Record<string, string>,
  stdin: string,
  options: { sampleMemory?: boolean; args?: string[] } = {},
): Promise<Invocation> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(path, options.args ?? [], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let privateKiB = 0;
    let rssKiB = 0;
    let running = true;
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (exitCode) => {
      running = false;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ ms, exitCode, stdout, stderr, privateKiB, rssKiB });
    });
    child.stdin.end(stdin);
    if (options.sampleMemory && child.pid !== undefined) {
      const pid = child.pid;
      const poll = () => {
        if (!running) return;
        const sample = sampleMemory(pid);
        if (sample) {
          privateKiB = Math.max(privateKiB, sample.privateKiB);
          rssKiB = Math.max(rssKiB, sample.rssKiB);
        }
        setImmediate(poll);
      };
      poll();
    }
  });
}

/**
 * Invoke and insist on success.
 *
 * @throws Error with the plugin's stdout/stderr when it exits non-zero
 */
export async function invokeOk(path: string, env: Record<string, string>, stdin: string, options: { sampleMemory?: boolean } = {}): Promise<Invocation> {
  const run = await invoke(path, env, stdin, options);
  if (run.exitCode !== 0) {
    throw new Error(`${path} ${env.CNI_COMMAND} failed (exit ${run.exitCode}): ${run.stdout.trim()} ${run.stderr.trim()}`);
  }
  return run;
}
