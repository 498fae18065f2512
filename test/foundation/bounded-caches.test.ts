// Every cache that distinct documents fill is bounded (issue 14; src/cache/):
// parsed documents, parse errors, compiled queries, automatic persisted
// queries. Each test sends more distinct documents than the bound through the
// HTTP handler, and checks that the cache holds exactly its bound and that
// every answer stays right, compiled or not, evicted or not. An app with
// small bounds (the same code as the defaults, other numbers) keeps the tests
// short; the defaults' figures are in src/cache/index.ts and measured by
// bench/memory.ts.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { insertProject } from "../../src/domain/projects/store.js";
import { BoundedLru, SecondSightLru } from "../../src/cache/lru.js";
import { openDatabase } from "../../src/db/client.js";

const BOUNDS = { PARSE_CACHE_SIZE: 8, COMPILED_QUERY_CACHE_SIZE: 4, COMPILE_AFTER: 2, PERSISTED_QUERY_CACHE_SIZE: 5 };

const t = await setupTestApp();
const app = createApp(
  t.db,
  loadConfig({ ...process.env, NODE_ENV: "test", ...Object.fromEntries(Object.entries(BOUNDS).map(([k, v]) => [k, String(v)])) }),
);
const { caches } = app;
const { project } = await insertProject(t.db.prisma, t.org.id, "Bounded Web", { timezone: "Europe/Paris" });
await insertProject(t.db.prisma, t.org.id, "Bounded Api", { timezone: "Asia/Tokyo" });

type Body = { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };

