import { expect, test } from "vitest";
import { summarize } from "./stats.ts";
import { renderLatencySvg } from "./svg.ts";

test("renderLatencySvg() draws one bar per implementation and escapes labels", () => {
  const svg = renderLatencySvg(
    [{ label: "ADD <bridge>", ours: summarize([20, 22, 24]), reference: summarize([9, 10, 11]) }],
    "latency",
  );
  expect(svg.startsWith("<svg")).toBe(true);
  expect(svg).toContain("ADD &lt;bridge&gt;");
  expect(svg.match(/<rect x="230"/g)).toHaveLength(3); // two bars + the legend swatch
  expect(svg).toContain(">22.0<");
  expect(svg).toContain(">10.0<");
});
