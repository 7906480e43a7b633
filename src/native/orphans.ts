/**
 * Whether a child process this plugin leaves running (the detached kernel
 * waits, docs/ARCHITECTURE.md) will be reaped once it exits.
 *
 * An orphan is adopted by the nearest ancestor that made itself a subreaper
 * (they reap: that is what the flag is for), else by PID 1 of our PID
 * namespace. In the initial namespace that is the system's init, which
 * always reaps. In a container it can be any program: a daemon that runs
 * CNI plugins as PID 1 of its container (a Multus thick daemon is one) and
 * never waits for children it did not start would keep one zombie per DEL
 * until the namespace's PIDs ran out. There the plugin waits for the kernel
 * itself, as it did before, unless PID 1 is an init known to reap.
 *
 * @module
 */
import { readlinkSync } from "node:fs";
import { readBounded, KERNEL_VALUE } from "../read-bounded.ts";

/** The initial PID namespace's inode (the kernel's PROC_PID_INIT_INO). */
const INITIAL_PID_NAMESPACE = "pid:[4026531836]";

/** Programs that reap every child they adopt when they run as PID 1 of a container. */
const REAPING_INITS: ReadonlySet<string> = new Set(["systemd", "init", "tini", "docker-init", "dumb-init", "catatonit", "s6-svscan", "runsvdir"]);

/**
 * The decision, from the namespace (`readlink /proc/self/ns/pid`) and PID
 * 1's command name (`/proc/1/comm`, read only outside the initial
 * namespace; undefined when unreadable).
 *
 * @example orphansReapedIn("pid:[4026531836]", () => "anything") // true
 * @example orphansReapedIn("pid:[4026532813]", () => "multus-daemon") // false
 */
export function orphansReapedIn(pidNamespace: string, pid1Command: () => string | undefined): boolean {
  if (pidNamespace === INITIAL_PID_NAMESPACE) return true;
  const command = pid1Command();
  return command !== undefined && REAPING_INITS.has(command);
}

function readPid1Command(): string | undefined {
  try {
    return readBounded("/proc/1/comm", KERNEL_VALUE).trim();
  } catch {
    return undefined;
  }
}

let answer: boolean | undefined;

/** Whether this process may leave children running: see the module comment. */
export function orphansAreReaped(): boolean {
  if (answer === undefined) {
    let namespace: string;
    try {
      namespace = readlinkSync("/proc/self/ns/pid");
    } catch {
      return (answer = false);
    }
    answer = orphansReapedIn(namespace, readPid1Command);
  }
  return answer;
}
