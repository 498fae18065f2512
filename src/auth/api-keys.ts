// Issuing, listing and revoking personal API keys (operator CLI, seed, tests).
// The secret is returned once; only its sha256 hash is stored.
import type { PersonalApiKey, PrismaClient } from "../generated/prisma/client.js";
import { generateToken, maskToken, sha256Hex, TOKEN_PREFIX } from "./tokens.js";
import { isValidScope } from "./scopes.js";

export interface NewApiKey {
  userId: number;
  label: string;
  scopes: string[];
  scopedOrganizations?: string[];
  scopedTeams?: number[];
}

export async function createApiKey(prisma: PrismaClient, input: NewApiKey): Promise<{ key: string; record: PersonalApiKey }> {
  const invalid = input.scopes.filter((s) => !isValidScope(s));
  if (invalid.length) throw new Error(`Unknown scope(s): ${invalid.join(", ")}`);
  if (!input.label.trim()) throw new Error("A key needs a label.");
  const key = generateToken(TOKEN_PREFIX.personalApiKey);
  const record = await prisma.personalApiKey.create({
    data: {
      userId: input.userId,
      label: input.label.trim(),
      secureValue: sha256Hex(key),
      maskValue: maskToken(key)!,
      scopes: input.scopes,
      scopedOrganizations: input.scopedOrganizations ?? [],
      scopedTeams: input.scopedTeams ?? [],
    },
  });
  return { key, record };
}

export function listApiKeys(prisma: PrismaClient, userId?: number) {
  return prisma.personalApiKey.findMany({
    where: userId ? { userId } : {},
    include: { user: { select: { email: true } } },
    orderBy: { createdAt: "asc" },
  });
}

/** Revokes a key by id; answers false when there is no such live key. */
export async function revokeApiKey(prisma: PrismaClient, id: string): Promise<boolean> {
  const { count } = await prisma.personalApiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  return count === 1;
}
