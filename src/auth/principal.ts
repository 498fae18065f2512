// The caller of a request: the API key's user, the key's scopes and limits,
// and the user's memberships, loaded in ONE SQL statement per request. Every
// authorization decision afterwards is made from this object, never by
// another query.
import { Prisma } from "../generated/prisma/client.js";
import type { Database } from "../db/client.js";
import { scopeAllows, type Scope } from "./scopes.js";
import { sha256Hex, TOKEN_PREFIX } from "./tokens.js";
import { isAdminLevel } from "./levels.js";

export interface PrincipalUser {
  id: number;
  uuid: string;
  email: string;
  firstName: string;
  lastName: string;
  distinctId: string;
  isEmailVerified: boolean | null;
  hedgehogConfig: unknown;
  roleAtOrganization: string | null;
  currentOrganizationId: string | null;
  createdAt: Date;
}

export interface PrincipalKey {
  id: string;
  label: string;
  scopes: string[];
  /** Organization ids the key is limited to; empty = all of the user's. */
  scopedOrganizations: string[];
  /** Project/environment ids the key is limited to; empty = all. */
  scopedTeams: number[];
}

export class Principal {
  private readonly levels: Map<string, number>;
  /** Memberships gained during this request (see `grant`); kept apart from `levels` on purpose. */
  private readonly grants = new Map<string, number>();

  constructor(
    readonly user: PrincipalUser,
    readonly key: PrincipalKey,
    memberships: { organizationId: string; level: number }[],
  ) {
    // Organizations outside the key's limits are invisible, as if the user were not a member.
    const limit = key.scopedOrganizations.length ? new Set(key.scopedOrganizations) : null;
    this.levels = new Map(memberships.filter((m) => !limit || limit.has(m.organizationId)).map((m) => [m.organizationId, m.level]));
  }

  hasScope(scope: Scope): boolean {
    return scopeAllows(this.key.scopes, scope);
  }

  /** The organizations the caller can see through this key. */
  get organizationIds(): string[] {
    return [...this.levels.keys()];
  }

  /** The caller's membership level in an organization, or null when it cannot see it. */
  levelIn(organizationId: string): number | null {
    return this.levels.get(organizationId) ?? null;
  }

  /**
   * Records a membership the caller gained during this request (it created the
   * organization; its memberships were loaded before). It affects ONLY
   * `levelOrGrantIn`: `levelIn`, `isAdminOf`, `canSee` and `organizationIds` do
   * not see it, and it ignores the key's organization limits, so a granted
   * organization stays invisible (NOT_FOUND) for the rest of the request.
   */
  grant(organizationId: string, level: number): void {
    this.grants.set(organizationId, level);
  }

  /** The caller's level in an organization, else the level granted in this request, else null. */
  levelOrGrantIn(organizationId: string): number | null {
    return this.levelIn(organizationId) ?? this.grants.get(organizationId) ?? null;
  }

  isAdminOf(organizationId: string): boolean {
    return isAdminLevel(this.levelIn(organizationId));
  }

  /** Whether the key may reach this project or environment (scoped_teams). */
  reachesTeam(...ids: number[]): boolean {
    if (!this.key.scopedTeams.length) return true;
    return ids.some((id) => this.key.scopedTeams.includes(id));
  }

  /** Whether an object of this organization, and optionally of these projects/environments, is visible. */
  canSee(organizationId: string, ...teamIds: number[]): boolean {
    return this.levels.has(organizationId) && (teamIds.length === 0 || this.reachesTeam(...teamIds));
  }
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: string };

const KEY_SHAPE = /^phx_[23456789A-HJ-NP-Za-km-z]{20,100}$/;

/** A key's row as the authentication statements read it: the key, its user and the user's memberships. */
type KeyRow = PrincipalKey & { user: PrincipalUser; memberships: { organizationId: string; level: number }[] };

