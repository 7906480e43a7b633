/**
 * Startup cost: the modules every verb loads (skeleton and loopback) must
 * not statically reach commander, zod or node:child_process. Dynamic
 * `import()` (the `--help` path) is allowed. Walks the real import graph of
 * the sources.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/run-plugin.ts";

const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm;

/** Every module statically reachable from `entry`: relative files and bare specifiers. */
function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(STATIC_IMPORT)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

describe("startup imports", () => {
  it.each([["src/skel/main.ts"], ["plugins/loopback/plugin.ts"]])("%s loads no commander, zod or child_process", (entry) => {
    const { packages, files } = staticGraph(resolve(ROOT, entry));
    expect(files.size).toBeGreaterThan(1);
    for (const banned of ["commander", "zod", "node:child_process", "child_process", "netlink"]) {
      expect([...packages]).not.toContain(banned);
    }
    expect([...files].some((f) => f.endsWith("src/skel/cli.ts"))).toBe(false);
  });

  it("the dispatcher reaches the CLI only through a dynamic import", () => {
    const text = readFileSync(resolve(ROOT, "src/skel/run-plugin.ts"), "utf8");
    expect(text).toMatch(/await import\("\.\/cli\.ts"\)/);
  });
});
