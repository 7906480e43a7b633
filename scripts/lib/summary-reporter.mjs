// A vitest reporter that writes, to the file named by CNITS_TEST_SUMMARY,
// what scripts/test.mjs's closing lines say: the counts, and each skipped
// test with the reason its `ctx.skip(condition, reason)` gave.
import { writeFileSync } from "node:fs";
import { relative } from "node:path";

export default class SummaryReporter {
  onTestRunEnd(testModules) {
    const out = process.env.CNITS_TEST_SUMMARY;
    if (!out) return;
    let passed = 0;
    let failed = 0;
    const skipped = [];
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === "passed") passed++;
        else if (result.state === "failed") failedHere++;
        else if (result.state === "skipped") skipped.push({ file: relative(process.cwd(), module.moduleId), name: test.fullName, reason: result.note });
      }
      // A file that fails to load has no failed test of its own: count it once.
      failed += failedHere === 0 && module.state() === "failed" ? 1 : failedHere;
    }
    writeFileSync(out, JSON.stringify({ passed, failed, skipped }));
  }
}
