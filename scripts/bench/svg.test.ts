import { expect, test } from "vitest";
import { summarize } from "./stats.ts";
import { renderLatencySvg } from "./svg.ts";

const s = (...v: number[]) => summarize(v);

test("renderLatencySvg() draws our bar as F plus the work above it, beside the reference, and escapes labels", () => {
  const svg = renderLatencySvg([{ label: "ADD <bridge>", ours: s(20, 22, 24), reference: s(9, 10, 11), floor: s(15, 16, 17) }], "latency");
  expect(svg.startsWith("<svg")).toBe(true);
  expect(svg).toContain("ADD &lt;bridge&gt;");
  expect(svg).toContain("<title>F (node -e 0): median 16.0 ms</title>");
  expect(svg).toContain("<title>cni-ts above F: 6.0 ms</title>");
  expect(svg).toContain("<title>reference: median 10.0 ms</title>");
  expect(svg).toContain(">22.0 (F 16.0 + 6.0)<");
  expect(svg).toContain(">10.0<");
});

test("renderLatencySvg() leaves room for the longest label (right-aligned labels never start left of the image)", () => {
  const label = "F: node -e 0 (reference: Go VERSION), a long label";
  const svg = renderLatencySvg([{ label, ours: s(20), reference: s(9) }], "latency");
  const anchor = Number(/<text x="([\d.]+)" y="[\d.]+" text-anchor="end">F: node/.exec(svg)![1]);
  expect(anchor - label.length * 7).toBeGreaterThanOrEqual(0);
});
