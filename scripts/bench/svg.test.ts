import { expect, test } from "vitest";
import { summarize } from "./stats.ts";
import { renderLatencySvg } from "./svg.ts";

const s = (...v: number[]) => summarize(v);

test("renderLatencySvg() draws our bar as F plus the work above it, beside the reference, and escapes labels", () => {
  const svg = renderLatencySvg(
    [{ label: "ADD <bridge>", ours: s(20, 22, 24), reference: s(9, 10, 11), floor: s(15, 16, 17) }],
    "latency",
    "run of 2026-12-07: 30 iterations per operation",
  );
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
  const svg = renderLatencySvg([{ label, ours: s(20), reference: s(9) }], "latency", "run of 2026-12-07: 30 iterations per operation");
  const anchor = Number(/<text x="([\d.]+)" y="[\d.]+" text-anchor="end">F: node/.exec(svg)![1]);
  expect(anchor - label.length * 7).toBeGreaterThanOrEqual(0);
});

test("renderLatencySvg() carries the run's date and iterations, and draws the F row in F's legend colour", () => {
  const svg = renderLatencySvg(
    [{ label: "F: node -e 0", ours: s(20), reference: s(2), isFloor: true }],
    "latency",
    "run of 2026-12-07: 30 iterations per operation",
  );
  expect(svg).toContain(">run of 2026-12-07: 30 iterations per operation</text>");
  const floorColour = /<rect [^>]*fill="(#\w+)"\/><text [^>]*>F: node -e 0 \(any Node/.exec(svg)![1];
  expect(svg).toContain(`fill="${floorColour}"><title>F (node -e 0): median 20.0 ms</title>`);
});

test("renderLatencySvg() shows a median below F as within F, never as a negative addition", () => {
  const svg = renderLatencySvg([{ label: "loopback ADD", ours: s(15), reference: s(3), floor: s(16) }], "latency", "run");
  expect(svg).toContain(">15.0 (within F 16.0)<");
  expect(svg).toContain("<title>cni-ts above F: 0.0 ms</title>");
  expect(svg).not.toMatch(/\+ -|: -\d/);
});
