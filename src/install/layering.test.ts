import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("the install module", () => {
  it("is reached from the CLI and never reaches back into it", () => {
    const dir = import.meta.dirname;
    const upward = readdirSync(dir)
      .filter((name) => name.endsWith(".ts"))
      .flatMap((name) => [...readFileSync(join(dir, name), "utf8").matchAll(/from "(\.\.\/cli\/[^"]+)"/g)].map((m) => `${name} → ${m[1]}`));
    expect(upward).toEqual([]);
    expect(readFileSync(join(dir, "../cli/cli.ts"), "utf8")).toContain('from "../install/command.ts"');
  });
});