/** What the authentication statements select from a key `k` and its user `u`. */
const KEY_ROW_COLUMNS = Prisma.sql`k.id, k.label, k.scopes, k."scopedOrganizations", k."scopedTeams",
      json_build_object('id', u.id, 'uuid', u.uuid, 'email', u.email, 'firstName', u."firstName",
        'lastName', u."lastName", 'distinctId', u."distinctId", 'isEmailVerified', u."isEmailVerified",
        'hedgehogConfig', u."hedgehogConfig", 'roleAtOrganization', u."roleAtOrganization",
        'currentOrganizationId', u."currentOrganizationId", 'createdAt', u."createdAt") AS "user",
      coalesce((SELECT json_agg(json_build_object('organizationId', m."organizationId", 'level', m.level))
        FROM "OrganizationMembership" m WHERE m."userId" = u.id), '[]'::json) AS memberships`;

const MALFORMED: AuthResult = { ok: false, reason: "The API key is malformed: personal API keys start with `phx_`." };
const UNKNOWN: AuthResult = { ok: false, reason: "The API key is not valid: it is unknown or has been revoked." };

const wellFormed = (rawKey: string) => rawKey.startsWith(TOKEN_PREFIX.personalApiKey) && KEY_SHAPE.test(rawKey);

function principalOf(row: KeyRow): Principal {
  const user = { ...row.user, createdAt: new Date(row.user.createdAt as unknown as string) };
  const { id, label, scopes, scopedOrganizations, scopedTeams } = row;
  return new Principal(user, { id, label, scopes, scopedOrganizations, scopedTeams }, row.memberships);
}

/**
 * Authenticates a personal API key with one statement: it reads the key, its
 * user and the user's memberships, and marks the key used (at most hourly).
 */
export async function authenticateKey(db: Pick<Database, "sql">, rawKey: string): Promise<AuthResult> {
  if (!wellFormed(rawKey)) return MALFORMED;
  // Straight through the driver (db.sql), as every request runs it; Prisma's raw-query path cost ~0.3 ms more CPU.
  const rows = await db.sql<KeyRow>(Prisma.sql`
    WITH key AS (
      SELECT * FROM "PersonalApiKey" WHERE "secureValue" = ${sha256Hex(rawKey)} AND "revokedAt" IS NULL
    ), touched AS (
      UPDATE "PersonalApiKey" SET "lastUsedAt" = now()
      WHERE id = (SELECT id FROM key) AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - interval '1 hour')
    )
    SELECT ${KEY_ROW_COLUMNS}
    FROM key k JOIN "User" u ON u.id = k."userId"`);
  const row = rows[0];
  return row ? { ok: true, principal: principalOf(row) } : UNKNOWN;
}

/**
 * Authenticates many keys with one statement (live activity re-checks every
 * subscriber's key at each event): each key's answer is what authenticateKey
 * would answer, in the order of `rawKeys`.
 */
export async function authenticateKeys(db: Pick<Database, "sql">, rawKeys: readonly string[]): Promise<AuthResult[]> {
  const hashes = [...new Set(rawKeys.filter(wellFormed).map(sha256Hex))];
  const rows = hashes.length
    ? await db.sql<KeyRow & { secureValue: string }>(Prisma.sql`
    WITH key AS (
      SELECT * FROM "PersonalApiKey" WHERE "secureValue" = ANY(${hashes}::text[]) AND "revokedAt" IS NULL
    ), touched AS (
      UPDATE "PersonalApiKey" SET "lastUsedAt" = now()
      WHERE id IN (SELECT id FROM key) AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - interval '1 hour')
    )
    SELECT k."secureValue", ${KEY_ROW_COLUMNS}
    FROM key k JOIN "User" u ON u.id = k."userId"`)
    : [];
  const byHash = new Map(rows.map((row) => [row.secureValue, row]));
  return rawKeys.map((rawKey) => {
    if (!wellFormed(rawKey)) return MALFORMED;
    const row = byHash.get(sha256Hex(rawKey));
    return row ? { ok: true, principal: principalOf(row) } : UNKNOWN;
  });
}
