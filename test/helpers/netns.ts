/**
 * Throwaway network namespaces for integration tests. Every name starts with
 * `cnits-` plus a random suffix; a test deletes only the namespaces it made.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/** Prefix of every namespace, link and chain a test creates. */
export const TEST_PREFIX = "cnits-";

/** A named namespace under /var/run/netns. */
export interface TestNetns {
  name: string;
  path: string;
  /** Run a command inside the namespace and return its stdout. */
  exec(cmd: string, ...args: string[]): string;
  /** `ip -j ...` inside the namespace, parsed. */
  ipJson<T = unknown>(...args: string[]): T;
  /** Delete the namespace (idempotent). */
  remove(): void;
}

/** Create a fresh namespace `cnits-<tag>-<random>` with `lo` down, as a runtime would. */
export function createNetns(tag = "ns"): TestNetns {
  const name = `${TEST_PREFIX}${tag}-${randomBytes(4).toString("hex")}`;
  execFileSync("ip", ["netns", "add", name]);
  const path = `/var/run/netns/${name}`;
  const exec = (cmd: string, ...args: string[]) =>
    execFileSync("ip", ["netns", "exec", name, cmd, ...args], { encoding: "utf8" });
  return {
    name,
    path,
    exec,
    ipJson: <T>(...args: string[]) => JSON.parse(exec("ip", "-j", ...args) || "null") as T,
    remove() {
      try {
        execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
      } catch {
        // already gone
      }
    },
  };
}
