// What a name that is not a string is told, the same in every area whose input names something (roles, cohorts):
// required when creating, never null (leaving it out keeps the current name), a string.

/** zod's `error` for a name's type check. */
export const nameTypeError = (issue: { input?: unknown }): string =>
  issue.input === undefined
    ? "Name is required."
    : issue.input === null
      ? "Name must not be null; omit it to keep the current name."
      : "Name must be a string.";