async function post(body: unknown): Promise<{ status: number; body: Body }> {
  const res = await app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${t.ownerKey}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

/**
 * The n-th distinct document: the organization's projects under an alias named after n, with a field chosen by n,
 * so that no two are equal as text and their answers differ.
 */
const FIELDS = ["name", "timezone", "databaseId"] as const;
function distinct(n: number): { query: string; field: (typeof FIELDS)[number]; alias: string } {
  const field = FIELDS[n % FIELDS.length];
  const alias = `p${n}`;
  return {
    query: `query D${n} { viewer { organizations(first: 5) { nodes { name projects(first: 5) { nodes { ${alias}: ${field} } } } } } }`,
    field,
    alias,
  };
}

/** What the n-th document must answer: the two projects (newest first or not, as the API orders them), by the chosen field. */
const expectedValues = (field: (typeof FIELDS)[number]) =>
  ({
    name: ["Bounded Api", "Bounded Web"],
    timezone: ["Asia/Tokyo", "Europe/Paris"],
    databaseId: null,
  })[field];

/** Sends the n-th document and checks its answer. */
async function runDistinct(n: number): Promise<void> {
  const { query, field, alias } = distinct(n);
  const { status, body } = await post({ query });
  expect(body.errors).toBeUndefined();
  expect(status).toBe(200);
  const org = body.data.viewer.organizations.nodes.find((o: { name: string }) => o.name === t.org.name);
  const values = org.projects.nodes.map((p: Record<string, unknown>) => p[alias]);
  const expected = expectedValues(field);
  if (expected) expect([...values].sort()).toEqual(expected);
  else expect(values.map(Number).sort()).toContain(project.id);
}

describe("parsed documents", () => {
  it("keeps a document from its second request on, at most PARSE_CACHE_SIZE of them, and answers every one", async () => {
    const count = 3 * BOUNDS.PARSE_CACHE_SIZE;
    for (let n = 0; n < count; n += 1) {
      await runDistinct(1000 + n);
      expect(caches.parsedDocuments.has(distinct(1000 + n).query)).toBe(false); // seen once: not kept
      await runDistinct(1000 + n);
      expect(caches.parsedDocuments.has(distinct(1000 + n).query)).toBe(true);
      expect(caches.parsedDocuments.size).toBeLessThanOrEqual(BOUNDS.PARSE_CACHE_SIZE);
    }
    expect(caches.parsedDocuments.size).toBe(BOUNDS.PARSE_CACHE_SIZE);
    // The most recent ones are the ones kept.
    for (let n = 0; n < count; n += 1) {
      expect(caches.parsedDocuments.has(distinct(1000 + n).query)).toBe(n >= count - BOUNDS.PARSE_CACHE_SIZE);
    }
    // An evicted document still answers right.
    await runDistinct(1000);
  });

  it("keeps nothing of documents sent once", async () => {
    const before = [...Array(BOUNDS.PARSE_CACHE_SIZE).keys()].map((n) => distinct(1000 + 3 * BOUNDS.PARSE_CACHE_SIZE - 1 - n).query);
    for (let n = 0; n < 3 * BOUNDS.PARSE_CACHE_SIZE; n += 1) await runDistinct(1500 + n);
    for (let n = 0; n < 3 * BOUNDS.PARSE_CACHE_SIZE; n += 1) expect(caches.parsedDocuments.has(distinct(1500 + n).query)).toBe(false);
    // What was kept is still there: documents seen once push nothing out.
    expect(before.filter((query) => caches.parsedDocuments.has(query))).toEqual(before);
  });

  it("keeps a bounded number of documents that do not parse, each answered as a parse failure", async () => {
    for (let n = 0; n < 3 * BOUNDS.PARSE_CACHE_SIZE; n += 1) {
      for (let time = 0; time < 2; time += 1) {
        const { status, body } = await post({ query: `{ viewer { broken${n} ` });
        expect(status).toBe(400);
        expect(body.errors?.[0].extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
      }
      expect(caches.parseErrors.size).toBeLessThanOrEqual(BOUNDS.PARSE_CACHE_SIZE);
    }
    expect(caches.parseErrors.size).toBe(BOUNDS.PARSE_CACHE_SIZE);
  });
});

describe("compiled queries", () => {
  it("compiles a document at its second execution, not its first", async () => {
    const { query } = distinct(2000);
    await runDistinct(2000);
    expect(caches.compiledQueries.isCompiled(query)).toBe(false);
    await runDistinct(2000);
    expect(caches.compiledQueries.isCompiled(query)).toBe(true);
    // Compiled, it answers as it did before.
    await runDistinct(2000);
  });

  it("keeps at most COMPILED_QUERY_CACHE_SIZE compiled queries, the most recently used", async () => {
    const count = 3 * BOUNDS.COMPILED_QUERY_CACHE_SIZE;
    for (let n = 0; n < count; n += 1) {
      await runDistinct(3000 + n); // interpreted
      await runDistinct(3000 + n); // compiled
      expect(caches.compiledQueries.cache.size).toBeLessThanOrEqual(BOUNDS.COMPILED_QUERY_CACHE_SIZE);
    }
    expect(caches.compiledQueries.cache.size).toBe(BOUNDS.COMPILED_QUERY_CACHE_SIZE);
    for (let n = 0; n < count; n += 1) {
      expect(caches.compiledQueries.isCompiled(distinct(3000 + n).query)).toBe(n >= count - BOUNDS.COMPILED_QUERY_CACHE_SIZE);
    }
    // Evicted queries still answer right (interpreted again, then compiled again).
    await runDistinct(3000);
    await runDistinct(3000);
    expect(caches.compiledQueries.isCompiled(distinct(3000).query)).toBe(true);
    expect(caches.compiledQueries.cache.size).toBe(BOUNDS.COMPILED_QUERY_CACHE_SIZE);
  });

  it("keeps a repeated query compiled while many documents sent once go by", async () => {
    const hot = distinct(4000);
    await runDistinct(4000);
    await runDistinct(4000);
    expect(caches.compiledQueries.isCompiled(hot.query)).toBe(true);
    for (let n = 1; n <= 4 * BOUNDS.PARSE_CACHE_SIZE; n += 1) {
      await runDistinct(4000 + n);
      if (n % BOUNDS.PARSE_CACHE_SIZE === 0) await runDistinct(4000); // the client's own document, now and then
    }
    expect(caches.compiledQueries.isCompiled(hot.query)).toBe(true);
    // None of the documents sent once was compiled.
    for (let n = 1; n <= 4 * BOUNDS.PARSE_CACHE_SIZE; n += 1)
      expect(caches.compiledQueries.isCompiled(distinct(4000 + n).query)).toBe(false);
  });

  it("compiles each operation of a document with several on its own", async () => {
    const document =
      "query Names { viewer { organizations(first: 5) { nodes { projects(first: 5) { nodes { value: name } } } } } } " +
      "query Zones { viewer { organizations(first: 5) { nodes { projects(first: 5) { nodes { value: timezone } } } } } }";
    const values = async (operationName: string) => {
      const { body } = await post({ query: document, operationName });
      expect(body.errors).toBeUndefined();
      return body.data.viewer.organizations.nodes.flatMap((o: any) => o.projects.nodes.map((p: { value: string }) => p.value)).sort();
    };
    for (let round = 0; round < 3; round += 1) {
      expect(await values("Names")).toEqual(expect.arrayContaining(["Bounded Api", "Bounded Web"]));
      expect(await values("Zones")).toEqual(expect.arrayContaining(["Asia/Tokyo", "Europe/Paris"]));
    }
    expect(caches.compiledQueries.isCompiled(document, "Names")).toBe(true);
    expect(caches.compiledQueries.isCompiled(document, "Zones")).toBe(true);
  });

  it("runs a compiled query with new variables as graphql-js does", async () => {
    const query = "query Project($id: ID!) { project(id: $id) { name timezone } }";
    const projectId = String(project.id);
    const answers = [];
    for (let round = 0; round < 3; round += 1) answers.push((await post({ query, variables: { id: projectId } })).body);
    expect(caches.compiledQueries.isCompiled(query)).toBe(true);
    for (const body of answers) expect(body.data).toEqual({ project: { name: "Bounded Web", timezone: "Europe/Paris" } });
    // A bad variable on the compiled query: graphql-js's answer, not the compiled executor's.
    const bad = await post({ query, variables: { id: { not: "an id" } } });
    expect(bad.body.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(bad.body.data).toBeUndefined();
  });
});

describe("COMPILED_QUERY_CACHE_SIZE=0", () => {
  it("turns compiled execution off: every query runs through graphql-js, and answers the same", async () => {
    const interpreted = createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "test", COMPILED_QUERY_CACHE_SIZE: "0" }));
    const query = "query Project($id: ID!) { project(id: $id) { name timezone } }";
    for (let round = 0; round < 3; round += 1) {
      const res = await interpreted.yoga.fetch("http://localhost/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${t.ownerKey}` },
        body: JSON.stringify({ query, variables: { id: String(project.id) } }),
      });
      expect(((await res.json()) as Body).data).toEqual({ project: { name: "Bounded Web", timezone: "Europe/Paris" } });
    }
    expect(interpreted.caches.compiledQueries.cache.size).toBe(0);
    expect(interpreted.caches.compiledQueries.isCompiled(query)).toBe(false);
  });
});

