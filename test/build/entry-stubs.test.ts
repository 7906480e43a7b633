/**
 * The main bundle replaces modules it never reaches (src/skel/cli.ts,
 * src/cli/full-entry.ts) with stubs exporting undefined. Any import of them
 * the build has not been told is unreachable must fail the build, never
 * reach the executable. Runs esbuild with the build's own plugin over
 * probe files; needs no root.
 */
import { build } from "esbuild";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/run-plugin.ts";

type StubTable = Record<string, { contents: string; importers: Record<string, string> }>;
const { bundle, entryStubs } = (await import(join(ROOT, "scripts/lib/bundle.mjs"))) as {
  bundle: (options: { entry: string; outfile: string; defines: Record<string, string> }) => Promise<void>;
  entryStubs: (stubs?: StubTable) => import("esbuild").Plugin;
};

const dir = mkdtempSync(join(tmpdir(), "cnits-stubs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundle `source` (written as `name` in the probe dir) with the stub plugin; the error text, or "" on success. */
async function bundleProbe(name: string, source: string, stubs?: StubTable): Promise<string> {
  const entry = join(dir, name);
  writeFileSync(entry, source);
  try {
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: "node",
      format: "cjs",
      logLevel: "silent",
      absWorkingDir: ROOT,
      plugins: [entryStubs(stubs)],
    });
    return out.outputFiles[0]!.text.includes("stubbed-out") ? "" : "built without the stub";
  } catch (err) {
    return (err as Error).message;
  }
}

/** A specifier for `file` (from the repository root) relative to the probe dir. */
const from = (file: string) => JSON.stringify(relative(dir, join(ROOT, file)));

describe("main bundle stubs", () => {
  it.each(["main", "plugin:bridge", "plugin:loopback", "plugin:host-local"])(
    "the real %s bundle builds (its imports of stubbed modules are the listed ones)",
    async (entry) => {
      await expect(bundle({ entry, outfile: join(dir, `${entry.replace(":", "-")}.cjs`), defines: {} })).resolves.toBeUndefined();
    },
  );

  it.each([
    ["static import of src/skel/cli.ts", `import { runCli } from ${from("src/skel/cli.ts")};\nconsole.log(runCli);\n`],
    ["dynamic import of src/skel/cli.ts from an unlisted module", `export const f = () => import(${from("src/skel/cli.ts")});\n`],
    ["static import of src/cli/full-entry.ts", `import { runFull } from ${from("src/cli/full-entry.ts")};\nconsole.log(runFull);\n`],
    ["require() of src/cli/full-entry.ts", `module.exports = require(${from("src/cli/full-entry.ts")});\n`],
    ["static import of src/cli/plugin-entry.ts", `import { runPlugin } from ${from("src/cli/plugin-entry.ts")};\nconsole.log(runPlugin);\n`],
  ])("fails the build on a %s", async (_, source) => {
    expect(await bundleProbe("probe.ts", source)).toMatch(/replaces with a stub exporting undefined/);
  });

  it("a listed importer may import its stub dynamically, but not statically", async () => {
    writeFileSync(join(dir, "heavy.ts"), "export const heavy = 1;\n");
    const stubs: StubTable = {
      [relative(ROOT, join(dir, "heavy.ts"))]: {
        contents: 'export const heavy = "stubbed-out";',
        importers: { [relative(ROOT, join(dir, "listed.ts"))]: "test" },
      },
    };
    expect(await bundleProbe("listed.ts", 'export const f = () => import("./heavy.ts");\n', stubs)).toBe("");
    expect(await bundleProbe("listed.ts", 'import { heavy } from "./heavy.ts";\nconsole.log(heavy);\n', stubs)).toMatch(/replaces with a stub/);
  });
});
