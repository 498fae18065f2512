// `npm run bench:seed`: the benchmark's dataset, deterministic and set-based.
//
// 20 organizations × 25 projects × 2 environments × 40 annotations (40,000),
// 200 users (one bench user who owns every organization, 199 members spread
// ~10 per organization) and a personal API key with scope `*`.
//
// Why plain SQL (INSERT ... SELECT generate_series) and not Prisma: 40,000
// rows load in a second or two, the same script runs on PGlite and on any
// PostgreSQL server (`--sql` prints it for psql), and every value — uuids,
// tokens, names, timestamps, the key — is derived from the row's position,
// so two machines measure exactly the same data.
//
//   npm run bench:seed                  # DATABASE_URL, else the embedded DB at DATA_DIR
//   npm run bench:seed -- --sql > x.sql # the script alone (apply migrations first)
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { BASE57_ALPHABET, maskToken, sha256Hex, TOKEN_PREFIX } from "../src/auth/tokens.js";
import type { SqlExecutor } from "../src/db/migrate.js";

export const BENCH = {
  organizations: 20,
  projectsPerOrganization: 25,
  environmentsPerProject: 2,
  annotationsPerEnvironment: 40,
  users: 200,
  ownerEmail: "bench@bench.example.com",
} as const;

const PROJECTS = BENCH.organizations * BENCH.projectsPerOrganization;
const MEMBERS = BENCH.users - 1; // user 0 is the bench user

/** base57 from sha512(seed): the same characters PostHog's random tokens use, but repeatable. */
export function deterministicBase57(seed: string, length = 43): string {
  const bytes = createHash("sha512").update(seed).digest();
  return [...bytes.subarray(0, length)].map((b) => BASE57_ALPHABET[b % BASE57_ALPHABET.length]).join("");
}

/** The same derivation in SQL, for the environments' tokens (`seed` is an SQL text expression). */
function base57Sql(seed: string): string {
  return `(SELECT string_agg(substr('${BASE57_ALPHABET}', 1 + get_byte(h.d, i) % ${BASE57_ALPHABET.length}, 1), '' ORDER BY i)
     FROM (SELECT sha512(convert_to(${seed}, 'UTF8')) AS d) h, generate_series(0, 42) i)`;
}

/** The bench user's API key. Well known on purpose (repeatable runs): never seed it into a database that matters. */
export const BENCH_API_KEY = TOKEN_PREFIX.personalApiKey + deterministicBase57("bench:personal-api-key");

// Mixed case and not in creation order, so `ORDER BY lower(name), id` is really exercised.
const ORG_NAMES = [
  "Hedgehog Labs",
  "aardvark analytics",
  "Zebra Systems",
  "Badger Co",
  "Mongoose Media",
  "echidna Energy",
  "Porcupine Partners",
  "Kiwi Kitchen",
  "Narwhal Networks",
  "Ocelot Outfitters",
  "Quokka Quarters",
  "Lemur Logistics",
  "Yak Yachts",
  "Tapir Travel",
  "Vole Ventures",
  "Gecko Games",
  "Iguana Insurance",
  "Jackal Jewels",
  "Wombat Works",
  "Falcon Finance",
];

const sqlArray = (values: readonly string[]) => `ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ")}]`;

