/**
 * Running a helper process (iptables-restore, nft, a delegated IPAM plugin)
 * synchronously through the native addon rather than `child_process`:
 *
 * - the child is killed by the kernel when the plugin dies
 *   (PR_SET_PDEATHSIG), so a runtime's timeout kill never leaves an
 *   iptables-restore running that commits rules after the runtime's DEL;
 * - no `node:child_process` load and no second libuv loop on the plugin's
 *   startup path.
 *
 * @module
 */
import { accessSync, constants } from "node:fs";
import { SyscallError } from "../errors.ts";
import { native } from "./addon.ts";

/** One finished process. */
export interface ProcessResult {
  /** Exit status, or null when a signal ended it. */
  status: number | null;
  /** The signal number that ended it, or null. */
  signal: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Find `command` in the colon-separated `searchPath` (or use it as is when it
 * holds a slash).
 *
 * @returns the executable's path, or undefined when none is found
 */
export function resolveExecutable(command: string, searchPath: string): string | undefined {
  if (command.includes("/")) return command;
  for (const dir of searchPath.split(":")) {
    if (!dir) continue;
    const candidate = `${dir}/${command}`;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Run `command args…` with `env` (its PATH is the search path), feeding `input`
 * on stdin, and wait for it.
 *
 * @throws {SyscallError} ENOENT when the command is not found; the errno of a failed exec
 * @example runProcess("nft", ["-j", "list", "ruleset"], { env: process.env })
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string | undefined>; input?: string | Uint8Array },
): ProcessResult {
  const path = resolveExecutable(command, options.env.PATH ?? "");
  if (path === undefined) throw new SyscallError("execve", 2, "ENOENT", `exec ${command}: executable file not found in $PATH`);
  const envp: string[] = [];
  for (const [key, value] of Object.entries(options.env)) if (value !== undefined) envp.push(`${key}=${value}`);
  const input = typeof options.input === "string" ? Buffer.from(options.input) : (options.input ?? new Uint8Array());
  const raw = native().runProcess(path, [command, ...args], envp, input);
  return { status: raw.status, signal: raw.signal, stdout: raw.stdout.toString("utf8"), stderr: raw.stderr.toString("utf8") };
}
