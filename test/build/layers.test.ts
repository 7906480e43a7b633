/**
 * The layers of the shipped code, as docs/ARCHITECTURE.md draws them: the
 * shared library in src/, the plugins on it, the node tools (validate,
 * install) on the plugins, the entry points on top. An import may only go
 * down (or stay in its layer), and no set of modules may import in a circle.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/run-plugin.ts";

const LAYERS: { name: string; rank: number; owns: (file: string) => boolean }[] = [
  { name: "entry points", rank: 3, owns: (f) => f.startsWith("src/cli/") || f === "src/main.ts" },
  { name: "node tools", rank: 2, owns: (f) => f.startsWith("src/validate/") || f.startsWith("src/install/") },
  { name: "plugins", rank: 1, owns: (f) => f.startsWith("plugins/") || f.startsWith("ipam/") },
  { name: "library", rank: 0, owns: (f) => f.startsWith("src/") },
];

function layerOf(file: string) {
  const layer = LAYERS.find((l) => l.owns(file));
  if (!layer) throw new Error(`${file} is in no layer`);
  return layer;
}

function shippedFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Relative imports of `file`, static and dynamic, as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]!);
  return specs.map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)));
}

const files = ["src", "plugins", "ipam"].flatMap(shippedFiles);
const graph = new Map(files.map((f) => [f, importsOf(f).filter((to) => to.endsWith(".ts"))]));

/** Strongly connected components with more than one module (Tarjan). */
function cycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("the shipped code's layers", () => {
  it("every import goes down or stays in its layer", () => {
    const upward = [...graph].flatMap(([from, targets]) =>
      targets.filter((to) => graph.has(to) && layerOf(to).rank > layerOf(from).rank).map((to) => `${from} → ${to} (${layerOf(to).name})`),
    );
    expect(upward).toEqual([]);
  });

  it("no modules import each other in a circle", () => {
    expect(cycles()).toEqual([]);
  });

  it("sees every relative import (a moved file cannot hide an edge)", () => {
    const dangling = [...graph].flatMap(([from]) =>
      importsOf(from)
        .filter((to) => to.endsWith(".ts") && !graph.has(to))
        .map((to) => `${from} → ${to}`),
    );
    expect(dangling).toEqual([]);
  });
});
