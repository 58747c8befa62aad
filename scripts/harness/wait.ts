/** Bounded waiting: every wait of the harness ends, with a message naming what it waited for. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** Pause between probes; default 250 ms. */
  intervalMs?: number;
  /** Called before every probe; throws to give up at once (the process being waited on has exited, a stop). */
  check?: () => void;
  /** The error thrown when the bound passes; by default one naming `what`, the bound and the probe's last error. */
  onTimeout?: (lastError: unknown) => Error;
}

/**
 * Polls `probe` until it returns a value other than undefined or false, or `boundMs` passes. A probe that throws
 * counts as "not yet" (a server not listening yet refuses the connection); its last error is named on timeout.
 */
export async function waitFor<T>(
  what: string,
  boundMs: number,
  probe: () => Promise<T | undefined | false>,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + boundMs;
  let lastError: unknown;
  for (;;) {
    options.check?.();
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw (
        options.onTimeout?.(lastError) ??
        new Error(
          `timed out after ${boundMs / 1000} s waiting for ${what}` +
            (lastError === undefined
              ? ""
              : ` (last: ${lastError instanceof Error ? lastError.message : String(lastError)})`),
        )
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}
