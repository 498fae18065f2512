// Demo data for a fresh embedded database: an organization, a user, two
// projects with environments, and a demo API key with every scope.
//
// The demo key survives restarts, so the key pasted into GraphiQL keeps
// working under `npm run dev` (which restarts at every save). Keys are stored
// hashed, so the server cannot print a key it issued earlier: the demo key's
// secret is kept in a file of its own inside DATA_DIR (DEMO_KEY_FILE, mode
// 0600), beside the database it belongs to. At each start the stored key is
// reused when its hash is still a live key of the demo user; a key that was
// revoked or deleted (or a new database in the same folder) gets a new one.
// A file holding the key itself rather than a seed to derive it from: a seed
// is as secret as the key, and replacing a revoked key would need a counter
// stored next to it. Deleting DATA_DIR deletes both.
import { chmodSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PrismaClient } from "../generated/prisma/client.js";
import { createApiKey } from "../auth/api-keys.js";
import { MembershipLevel } from "../auth/levels.js";
import { sha256Hex, TOKEN_PREFIX } from "../auth/tokens.js";
import { demoDomainData } from "./seed-domain.js";

export const DEMO_EMAIL = "demo@posthog.local";
export const DEMO_KEY_LABEL = "demo key (printed at start)";

export async function isEmpty(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.user.count()) === 0;
}

/** Seeds the demo organization and user. Idempotent: does nothing when the demo user exists. */
export async function seedDemo(prisma: PrismaClient): Promise<void> {
  if (await prisma.user.findUnique({ where: { email: DEMO_EMAIL } })) return;
  const user = await prisma.user.create({
    data: {
      email: DEMO_EMAIL,
      distinctId: "demo-user",
      firstName: "Demo",
      lastName: "User",
      isEmailVerified: true,
      roleAtOrganization: "engineering",
    },
  });
  const org = await prisma.organization.create({
    data: { name: "Hogflix", slug: "hogflix", memberships: { create: { userId: user.id, level: MembershipLevel.OWNER } } },
  });
  await prisma.user.update({ where: { id: user.id }, data: { currentOrganizationId: org.id } });
  await demoDomainData(prisma, { userId: user.id, organizationId: org.id });
}

/** The file inside DATA_DIR that keeps the demo key's secret between starts. */
export const DEMO_KEY_FILE = "demo-api-key";

/** Only the owner may read the stored key. */
const OWNER_ONLY = 0o600;

export interface DemoKey {
  key: string;
  /** The key stored by an earlier start (false: issued now). */
  reused: boolean;
  /** Where its secret is kept. */
  file: string;
}

/** The stored demo key, or null when there is none (or the file holds something else). */
function readStoredKey(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch {
    return null;
  }
  if (!text.startsWith(TOKEN_PREFIX.personalApiKey) || /\s/.test(text)) return null;
  // A copy restored with wider permissions is narrowed back (best effort: not every file system has modes).
  try {
    if (statSync(file).mode & 0o077) chmodSync(file, OWNER_ONLY);
  } catch {
    // left as it is
  }
  return text;
}

/** Writes the key through a temporary file, so a crash leaves the old file or the new one, never half of one. */
function storeKey(file: string, key: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${key}\n`, { mode: OWNER_ONLY, flag: "w" });
    chmodSync(temporary, OWNER_ONLY); // in case a stale temporary file existed with other permissions
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * The demo key of the embedded database in `dataDir`: the stored one while it
 * is a live key of the demo user, else a new one with every scope, stored for
 * the next start. Null when there is no demo user (SEED_DEMO=false on a fresh
 * database). Earlier keys are left alone: one printed by `npm run seed` stays usable.
 */
export async function demoKeyFor(prisma: PrismaClient, dataDir: string): Promise<DemoKey | null> {
  const user = await prisma.user.findUnique({ where: { email: DEMO_EMAIL } });
  if (!user) return null;
  const file = join(dataDir, DEMO_KEY_FILE);
  const stored = readStoredKey(file);
  if (stored) {
    const live = await prisma.personalApiKey.findFirst({
      where: { secureValue: sha256Hex(stored), userId: user.id, revokedAt: null },
      select: { id: true },
    });
    if (live) return { key: stored, reused: true, file };
  }
  const { key } = await createApiKey(prisma, { userId: user.id, label: DEMO_KEY_LABEL, scopes: ["*"] });
  storeKey(file, key);
  return { key, reused: false, file };
}

/** Issues a fresh demo key (revoking earlier ones, the stored one included), since a key's secret is shown only once (`npm run seed`). */
export async function issueDemoKey(prisma: PrismaClient): Promise<string | null> {
  const user = await prisma.user.findUnique({ where: { email: DEMO_EMAIL } });
  if (!user) return null;
  await prisma.personalApiKey.updateMany({
    where: { userId: user.id, label: DEMO_KEY_LABEL, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return (await createApiKey(prisma, { userId: user.id, label: DEMO_KEY_LABEL, scopes: ["*"] })).key;
}
