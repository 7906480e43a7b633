import { expect, test } from "vitest";
import { BEGIN_MARKER, END_MARKER, benchOutputs, renderReport, summaryLine, type Report } from "./report.ts";
import { summarize } from "./stats.ts";

const s = (...v: number[]) => summarize(v);
const report: Report = {
  date: "2026-11-26",
  load: { before: "0.10 0.20 0.30", after: "0.50 0.40 0.30" },
  stealPercent: 0.44,
  iterations: 3,
  cniVersion: "1.0.0",
  kernel: "6.18",
  cpus: 2,
  latency: [
    {
      label: "bridge ADD",
      ours: s(20, 22, 24),
      reference: s(9, 10, 11),
      floor: s(15, 16, 17),
      cpu: { ours: s(18), reference: s(4), floor: s(13) },
      target: 0.9,
    },
    { label: "bridge DEL", ours: s(30), reference: s(10), floor: s(16), cpu: { ours: s(20), reference: s(3), floor: s(13) }, target: 0.9 },
    { label: "loopback VERSION", ours: s(18), reference: s(2), cpu: { ours: s(14), reference: s(1) } },
  ],
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

test("renderReport() writes plain ratios, the work above F with its ratio, and verdicts on the latter", () => {
  const text = renderReport(report, "", "docs/bench-latency.svg");
  expect(text).toContain("| bridge ADD | 22.0 (21.0–23.0) | 10.0 (9.5–10.5) | 16.0 (15.5–16.5) | 2.2 | 6.0 | 0.6 | ≤ 0.9 ✅ |");
  expect(text).toContain("| bridge DEL | 30.0 (30.0–30.0) | 10.0 (10.0–10.0) | 16.0 (16.0–16.0) | 3 | 14.0 | 1.4 | ≤ 0.9 ❌ |");
  // No F beside it: no above-floor columns and no verdict.
  expect(text).toContain("| loopback VERSION | 18.0 (18.0–18.0) | 2.0 (2.0–2.0) |  | 9 |  |  |  |");
  expect(text).toContain("DEL at 4000 / DEL at 10: cni-ts 1.1 (target ≤ 1.5 ✅), reference 4.");
  expect(text).toContain("| 40 concurrent ADDs, wall | 500.0 (500.0–500.0) | 300.0 (300.0–300.0) | 1.67 |");
  expect(text).toContain("before the run: 0.10 0.20 0.30; after it: 0.50 0.40 0.30.");
});

test("renderReport() holds the CPU of every ADD to F's + the reference's", () => {
  const text = renderReport(report, "", "docs/bench-latency.svg");
  expect(text).toContain("| bridge ADD | 18.0 | 13.0 | 4.0 | 5.0 | 17.0 ❌ |");
  expect(text).toContain("| bridge DEL | 20.0 | 13.0 | 3.0 | 7.0 |  |");
});

test("renderReport() says how quiet the machine was: load average and the hypervisor's steal", () => {
  const text = renderReport(report, "", "docs/bench-latency.svg");
  expect(text).toContain("before the run: 0.10 0.20 0.30; after it: 0.50 0.40 0.30.");
  expect(text).toContain("during the latency runs (steal, /proc/stat): 0.4 %.");
});

test("renderReport() keeps the hand-written notes outside the markers", () => {
  const previous = `# Notes\nintro\n${BEGIN_MARKER}\nold numbers\n${END_MARKER}\n## Tried\n- snapshot: +3 ms\n`;
  const text = renderReport(report, previous, "docs/bench-latency.svg");
  expect(text.startsWith("# Notes\nintro\n")).toBe(true);
  expect(text).toContain("## Tried\n- snapshot: +3 ms\n");
  expect(text).not.toContain("old numbers");
});

test("a median below F's shows no negative figure: the work above F counts as 0, in the table and the summary", () => {
  const below = { label: "loopback ADD", ours: s(15), reference: s(3), floor: s(16), cpu: { ours: s(12), reference: s(1), floor: s(13) } };
  const text = renderReport({ ...report, latency: [below] }, "", "bench-latency.svg");
  expect(text).toContain("| loopback ADD | 15.0 (15.0–15.0) | 3.0 (3.0–3.0) | 16.0 (16.0–16.0) | 5 | 0.0 | 0 |  |");
  expect(text).toContain("| loopback ADD | 12.0 | 13.0 | 1.0 | 0.0 |  |");
  expect(text).toContain("Plot: [bench-latency.svg](bench-latency.svg).");
  expect(summaryLine(below)).toBe("loopback ADD             ours 15.0 ms  reference 3.0 ms  ratio 5  (ours − F) / reference 0");
  expect(`${text}\n${summaryLine(below)}`).not.toMatch(/(^|[\s(|])-\d|\+ -/m);
});

test("benchOutputs(): untracked bench-results/ by default, the committed files only with --update-docs, --out moves the plot too", () => {
  expect(benchOutputs("/repo", undefined, false)).toEqual({ report: "/repo/bench-results/BENCHMARKS.md", plot: "/repo/bench-results/bench-latency.svg" });
  expect(benchOutputs("/repo", undefined, true)).toEqual({ report: "/repo/BENCHMARKS.md", plot: "/repo/docs/bench-latency.svg" });
  expect(benchOutputs("/repo", "/tmp/run/quick.md", true)).toEqual({ report: "/tmp/run/quick.md", plot: "/tmp/run/bench-latency.svg" });
});
