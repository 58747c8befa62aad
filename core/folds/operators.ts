/**
 * The one fold of Consortium operator events into the accounts that act for one department, as the contract holds
 * them: `OperatorAdded` (at admission for the department's first admin, and by an admin later) adds an account,
 * `OperatorRemoved` takes it out. Both events name the department first and the account second, so the fold reads
 * the event name and the account alone; the caller groups events by department. Pure: the set it is given is never
 * changed.
 */

/** The Consortium events that change which accounts act for a department. */
export const OPERATOR_EVENTS: readonly string[] = ["OperatorAdded", "OperatorRemoved"];

/** The department's operator accounts (lower-case addresses) after the event `name` about `account`. */
export function applyOperatorEvent(operators: ReadonlySet<string>, name: string, account: string): ReadonlySet<string> {
  const key = account.toLowerCase();
  if (name === "OperatorAdded" && !operators.has(key)) return new Set([...operators, key]);
  if (name === "OperatorRemoved" && operators.has(key)) {
    const after = new Set(operators);
    after.delete(key);
    return after;
  }
  return operators;
}
