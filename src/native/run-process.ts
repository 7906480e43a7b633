/**
 * Helper processes run through the addon rather than `child_process`: the kernel kills the child
 * when the plugin dies (PR_SET_PDEATHSIG), so a runtime's timeout kill never leaves an
 * iptables-restore to commit rules after the runtime's DEL.
 */
import { accessSync, constants } from "node:fs";
import { SyscallError } from "../errors.ts";
import { native } from "./addon.ts";

export interface ProcessResult {
  /** null when a signal ended it. */
  status: number | null;
  signal: number | null;
  stdout: string;
  stderr: string;
}

/** `command` as is when it holds a slash. */
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
 * Synchronous; `env`'s PATH is the search path.
 * @throws {SyscallError} ENOENT when the command is not found; the errno of a failed exec
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
