/**
 * Startup cost: the modules every verb loads (skeleton and loopback) must
 * not statically reach commander, zod or child_process, under any spelling
 * or subpath. Dynamic `import()` (the `--help` path) is allowed.
 * The graph is esbuild's own resolution of the sources, and the guard is
 * shown to fail on fixtures that add each banned import. Needs no root.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { staticImports, type StaticImports } from "../helpers/import-graph.ts";
import { ROOT } from "../helpers/run-plugin.ts";

const BANNED_PACKAGES = ["commander", "zod"];
const BANNED_BUILTINS = ["child_process"];

/** What `graph` loads that the startup path must not. */
function startupViolations(graph: StaticImports): string[] {
  return [
    ...graph.packages.filter((p) => BANNED_PACKAGES.includes(p)),
    ...graph.builtins.filter((b) => BANNED_BUILTINS.includes(b)).map((b) => `node:${b}`),
    ...graph.files.filter((f) => f === "src/skel/cli.ts"),
  ];
}

describe("startup imports", () => {
  it.each([["src/skel/main.ts"], ["plugins/loopback/plugin.ts"]])("%s loads no commander, zod or child_process", async (entry) => {
    const graph = await staticImports(resolve(ROOT, entry));
    expect(graph.files.length).toBeGreaterThan(1);
    expect(startupViolations(graph)).toEqual([]);
  });

  describe("the guard fails when a banned import is added", () => {
    const dir = mkdtempSync(join(tmpdir(), "cnits-imports-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const cli = resolve(ROOT, "src/skel/cli.ts");

    it.each([
      ['import * as z from "zod/mini";', "zod"],
      ['import { z } from "zod";', "zod"],
      ['import en from "zod/v4/locales/en.js";', "zod"],
      ['import { Command } from "commander";', "commander"],
      ['import { spawnSync } from "node:child_process";', "node:child_process"],
      ['import { spawnSync } from "child_process";', "node:child_process"],
      [`import { runCli } from ${JSON.stringify(cli)};`, "src/skel/cli.ts"],
    ])("%s, one module deep", async (line, reported) => {
      const case_ = mkdtempSync(join(dir, "case-"));
      mkdirSync(case_, { recursive: true });
      writeFileSync(join(case_, "dep.ts"), `${line}\nexport const used = [${JSON.stringify(line)}];\n`);
      writeFileSync(join(case_, "entry.ts"), 'import { used } from "./dep.ts";\nconsole.log(used);\n');
      expect(startupViolations(await staticImports(join(case_, "entry.ts")))).toContain(reported);
    });

    it("but not through a dynamic import()", async () => {
      const entry = join(dir, "lazy.ts");
      writeFileSync(entry, 'export const lazy = () => import("zod/mini");\n');
      expect(startupViolations(await staticImports(entry))).toEqual([]);
    });
  });
});