/** The whole dataset as one transaction. Needs a migrated database without the bench data. */
export function benchSeedSql(): string {
  const { organizations: O, projectsPerOrganization: P, annotationsPerEnvironment: A } = BENCH;
  if (ORG_NAMES.length !== O) throw new Error("one name per organization");
  return `
BEGIN;

-- Users: n = 0 is the bench user; n = 1..${MEMBERS} are members of organization ((n - 1) % ${O}) + 1.
CREATE TEMP TABLE bench_user ON COMMIT DROP AS
WITH inserted AS (
  INSERT INTO "User" (uuid, "distinctId", "firstName", "lastName", email, "isEmailVerified", "createdAt")
  SELECT md5('bench:user:' || n)::uuid, 'bench-user-' || lpad(n::text, 3, '0'), 'Bench',
    CASE WHEN n = 0 THEN 'Owner' ELSE 'User ' || n END,
    CASE WHEN n = 0 THEN '${BENCH.ownerEmail}' ELSE 'bench-user-' || lpad(n::text, 3, '0') || '@bench.example.com' END,
    true, timestamptz '2024-01-01 00:00:00+00' + n * interval '1 minute'
  FROM generate_series(0, ${MEMBERS}) n
  RETURNING id, "distinctId"
)
SELECT substr("distinctId", 12)::int AS n, id FROM inserted;

INSERT INTO "Organization" (id, name, slug, "createdAt", "updatedAt")
SELECT md5('bench:org:' || o)::uuid, (${sqlArray(ORG_NAMES)})[o], 'bench-org-' || lpad(o::text, 2, '0'),
  timestamptz '2024-01-02 00:00:00+00' + o * interval '1 hour', timestamptz '2024-01-02 00:00:00+00' + o * interval '1 hour'
FROM generate_series(1, ${O}) o;

-- The bench user owns (15) every organization; each organization's first member is an admin (8).
INSERT INTO "OrganizationMembership" (id, "organizationId", "userId", level, "joinedAt", "updatedAt")
SELECT md5('bench:membership:' || o || ':0')::uuid, md5('bench:org:' || o)::uuid, u.id, 15,
  timestamptz '2024-01-02 00:00:00+00' + o * interval '1 hour', timestamptz '2024-01-02 00:00:00+00' + o * interval '1 hour'
FROM generate_series(1, ${O}) o JOIN bench_user u ON u.n = 0
UNION ALL
SELECT md5('bench:membership:' || ((u.n - 1) % ${O} + 1) || ':' || u.n)::uuid, md5('bench:org:' || ((u.n - 1) % ${O} + 1))::uuid, u.id,
  CASE WHEN u.n <= ${O} THEN 8 ELSE 1 END,
  timestamptz '2024-01-03 00:00:00+00' + u.n * interval '1 minute', timestamptz '2024-01-03 00:00:00+00' + u.n * interval '1 minute'
FROM bench_user u WHERE u.n > 0;

UPDATE "User" SET "currentOrganizationId" = md5('bench:org:1')::uuid WHERE email = '${BENCH.ownerEmail}';

-- Project and environment ids come from the Environment sequence (a project's primary
-- environment has the project's id): reserve one block of ${PROJECTS * 2} ids.
CREATE TEMP TABLE bench_base ON COMMIT DROP AS
SELECT nextval(pg_get_serial_sequence('"Environment"', 'id'))::int AS b;
SELECT setval(pg_get_serial_sequence('"Environment"', 'id'), b + ${PROJECTS * 2 - 1}) FROM bench_base;

-- g numbers environments 0..${PROJECTS * 2 - 1} (primaries first); it varies their settings.
-- createdAt follows (p * 7) % ${P}, a permutation, so creation order differs from id order.
CREATE TEMP TABLE bench_env ON COMMIT DROP AS
SELECT o, p, e, (e - 1) * ${PROJECTS} + (o - 1) * ${P} + (p - 1) AS g,
  b.b + (o - 1) * ${P} + (p - 1) AS project_id,
  b.b + (e - 1) * ${PROJECTS} + (o - 1) * ${P} + (p - 1) AS id,
  md5('bench:org:' || o)::uuid AS org_id,
  timestamptz '2024-02-01 00:00:00+00' + o * interval '1 day' + ((p * 7) % ${P}) * interval '1 minute' AS project_created_at
FROM bench_base b, generate_series(1, ${O}) o, generate_series(1, ${P}) p, generate_series(1, ${BENCH.environmentsPerProject}) e;

INSERT INTO "Project" (id, uuid, "organizationId", name, "productDescription", "createdAt", "updatedAt")
SELECT project_id, md5('bench:project:' || o || ':' || p)::uuid, org_id,
  (ARRAY['Web', 'iOS', 'Android', 'Backend', 'Docs'])[1 + (p - 1) % 5] || ' app ' || p,
  'Benchmark project ' || p || ' of organization ' || o, project_created_at, project_created_at
FROM bench_env WHERE e = 1 ORDER BY project_id;

INSERT INTO "Environment" (id, uuid, "projectId", "organizationId", name, "apiToken", "secretApiToken", settings, "createdAt", "updatedAt")
SELECT id, md5('bench:environment:' || g)::uuid, project_id, org_id,
  CASE WHEN e = 1 THEN 'Production' ELSE 'Staging' END,
  'phc_' || ${base57Sql(`'bench:phc:' || g`)},
  'phs_' || ${base57Sql(`'bench:phs:' || g`)},
  jsonb_build_object(
    'timezone', (ARRAY[
      'UTC', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney'
    ])[1 + g % 7],
    'appUrls', jsonb_build_array('https://app' || g || '.bench.example.com', 'https://www.bench' || g || '.example.com'),
    'anonymizeIps', false,
    'completedSnippetOnboarding', g % 3 <> 0,
    'testAccountFilters', jsonb_build_array(
      jsonb_build_object('key', 'email', 'value', '@bench.example.com', 'operator', 'not_icontains', 'type', 'person')
    ),
    'testAccountFiltersDefaultChecked', g % 2 = 0,
    'isDemo', false,
    'dataAttributes', jsonb_build_array('data-attr', 'data-testid'),
    'autocaptureOptOut', g % 5 = 0,
    'autocaptureExceptionsOptIn', g % 4 = 0,
    'captureConsoleLogOptIn', g % 2 = 1,
    'capturePerformanceOptIn', true,
    'sessionRecordingOptIn', g % 3 = 0,
    'sessionRecordingSampleRate', to_char((1 + g % 100) / 100.0, 'FM0.00'),
    'sessionRecordingMinimumDurationMilliseconds', (g % 6) * 1000,
    'sessionRecordingRetentionPeriod', (ARRAY['30d', '90d', '1y', '5y'])[1 + g % 4],
    'weekStartDay', g % 2,
    'surveysOptIn', g % 2 = 0,
    'heatmapsOptIn', g % 3 = 1,
    'baseCurrency', (ARRAY['USD', 'EUR', 'GBP', 'JPY'])[1 + g % 4],
    'businessModel', (ARRAY['b2b', 'b2c', 'other'])[1 + g % 3],
    'personDisplayNameProperties', jsonb_build_array('email', 'name', 'username')
  ),
  project_created_at + (e - 1) * interval '1 day', project_created_at + (e - 1) * interval '1 day'
FROM bench_env ORDER BY id;

-- Annotations: dateMarker spread over the year before 2025-01-01 by a hash, so the newest are
-- not simply the last inserted (one in ${A} has none); created by one of the organization's members.
INSERT INTO "Annotation"
  ("organizationId", "environmentId", content, "dateMarker", "creationType", scope, "createdById", "createdAt", "updatedAt")
SELECT e.org_id, e.id,
  (ARRAY['Deployed', 'Launched', 'Rolled back', 'Incident on', 'Campaign for'])[1 + (a + e.g) % 5] || ' release ' || e.g || '.' || a,
  CASE WHEN a = ${A} THEN NULL
    ELSE timestamptz '2025-01-01 00:00:00+00'
      - (('x' || substr(md5('bench:annotation:' || e.g || ':' || a), 1, 7))::bit(28)::int % 525600) * interval '1 minute' END,
  'USR', 'project', u.id,
  timestamptz '2024-01-01 00:00:00+00' + (e.g * ${A} + a) * interval '1 second',
  timestamptz '2024-01-01 00:00:00+00' + (e.g * ${A} + a) * interval '1 second'
FROM bench_env e CROSS JOIN generate_series(1, ${A}) a
JOIN bench_user u ON u.n = e.o + ${O} * ((a + e.g) % ${Math.floor(MEMBERS / O)})
ORDER BY e.id, a;

INSERT INTO "PersonalApiKey" (id, "userId", label, "secureValue", "maskValue", scopes, "scopedOrganizations", "scopedTeams", "createdAt")
SELECT md5('bench:personal-api-key')::uuid, id, 'bench', '${sha256Hex(BENCH_API_KEY)}', '${maskToken(BENCH_API_KEY)}',
  ARRAY['*'], '{}', '{}', timestamptz '2024-01-01 00:00:00+00'
FROM bench_user WHERE n = 0;

COMMIT;

-- Fresh statistics, so the first requests get the plans the later ones get.
ANALYZE "User", "Organization", "OrganizationMembership", "Project", "Environment", "Annotation", "PersonalApiKey";
`;
}

