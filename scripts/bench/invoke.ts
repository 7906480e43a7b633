/**
 * Running one plugin invocation the way a runtime does, timed, with its
 * memory sampled from /proc/PID/smaps_rollup while it runs, or its wall and
 * CPU time measured by scripts/bench/timed-run.c (wait4's rusage).
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** What one invocation cost. */
export interface Invocation {
  /**
   * Wall time in milliseconds: fork to wait4 inside the timer when run with
   * one (its own start not counted), else spawn to exit as Node saw it.
   */
  ms: number;
  /** User + system CPU of the invocation and what it waited for, all threads, ms (NaN without a timer). */
  cpuMs: number;
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
 * Compile scripts/bench/timed-run.c into `dir` with the system's C compiler.
 *
 * @returns the executable's path, for {@link InvokeOptions.timer}
 */
export function buildTimer(sourceDir: string, dir: string): string {
  const out = join(dir, "timed-run");
  execFileSync("cc", ["-O2", "-o", out, join(sourceDir, "timed-run.c")], { stdio: "inherit" });
  return out;
}

/** How to run an invocation. */
export interface InvokeOptions {
  /** Poll smaps_rollup while it runs (not with a timer: the pid would be the timer's). */
  sampleMemory?: boolean;
  args?: string[];
  /** A {@link buildTimer} executable: wall and CPU time measured by wait4 around the command. */
  timer?: string;
}

/**
 * Run `path` with exactly `env` and `stdin`; with `sampleMemory` set, poll the
 * child's smaps_rollup as fast as the event loop allows (a sample, so a lower
 * bound of the true peak, the same for both implementations).
 */
export function invoke(path: string, env: Record<string, string>, stdin: string, options: InvokeOptions = {}): Promise<Invocation> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const argv = options.args ?? [];
    const child = options.timer
      ? spawn(options.timer, [path, ...argv], { env, stdio: ["pipe", "pipe", "pipe", "pipe"] })
      : spawn(path, argv, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timing = "";
    let privateKiB = 0;
    let rssKiB = 0;
    let running = true;
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    if (options.timer) (child.stdio[3] as NodeJS.ReadableStream).setEncoding("utf8").on("data", (d: string) => (timing += d));
    child.on("error", reject);
    child.on("close", (exitCode) => {
      running = false;
      let ms = Number(process.hrtime.bigint() - started) / 1e6;
      let cpuMs = Number.NaN;
      if (options.timer) {
        const m = /^(\d+) (\d+) -?\d+\n$/.exec(timing);
        if (!m) return reject(new Error(`timed-run reported nothing for ${path}: ${stderr.trim()}`));
        ms = Number(m[1]) / 1e6;
        cpuMs = Number(m[2]) / 1e3;
      }
      resolve({ ms, cpuMs, exitCode, stdout, stderr, privateKiB, rssKiB });
    });
    // A verb that never reads its config (VERSION) may exit before the
    // write lands: the broken pipe is its business, its answer still counts.
    child.stdin.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") reject(err);
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
export async function invokeOk(path: string, env: Record<string, string>, stdin: string, options: InvokeOptions = {}): Promise<Invocation> {
  const run = await invoke(path, env, stdin, options);
  if (run.exitCode !== 0) {
    throw new Error(`${path} ${env.CNI_COMMAND} failed (exit ${run.exitCode}): ${run.stdout.trim()} ${run.stderr.trim()}`);
  }
  return run;
}
