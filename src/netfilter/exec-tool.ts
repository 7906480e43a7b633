// iptables / nft run with an argv (never a shell), and die with the plugin: a runtime's
// timeout kill cannot leave a restore that commits rules after the runtime's DEL.
import { hasErrno, KernelError } from "../errors.ts";
import { runProcess } from "../native/run-process.ts";

export interface ToolRun {
  ok: boolean;
  /** The executable could not be started (not installed, not in PATH). */
  missing: boolean;
  stdout: string;
  stderr: string;
}

// Runtimes sometimes exec plugins with a minimal PATH; the tools live in sbin.
const FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function toolSearchPath(): string {
  return process.env.PATH ? `${process.env.PATH}:${FALLBACK_PATH}` : FALLBACK_PATH;
}

export function runTool(cmd: string, args: string[], input?: string): ToolRun {
  const path = toolSearchPath();
  try {
    const out = runProcess(cmd, args, { env: { ...process.env, PATH: path, LC_ALL: "C" }, input: input ?? "" });
    return { ok: out.status === 0, missing: false, stdout: out.stdout, stderr: out.stderr };
  } catch (err) {
    return { ok: false, missing: hasErrno(err, "ENOENT"), stdout: "", stderr: (err as Error).message };
  }
}

/**
 * @param what what was attempted, for the message (e.g. `failed to set up masquerade`)
 * @throws {KernelError} with the tool's stderr when it fails or cannot start
 */
export function runToolOrThrow(what: string, cmd: string, args: string[], input?: string): string {
  const run = runTool(cmd, args, input);
  if (!run.ok) throw toolError(what, cmd, run, input);
  return run.stdout;
}

/** The script goes into the error's `details`. */
export function toolError(what: string, cmd: string, run: ToolRun, input?: string): KernelError {
  const stderr = run.stderr.trim().replace(/\s*\n\s*/g, "; ");
  return new KernelError(`${what}: ${cmd}: ${stderr || "failed"}`, input || undefined);
}

export function isNftNotFound(run: ToolRun): boolean {
  return !run.ok && !run.missing && /No such file or directory/.test(run.stderr);
}

// Longest JSON passed on the command line (Linux caps one argument at 128 KiB).
const MAX_ARGV_SCRIPT = 100_000;

/**
 * nft opens `/dev/stdin` for JSON, which fails on the socketpair Node gives a child, so the
 * script goes on the command line, or in a private temporary file when too long.
 * @throws {KernelError} when nft fails
 */
export function applyNftJson(what: string, script: string): void {
  if (Buffer.byteLength(script) <= MAX_ARGV_SCRIPT) {
    runToolOrThrow(what, "nft", ["-j", script]);
    return;
  }
  const { mkdtempSync, rmSync, writeFileSync } = process.getBuiltinModule("node:fs");
  const { tmpdir } = process.getBuiltinModule("node:os");
  const dir = mkdtempSync(`${tmpdir()}/cni-ts-nft-`);
  try {
    const file = `${dir}/script.json`;
    writeFileSync(file, script, { mode: 0o600 });
    runToolOrThrow(what, "nft", ["-j", "-f", file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
