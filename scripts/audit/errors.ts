/**
 * A usage or connection problem: the auditor could not check anything. The CLI prints the one-line message (which
 * says what to fix) and exits with status 2, as opposed to a violation, which is a finding about the chain or the
 * receipts (status 1).
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
