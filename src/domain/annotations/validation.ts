// Input rules of annotations, as PostHog's serializer applies them: content of
// at most 8192 characters, a known scope (never `recording` on write), a
// creation type USR or GIT; and of their lists: a date range whose start is
// not after its end. Whether dashboardItem / dashboardId name an insight /
// dashboard of the annotation's environment (the one it moves to, on a move),
// and whether that environment may take it, is checked by the service (it
// needs the database); its errors are reported with these.
import { z } from "zod";

export const CONTENT_MAX_LENGTH = 8192;

/** Scopes as stored (PostHog's values). `recording` exists in PostHog but is refused on write. */
export const ANNOTATION_SCOPES = ["dashboard_item", "dashboard", "project", "organization", "recording"] as const;
export const WRITABLE_SCOPES = ["dashboard_item", "dashboard", "project", "organization"] as const;
export type AnnotationScopeValue = (typeof ANNOTATION_SCOPES)[number];

export const CREATION_TYPES = ["USR", "GIT"] as const;
export type CreationTypeValue = (typeof CREATION_TYPES)[number];

/** The longest `search` accepted on annotation lists. */
export const SEARCH_MAX_LENGTH = 200;

const content = z.string().max(CONTENT_MAX_LENGTH, `Content must be at most ${CONTENT_MAX_LENGTH} characters.`).nullish();

const scope = z.enum(WRITABLE_SCOPES, {
  error: (issue) =>
    issue.input === "recording"
      ? "Annotations scoped to a recording cannot be created or changed (PostHog refuses them too)."
      : issue.input === null
        ? "Scope cannot be null; omit it to keep the current one."
        : `Scope must be one of: ${WRITABLE_SCOPES.join(", ")}.`,
});

const creationType = z.enum(CREATION_TYPES, {
  error: (issue) =>
    issue.input === null ? "Creation type cannot be null; omit it to keep the current one." : "Creation type must be USR or GIT.",
});

const dateMarker = z.date({ error: "Date marker must be a date and time." }).nullish();

/** An insight's or dashboard's PostHog id; null (or omitted) for none. */
const reference = (what: string) => z.number().int().positive(`${what} ids are positive integers.`).nullish();

const fields = {
  content,
  dateMarker,
  creationType: creationType.optional(),
  scope: scope.optional(),
  dashboardItem: reference("Insight"),
  dashboardId: reference("Dashboard"),
};

export const createAnnotationInput = z.object({ environmentId: z.string().min(1), ...fields });

/** The environment an update moves the annotation to; omitted, it stays where it is. */
const moveTarget = z
  .string({
    error: (issue) =>
      issue.input === null ? "Environment cannot be null; omit it to keep the annotation where it is." : "Give an environment's id.",
  })
  .min(1, "Give an environment's id.")
  .optional();

export const updateAnnotationInput = z.object({ id: z.string().min(1), environmentId: moveTarget, ...fields });

export type CreateAnnotationInput = z.infer<typeof createAnnotationInput>;
export type UpdateAnnotationInput = z.infer<typeof updateAnnotationInput>;

/**
 * Why a list's date range is refused, or null: as in PostHog
 * ("Invalid date range: date_from must be before date_to"), a `dateFrom`
 * after `dateTo`; equal bounds are a valid (one-instant) range.
 */
export function dateRangeError(range: { dateFrom?: Date | null; dateTo?: Date | null }): string | null {
  const { dateFrom, dateTo } = range;
  if (dateFrom && dateTo && dateFrom.getTime() > dateTo.getTime()) return "Invalid date range: dateFrom must be before dateTo.";
  return null;
}