export interface BenchSeedResult {
  key: string;
  /** false when the bench data was already there (the script is not re-run). */
  seeded: boolean;
  ms: number;
}

/** Loads the dataset unless the bench user exists already (so `bench:seed` can be re-run). */
export async function seedBench(db: SqlExecutor): Promise<BenchSeedResult> {
  const started = performance.now();
  const existing = await db.query(`SELECT 1 FROM "User" WHERE email = $1`, [BENCH.ownerEmail]);
  if (existing.length === 0) await db.script(benchSeedSql());
  return { key: BENCH_API_KEY, seeded: existing.length === 0, ms: Math.round(performance.now() - started) };
}

async function main(): Promise<void> {
  if (process.argv.includes("--sql")) {
    process.stdout.write(benchSeedSql());
    return;
  }
  // Imported here so `--sql` and the benchmark runner need no database configuration.
  const { loadConfig } = await import("../src/config.js");
  const { openConfiguredDatabase } = await import("../src/db/client.js");
  const { applyMigrations } = await import("../src/db/migrate.js");
  const config = loadConfig();
  const db = await openConfiguredDatabase(config);
  try {
    await applyMigrations(db.exec); // openConfiguredDatabase migrates only the embedded database
    const result = await seedBench(db.exec);
    const where = config.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : `the embedded database in ${config.DATA_DIR}`;
    console.log(
      result.seeded
        ? `Bench dataset loaded into ${where} in ${result.ms} ms.`
        : `Bench dataset already present in ${where}; nothing loaded.`,
    );
    console.log(`Bench API key (scope *, user ${BENCH.ownerEmail}; well known: benchmark databases only):\n${result.key}`);
  } finally {
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
