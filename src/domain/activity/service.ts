// The rules of the activity log: one entry per change, with field-level
// before/after (diffFields), secrets only masked, and no entry for an update
// that changed nothing. Every area records its changes through here; the
// statements are in store.ts.
import type { ActivityLog } from "../../generated/prisma/client.js";
import { maskToken } from "../../auth/tokens.js";
import { insertActivity, type ActivityWriter } from "./store.js";

export type ActivityVerb = "created" | "updated" | "deleted" | string;

export interface FieldChange {
  /** The changed object's scope, e.g. "Team", "Project", "Role". */
  type: string;
  action: "changed" | "created" | "deleted";
  field: string;
  before: unknown;
  after: unknown;
}

export interface ActivityDetail {
  name: string | null;
  changes: FieldChange[];
  /** Free-form context of special actions (e.g. the organizations of a move). */
  context?: Record<string, unknown> | null;
}

/** Fields never diffed, as in PostHog. */
const NEVER_DIFFED = new Set(["id", "uuid", "createdAt", "updatedAt", "createdBy", "createdById"]);

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function plain(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : (value ?? null);
}

/**
 * The field-level changes between two versions of an object, over `fields`.
 * Fields in `secret` are recorded only masked (`phs_...abcd`).
 */
export function diffFields(
  scope: string,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  fields: readonly string[],
  secret: ReadonlySet<string> = new Set(),
): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of fields) {
    if (NEVER_DIFFED.has(field)) continue;
    const b = before ? before[field] : undefined;
    const a = after ? after[field] : undefined;
    if (before && after && same(b, a)) continue;
    if (!before && (a === undefined || a === null)) continue;
    if (!after && (b === undefined || b === null)) continue;
    const show = (v: unknown) => (secret.has(field) && typeof v === "string" ? maskToken(v) : plain(v));
    changes.push({
      type: scope,
      action: !before ? "created" : !after ? "deleted" : "changed",
      field,
      before: before ? show(b) : null,
      after: after ? show(a) : null,
    });
  }
  return changes;
}

export interface NewActivity {
  organizationId: string;
  projectId?: number | null;
  environmentId?: number | null;
  userId: number | null;
  activity: ActivityVerb;
  scope: string;
  itemId: string | number;
  detail: ActivityDetail;
}

/** Records one entry. An update with no field changes records nothing (returns false). */
export async function logActivity(tx: ActivityWriter, entry: NewActivity): Promise<boolean> {
  if (entry.activity === "updated" && entry.detail.changes.length === 0) return false;
  await insertActivity(tx, {
    organizationId: entry.organizationId,
    projectId: entry.projectId ?? null,
    environmentId: entry.environmentId ?? null,
    userId: entry.userId,
    activity: entry.activity,
    scope: entry.scope,
    itemId: String(entry.itemId),
    detail: entry.detail,
  });
  return true;
}

/** An entry's detail, as logActivity wrote it. */
export const detailOf = (entry: Pick<ActivityLog, "detail">): ActivityDetail => entry.detail as unknown as ActivityDetail;
