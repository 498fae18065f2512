// The rules of the activity log: one entry per change, with field-level
// before/after (diffFields), secrets only masked, and no entry for an update
// that changed nothing. Every area records its changes through here; the
// statements are in store.ts.
import DataLoader from "dataloader";
import { GraphQLError } from "graphql";
import type { ActivityLog } from "../../generated/prisma/client.js";
import { maskToken } from "../../auth/tokens.js";
import { authenticateKeys, type AuthResult, type Principal } from "../../auth/principal.js";
import { ACTIONS, hasScope } from "../../auth/policy.js";
import { createContext, type Context } from "../../context.js";
import type { Config } from "../../config.js";
import type { Database } from "../../db/client.js";
import type { Loaders } from "../../loaders.js";
import { forbidden, unauthenticated } from "../../errors.js";
import { getVisibleProject } from "../projects/access.js";
import type { DeliveryRound } from "./live.js";
import { activityEntriesOfProject, insertActivity, type ActivityWriter } from "./store.js";

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

// Who receives live activity (Subscription.activityCreated). Each subscriber's
// access is checked again at every event and re-check round, against the
// database, but what subscribers have in common is read once per round
// (DeliveryRound, live.ts): every key of the round's subscribers in one
// statement (authenticateKeys), each project once, each entry once, and the
// rows the entries' fields resolve through one set of loaders. So an event
// delivered to 1,000 subscribers of an organization costs the same few
// statements as one delivered to a single subscriber, and a revoked key, a
// removed member or a deleted project still stops delivery at the next event.

/** A subscriber's standing after a check: its fresh principal and the round's loaders, or the error that ends its stream. */
export type LiveAccess = { ok: true; principal: Principal; loaders: Loaders } | { ok: false; error: GraphQLError };

const LIVE_SCOPE = ACTIONS["activity:read"].scope;
const LIVE_MISSING_SCOPE = `The API key lacks the scope needed for \`Subscription.activityCreated\`: ${LIVE_SCOPE}.`;

/**
 * The first check of the policy's order (src/auth/policy.ts): the key's scope,
 * before the project is looked at. Visibility follows (getVisibleProject:
 * NOT_FOUND); any member may read activity, so no level check remains.
 */
export function liveScopeRefusal(principal: Principal): GraphQLError | null {
  return hasScope(principal, LIVE_SCOPE) ? null : forbidden(LIVE_MISSING_SCOPE);
}

const isGraphQLError = (e: unknown): e is GraphQLError => e instanceof Error && e.name === "GraphQLError";

/** What one round reads for all its subscribers. */
class LiveRound {
  /** A request's context without a caller: each check adds its own principal to it (the loaders are shared). */
  private readonly base: Context;
  private readonly keys: DataLoader<string, AuthResult>;
  private readonly access = new Map<string, Promise<LiveAccess>>();
  private readonly entries = new Map<number, DataLoader<string, ActivityLog | null>>();

  constructor(db: Database, config: Config) {
    this.base = createContext(db, config, null);
    this.keys = new DataLoader((rawKeys) => authenticateKeys(db, rawKeys));
  }

  /**
   * The access of `rawKey` to the project `projectArg` names, decided once per round for each (key, project).
   * A refusal comes as an error of the caller's own (later hooks may annotate it: one per stream).
   */
  async check(rawKey: string, projectArg: string): Promise<LiveAccess> {
    const id = JSON.stringify([rawKey, projectArg]);
    let decided = this.access.get(id);
    if (!decided) {
      decided = this.decide(rawKey, projectArg);
      this.access.set(id, decided);
    }
    const access = await decided;
    if (access.ok) return access;
    const { message, extensions } = access.error;
    return { ok: false, error: new GraphQLError(message, { extensions: { ...extensions } }) };
  }

  /** The entry `id` if it belongs to the project (else null): the entries of one project in a round are read together. */
  entry(projectId: number, id: string): Promise<ActivityLog | null> {
    let loader = this.entries.get(projectId);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const rows = await activityEntriesOfProject(this.base.prisma, projectId, [...ids]);
        const byId = new Map(rows.map((r) => [r.id, r]));
        return ids.map((i) => byId.get(i) ?? null);
      });
      this.entries.set(projectId, loader);
    }
    return loader.load(id);
  }

  private async decide(rawKey: string, projectArg: string): Promise<LiveAccess> {
    const auth = await this.keys.load(rawKey);
    if (!auth.ok) return { ok: false, error: unauthenticated(auth.reason) };
    const missingScope = liveScopeRefusal(auth.principal);
    if (missingScope) return { ok: false, error: missingScope };
    try {
      await getVisibleProject({ ...this.base, principal: auth.principal }, projectArg);
    } catch (error) {
      if (isGraphQLError(error)) return { ok: false, error };
      throw error;
    }
    return { ok: true, principal: auth.principal, loaders: this.base.loaders };
  }
}

/** The shared reads of a round, for subscribers of this database. */
export function liveRound(round: DeliveryRound, db: Database, config: Config): LiveRound {
  return round.shared("activity", () => new LiveRound(db, config));
}
