// LIKE patterns from user text: its wildcards and PostgreSQL's default escape
// character (`\`) are escaped, so a search for "50%_off" matches that text.

/** `s` with LIKE's `%`, `_` and `\` escaped. */
export const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The pattern of "contains `term`" (use with ILIKE for case-insensitive). */
export const containsPattern = (term: string): string => `%${likeEscape(term)}%`;
