// The organizations area's pure rules: slugs and membership levels. No
// database, no GraphQL (unit-tested in test/unit/organizations).

/** The URL name an organization's display name gives: lowercase ASCII letters, digits and single dashes, at most 40 characters. */
export function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "") // accents come apart under NFKD: "Hög" → "Ho" + "̈" + "g" → "hog"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-$/, ""); // a cut right after a dash must not leave it at the end
  return base || "organization";
}

/** The first free slug: `base` itself, else `<base>-2`, `<base>-3`, ... (the taken ones are those starting so). */
export function firstFreeSlug(base: string, taken: ReadonlySet<string>): string {
  let slug = base;
  for (let n = 2; taken.has(slug); n += 1) slug = `${base}-${n}`;
  return slug;
}

/** The named level (PostHog's 1, 8 or 15) of a stored level; levels between the named ones round down. */
export function membershipLevelOf(level: number): 1 | 8 | 15;
export function membershipLevelOf(level: number | null): 1 | 8 | 15 | null;
export function membershipLevelOf(level: number | null): 1 | 8 | 15 | null {
  if (level == null) return null;
  return level >= 15 ? 15 : level >= 8 ? 8 : 1;
}
