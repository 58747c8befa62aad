/**
 * A notice carried across one hash navigation: a form that has done its change on chain sends the clerk back to the
 * list, and the list says what was done (the navigation draws the list anew, so the notice cannot be passed along).
 */
let pending = null;

export function leaveFlash(notice) {
  pending = notice;
}

/** The notice left for the next page drawn, once. */
export function takeFlash() {
  const notice = pending;
  pending = null;
  return notice;
}
