// Distinct valid GraphQL documents for the benchmark's memory pass (`npm run bench -- --documents`):
// what a fuzzer or a client with many query variants sends. Every document is a small nested
// read (orgs 2 → projects 2 → environments 1 → annotations 2 → createdBy) so that it reaches
// every level's loader and SQL, with a different selection at each level (a subset of leaf
// fields in a shuffled order), and aliases named after its index so that no two are equal
// as text even when their selections match. Deterministic: the n-th document is always the same.
//
// Every cache keyed by the document (parsed and validated documents, compiled queries,
// persisted queries) or by the SQL it leads to (prepared statements) sees 10,000 keys; a
// bounded cache keeps its size, an unbounded one shows as RSS.

/** The benchmark's nested read (scenario 2): four levels of pages and the annotations' authors. A test pins its SQL. */
export const NESTED_READ =
  "{ viewer { organizations(first: 10) { nodes { name projects(first: 10) { nodes { name environments(first: 2) { nodes { name " +
  "annotations(first: 5) { nodes { content dateMarker createdBy { email } } } } } } } } } } }";

const LEAVES = {
  organization: ["id", "name", "slug", "createdAt", "updatedAt", "uuid", "membershipLevel"],
  project: ["id", "name", "createdAt", "updatedAt", "uuid", "timezone", "anonymizeIps", "productDescription", "databaseId", "isDemo"],
  environment: ["id", "name", "createdAt", "uuid", "timezone", "isPrimary", "sessionRecordingOptIn", "baseCurrency", "weekStartDay"],
  annotation: ["id", "content", "dateMarker", "createdAt", "scope", "creationType", "databaseId"],
  user: ["id", "email", "firstName", "lastName", "distinctId"],
} as const;

/** mulberry32: a small deterministic PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The n-th document (n ≥ 0). */
export function distinctDocument(n: number): string {
  const rnd = random(n * 2654435761 + 1);
  const pick = (fields: readonly string[], level: number) => {
    const shuffled = [...fields];
    for (let i = shuffled.length - 1; i > 0; i -= 1) {
      const j = Math.floor(rnd() * (i + 1)); // Fisher–Yates
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const chosen = shuffled.slice(0, 1 + Math.floor(rnd() * 3)); // 1–3 fields
    // One field of each level under an alias named after the document: distinct text.
    return chosen.map((f, i) => (i === 0 ? `d${n}l${level}: ${f}` : f)).join(" ");
  };
  return (
    `query Q${n} { viewer { organizations(first: 2) { nodes { ${pick(LEAVES.organization, 1)} ` +
    `projects(first: 2) { nodes { ${pick(LEAVES.project, 2)} ` +
    `environments(first: 1) { nodes { ${pick(LEAVES.environment, 3)} ` +
    `annotations(first: 2) { nodes { ${pick(LEAVES.annotation, 4)} createdBy { ${pick(LEAVES.user, 5)} } } } } } } } } } } }`
  );
}

/** The first `count` documents as request bodies (JSON, one line each). */
export function distinctDocumentBodies(count: number): string[] {
  return Array.from({ length: count }, (_, n) => JSON.stringify({ query: distinctDocument(n) }));
}
