import { expect, test } from "vitest";
import { BEGIN_MARKER, END_MARKER, renderReport, type Report } from "./report.ts";
import { summarize } from "./stats.ts";

const s = (...v: number[]) => summarize(v);
const report: Report = {
  date: "2026-11-26",
  iterations: 3,
  cniVersion: "1.0.0",
  kernel: "6.18",
  cpus: 2,
  latency: [{ label: "bridge ADD", ours: s(20, 22, 24), reference: s(9, 10, 11), target: 2.5 }],
  concurrent: {
    ours: { addWall: s(500), delWall: s(400), duplicates: 0, failures: 0 },
    reference: { addWall: s(300), delWall: s(600), duplicates: 0, failures: 0 },
  },
  store: [
    { count: 10, ours: s(20), reference: s(10) },
    { count: 4000, ours: s(22), reference: s(40) },
  ],
  memory: { ours: { privateKiB: s(9000), rssKiB: s(50000) }, reference: { privateKiB: s(2000), rssKiB: s(5000) } },
  diskBytes: { ours: 109e6, reference: 10e6 },
};

test("renderReport() writes ratios and verdicts against the targets", () => {
  const text = renderReport(report, "");
  expect(text).toContain("| bridge ADD | 22.0 (21.0–23.0) | 10.0 (9.5–10.5) | 2.2 | ≤ 2.5 ✅ |");
  expect(text).toContain("DEL at 4000 / DEL at 10: cni-ts 1.1 (target ≤ 1.5 ✅), reference 4.");
  expect(text).toContain("| 40 concurrent ADDs, wall | 500.0 (500.0–500.0) | 300.0 (300.0–300.0) | 1.67 | ≤ 2.5 ✅ |");
});

test("renderReport() keeps the hand-written notes outside the markers", () => {
  const previous = `# Notes\nintro\n${BEGIN_MARKER}\nold numbers\n${END_MARKER}\n## Tried\n- snapshot: +3 ms\n`;
  const text = renderReport(report, previous);
  expect(text.startsWith("# Notes\nintro\n")).toBe(true);
  expect(text).toContain("## Tried\n- snapshot: +3 ms\n");
  expect(text).not.toContain("old numbers");
});
