// Sums Vitest JSON reports into the closing line "N passed, N failed[, N skipped]" and exits
// non-zero when anything failed. Usage: node .ci/count.mjs <failed non-test steps> <report.json>...
import { existsSync, readFileSync } from "node:fs";

const [failedSteps = "0", ...files] = process.argv.slice(2);
let passed = 0;
let failed = Number(failedSteps);
let skipped = 0;
for (const file of files) {
  if (!existsSync(file)) {
    console.log(`missing report: ${file}`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (report.success === false && (report.numFailedTests ?? 0) === 0) failed += 1;
}
if (passed + failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed === 0 ? 0 : 1;
