/**
 * Shifts this process's wall clock by KUAJIE_HARNESS_CLOCK_OFFSET_MS (positive: ahead), from outside the code it
 * runs: loaded with `node --require` (NODE_OPTIONS) by the fault tests, so that a gateway can run with a skewed
 * clock without any clock option in the gateway itself. Date.now() and `new Date()` are shifted; timers and
 * performance.now() (monotonic) are not, as a host whose clock is set wrong behaves.
 */
"use strict";

const offset = Number(process.env.KUAJIE_HARNESS_CLOCK_OFFSET_MS);
if (!Number.isSafeInteger(offset)) {
  throw new Error(
    `KUAJIE_HARNESS_CLOCK_OFFSET_MS must be an integer (ms), not ${process.env.KUAJIE_HARNESS_CLOCK_OFFSET_MS}`,
  );
}
const RealDate = Date;

class ShiftedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + offset);
    else super(...args);
  }

  static now() {
    return RealDate.now() + offset;
  }

  // Dates made by native code (fs.stat, a driver) are RealDate instances, and still dates.
  static [Symbol.hasInstance](value) {
    return value instanceof RealDate;
  }
}

globalThis.Date = ShiftedDate;
