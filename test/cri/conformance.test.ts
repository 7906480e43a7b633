/**
 * `npm run conformance` inside `npm test`: the same checks (test/cri/
 * conformance.ts) on a two-node cluster driven over CRI, once with cni-ts
 * and once with the reference plugins, one test per check. Teardown must
 * leave nothing, and IPVS is reported, never silently skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS, formatReport, runConformance, type ConformanceReport } from "./conformance.ts";

describe.each(["cni-ts", "reference"] as const)("conformance over CRI (%s plugins)", (implementation) => {
  let report: ConformanceReport;

  beforeAll(async () => {
    report = await runConformance(implementation);
  }, 240_000);
  afterAll(() => {
    if (report) process.stdout.write(`${formatReport(report)}\n`);
  });

  it.each(CHECKS)("%s", (check) => {
    const result = report.results.find((r) => r.check === check);
    expect(result, `${check} did not run`).toBeDefined();
    expect(result!.ok, result!.detail).toBe(true);
  });

  it("says whether IPVS ran", () => {
    expect(report.ipvs).toMatch(/^ipvs: /);
  });

  it("teardown leaves no namespace, cgroup, directory or process", () => {
    expect(report.leftovers).toEqual([]);
  });
});