describe("automatic persisted queries", () => {
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  const byHash = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

  it("remembers at most PERSISTED_QUERY_CACHE_SIZE documents, the most recently used", async () => {
    const count = 3 * BOUNDS.PERSISTED_QUERY_CACHE_SIZE;
    const documents = Array.from({ length: count }, (_, n) => distinct(5000 + n).query);
    for (const query of documents) {
      const registered = await post({ query, ...byHash(sha256(query)) });
      expect(registered.body.errors).toBeUndefined();
      expect(caches.persistedQueries.size).toBeLessThanOrEqual(BOUNDS.PERSISTED_QUERY_CACHE_SIZE);
    }
    expect(caches.persistedQueries.size).toBe(BOUNDS.PERSISTED_QUERY_CACHE_SIZE);
    // The last ones answer by hash alone; an evicted one asks for its query again, and works once resent.
    for (const query of documents.slice(-BOUNDS.PERSISTED_QUERY_CACHE_SIZE)) {
      const { status, body } = await post(byHash(sha256(query)));
      expect(status).toBe(200);
      expect(body.data.viewer.organizations.nodes.length).toBeGreaterThan(0);
    }
    const evicted = await post(byHash(sha256(documents[0])));
    expect(evicted.status).toBe(404);
    expect(evicted.body.errors?.[0].extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect((await post({ query: documents[0], ...byHash(sha256(documents[0])) })).body.errors).toBeUndefined();
    expect((await post(byHash(sha256(documents[0])))).status).toBe(200);
    expect(caches.persistedQueries.size).toBe(BOUNDS.PERSISTED_QUERY_CACHE_SIZE);
  });
});

describe("the embedded database's buffer cache", () => {
  it("is PGLITE_SHARED_BUFFERS, not PostgreSQL's 128MB (what most of the embedded database's memory was)", async () => {
    const config = loadConfig({ ...process.env, NODE_ENV: "test", PGLITE_SHARED_BUFFERS: "8MB" });
    const embedded = await openDatabase({ kind: "pglite", sharedBuffers: config.PGLITE_SHARED_BUFFERS });
    try {
      expect(await embedded.exec.query("SHOW shared_buffers")).toEqual([{ shared_buffers: "8MB" }]);
      // The rest of the start-up parameters are PGlite's own (the search path among them).
      expect(await embedded.exec.query("SHOW search_path")).toEqual([{ search_path: "public" }]);
    } finally {
      await embedded.close();
    }
    expect(loadConfig({ ...process.env, PGLITE_SHARED_BUFFERS: undefined }).PGLITE_SHARED_BUFFERS).toBe("16MB");
    expect(() => loadConfig({ ...process.env, PGLITE_SHARED_BUFFERS: "lots" })).toThrow(/PGLITE_SHARED_BUFFERS/);
  });
});

describe("BoundedLru", () => {
  it("holds both bounds: entries and estimated bytes, dropping the least recently used first", () => {
    const lru = new BoundedLru<string, string>({ maxEntries: 4, maxBytes: 100, weigh: (_k, v) => v.length });
    for (const key of ["a", "b", "c", "d", "e"]) lru.set(key, "x".repeat(10));
    expect(lru.size).toBe(4);
    expect(lru.has("a")).toBe(false);
    lru.get("b"); // now the most recently used
    lru.set("big", "x".repeat(80)); // 4 × 10 + 80 > 100: the least recently used (c, then d) go until it fits
    expect(lru.bytes).toBe(100);
    expect(["b", "c", "d", "e", "big"].filter((k) => lru.has(k))).toEqual(["b", "e", "big"]);
    lru.set("huge", "x".repeat(101)); // larger than the whole budget: not kept, nothing else dropped for it
    expect(lru.has("huge")).toBe(false);
    expect(lru.size).toBe(3);
  });

  it("SecondSightLru keeps a text from its second time on", () => {
    const lru = new SecondSightLru<number>({ maxEntries: 2, ledgerEntries: 2 });
    lru.set("a", 1);
    expect(lru.get("a")).toBeUndefined();
    lru.set("a", 1);
    expect(lru.get("a")).toBe(1);
    // The ledger is bounded too: a text seen once, then forgotten under other texts, starts over.
    lru.set("b", 2);
    lru.set("c", 3);
    lru.set("d", 4);
    lru.set("b", 2);
    expect(lru.has("b")).toBe(false);
    expect(lru.size).toBe(1);
  });
});
