// Organizations: visibility, creation (the creator becomes owner) and updates (admins).
import type { Organization } from "../../generated/prisma/client.js";
import type { Context } from "../../context.js";
import { viewerOf } from "../../context.js";
import { forbidden, notFound } from "../../errors.js";
import { isUniqueViolation } from "../../db/errors.js";
import { lockKey } from "../../db/row-locks.js";
import { MembershipLevel } from "../../auth/levels.js";
import { ok, refused, userErrorsFromZod, type Outcome } from "../outcome.js";
import { parseIdFor } from "../ids.js";
import { createOrganizationInput, updateOrganizationInput } from "./validation.js";

/** The organization if the caller can see it; NOT_FOUND otherwise (also for malformed ids). */
export async function getVisibleOrganization(ctx: Context, id: string): Promise<Organization> {
  const orgId = parseIdFor("Organization", "uuid", id);
  const principal = viewerOf(ctx);
  if (orgId == null || !principal.canSee(String(orgId))) throw notFound("Organization", id);
  const org = await ctx.loaders.organizationById.load(String(orgId));
  if (!org) throw notFound("Organization", id);
  return org;
}

/** PostHog's `@current`: the user's current organization if still visible, else their first one. */
export async function getCurrentOrganization(ctx: Context): Promise<Organization | null> {
  const principal = viewerOf(ctx);
  const current = principal.user.currentOrganizationId;
  const id = current && principal.canSee(current) ? current : principal.organizationIds[0];
  return id ? ctx.loaders.organizationById.load(id) : null;
}

export function requireAdmin(ctx: Context, organizationId: string, action: string): void {
  const principal = viewerOf(ctx);
  if (!principal.canSee(organizationId)) throw notFound("Organization", organizationId);
  if (!principal.isAdminOf(organizationId)) {
    throw forbidden(`Only organization admins (level 8 or more) may ${action}.`);
  }
}

function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "") // accents come apart under NFKD: "Hög" → "Ho" + "̈" + "g" → "hog"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return base || "organization";
}

/** The caller's level in an organization: from the principal, or as the creator of one made in this request (see Principal.grant). */
export function callerLevelIn(ctx: Context, organizationId: string): number | null {
  return viewerOf(ctx).levelOrGrantIn(organizationId);
}

/** A free slug: the name's, or the first free `<slug>-<n>`. */
async function freeSlug(tx: Pick<Context["prisma"], "organization">, base: string): Promise<string> {
  const taken = new Set(
    (
      await tx.organization.findMany({
        where: { OR: [{ slug: base }, { slug: { startsWith: `${base}-` } }] },
        select: { slug: true },
      })
    ).map((o) => o.slug),
  );
  let slug = base;
  for (let n = 2; taken.has(slug); n += 1) slug = `${base}-${n}`;
  return slug;
}

export async function createOrganization(ctx: Context, input: unknown): Promise<Outcome<Organization>> {
  const parsed = createOrganizationInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const principal = viewerOf(ctx);
  const base = slugify(parsed.data.name);
  // Creators of one name queue on a lock of its slug, so each finds the slugs of those before it.
  // A name whose slug is another's numbered one ("Acme 2" and a second "Acme" both want "acme-2")
  // can still collide: the unique index refuses the loser, which then picks again.
  for (let attempt = 1; ; attempt += 1) {
    try {
      const org = await ctx.prisma.$transaction(async (tx) => {
        await lockKey(tx, `organization-slug:${base}`);
        const created = await tx.organization.create({
          data: {
            name: parsed.data.name,
            slug: await freeSlug(tx, base),
            memberships: { create: { userId: principal.user.id, level: MembershipLevel.OWNER } },
          },
        });
        if (!principal.user.currentOrganizationId) {
          await tx.user.updateMany({
            where: { id: principal.user.id, currentOrganizationId: null },
            data: { currentOrganizationId: created.id },
          });
        }
        return created;
      });
      // The principal was loaded before this organization existed.
      principal.grant(org.id, MembershipLevel.OWNER);
      return ok(org);
    } catch (error) {
      if (attempt < MAX_SLUG_ATTEMPTS && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}

/** Each attempt either succeeds or lost a slug to a creator of a different name; this many losses in a row is a fault. */
const MAX_SLUG_ATTEMPTS = 50;

export async function updateOrganization(ctx: Context, input: unknown): Promise<Outcome<Organization>> {
  const parsed = updateOrganizationInput.safeParse(input, { reportInput: true });
  if (!parsed.success) return refused(...userErrorsFromZod(parsed.error));
  const org = await getVisibleOrganization(ctx, parsed.data.id);
  requireAdmin(ctx, org.id, "update an organization");
  if (parsed.data.name === undefined || parsed.data.name === org.name) return ok(org);
  return ok(await ctx.prisma.organization.update({ where: { id: org.id }, data: { name: parsed.data.name } }));
}
