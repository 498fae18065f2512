// PostHog's tokens: random base57 strings with a type prefix, and their masked form.
import { createHash, randomInt } from "node:crypto";

/** base62 without the look-alikes 0 1 O I l, as PostHog generates tokens. */
export const BASE57_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

export const TOKEN_PREFIX = {
  publicProject: "phc_",
  secretProject: "phs_",
  personalApiKey: "phx_",
} as const;

export function randomBase57(length: number): string {
  let out = "";
  for (let i = 0; i < length; i += 1) out += BASE57_ALPHABET[randomInt(BASE57_ALPHABET.length)];
  return out;
}

/** A fresh token: prefix + 43 base57 characters (~250 bits of entropy, 47 characters in all). */
export function generateToken(prefix: string): string {
  return prefix + randomBase57(43);
}

/** PostHog's masked form: first 4 + "..." + last 4; shorter than 16 characters → "********". */
export function maskToken(token: string | null | undefined): string | null {
  if (token == null) return null;
  if (token.length < 16) return "********";
  return `${token.slice(0, 4)}...${token.slice(-4)}`;
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
