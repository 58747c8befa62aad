// Mocha's spec reporter plus one closing line "N passed, N failed" (what CI reads), computed from the real run.
"use strict";
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      // Printed after the spec reporter's epilogue, so it is the last line of the run.
      process.nextTick(() => {
        const skipped = pending > 0 ? `, ${pending} skipped` : "";
        console.log(`${passes} passed, ${failures} failed${skipped}`);
      });
    });
  }
}

module.exports = SummaryReporter;
