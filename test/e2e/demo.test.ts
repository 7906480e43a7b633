/**
 * `npm run demo` as a user runs it, with our plugins and with the
 * reference's: it names what it ran and ends with one summary line. Needs
 * root and dist/bin.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/run-plugin.ts";

function demo(...args: string[]) {
  const out = spawnSync("npm", ["run", "--silent", "demo", "--", ...args], { cwd: ROOT, encoding: "utf8", timeout: 280_000 });
  return { status: out.status, lines: out.stdout.trimEnd().split("\n"), output: out.stdout + out.stderr };
}

describe("npm run demo", () => {
  it.each([
    [[], /^cni-ts v\d+\.\d+\.\d+\S*$/, "dist/bin"],
    [["--reference"], /^the reference plugins( v\S+)?$/, "/usr/lib/cni"],
  ])(
    "%j names what it ran and ends with one summary line",
    (args, implementation, dir) => {
      const run = demo(...args);
      expect(run.status, run.output).toBe(0);
      // (After the build's own line, when the demo builds first.)
      const title = run.lines.map((l) => /^cni-ts demo: running (.*) from (\S+)$/.exec(l)).find((m) => m !== null);
      expect(title, run.output).toBeDefined();
      expect(title![1]).toMatch(implementation);
      expect(title![2]).toContain(dir);
      expect(run.lines.at(-1)).toBe(`${title![1]}: 20/20 reachable, nothing left behind`);
    },
    300_000,
  );
});
