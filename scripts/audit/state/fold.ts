import type { ChainEvent } from "../event-source";

/** The decoded arguments of an event as the typechain `OutputObject` of that event (ethers' Result reads by name). */
export function argsOf<T>(event: ChainEvent): T {
  return event.args as unknown as T;
}

/**
 * Whether an event counts for the state at `time`: its block was mined at or before `time`. A change takes effect
 * from its block's time (the contracts act from the next block on, and block times increase), so a delivery stamped
 * at or after the block that withdrew a consent was not covered by it.
 */
export function happenedBy(event: { time: number }, time: number): boolean {
  return event.time <= time;
}

/** Groups events by a key taken from each. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
