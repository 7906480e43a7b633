/**
 * Throwaway network namespaces for integration tests. Every name starts with
 * `cnits-` plus a random suffix; a test deletes only the namespaces it made.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

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
  const exec = (cmd: string, ...args: string[]) => execFileSync("ip", ["netns", "exec", name, cmd, ...args], { encoding: "utf8" });
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

/** A scratch directory and a namespace, both fresh for each test of the suite that calls this. */
export interface Scratch {
  readonly work: string;
  readonly netns: TestNetns;
}

/**
 * Register per-test setup and cleanup of a `cnits-<tag>-*` temp directory and
 * a `cnits-<tag>-*` namespace; read them through the returned object inside a test.
 */
export function useScratch(tag: string): Scratch {
  const current = {} as { work: string; netns: TestNetns };
  beforeEach(() => {
    current.work = mkdtempSync(join(tmpdir(), `${TEST_PREFIX}${tag}-`));
    current.netns = createNetns(tag);
  });
  afterEach(() => {
    current.netns.remove();
    rmSync(current.work, { recursive: true, force: true });
  });
  return {
    get work() {
      return current.work;
    },
    get netns() {
      return current.netns;
    },
  };
}
