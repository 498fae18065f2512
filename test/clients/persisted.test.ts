// Trusted documents: with PERSISTED_OPERATIONS=only the API runs only the
// documents of the codegen manifest (by hash) and refuses queries; by default
// ("allow") it runs both, and Apollo-style automatic persisted queries work.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MANIFEST_PATH, ROOT, generateExamples } from "../../examples/generate.js";
import { setupTestApp } from "../helpers/app.js";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { insertProject } from "../../src/domain/projects/store.js";
import { loadPersistedDocuments } from "../../src/persisted.js";

// The manifest must exist before the apps read it.
await generateExamples();
const { ClientError, createClient, documentHash } = await import("../../examples/client.js");
const { ProjectSettingsDocument } = await import("../../examples/gql/graphql.js");

const t = await setupTestApp(); // the default: PERSISTED_OPERATIONS=allow
const only = createApp(
  t.db,
  loadConfig({ ...process.env, NODE_ENV: "test", PERSISTED_OPERATIONS: "only", PERSISTED_OPERATIONS_MANIFEST: MANIFEST_PATH }),
);
const { project } = await insertProject(t.db.prisma, t.org.id, "Trusted Web", { timezone: "Asia/Tokyo" });

const manifest = JSON.parse(readFileSync(MANIFEST_PATH, "utf8")) as Record<string, string>;
const SETTINGS_ID = documentHash(ProjectSettingsDocument); // "sha256:<hex>"
const SETTINGS_HEX = SETTINGS_ID.slice("sha256:".length);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

type Body = { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };

/** POSTs a JSON body to one of the apps, with the owner's key unless told otherwise. */
async function post(app: typeof only, body: unknown, key: string | null = t.ownerKey): Promise<{ status: number; body: Body }> {
  const res = await app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

const clientFor = (app: typeof only, persisted: boolean) =>
  createClient({
    url: "http://localhost/graphql",
    apiKey: t.ownerKey,
    persisted,
    fetch: (url, init) => Promise.resolve(app.yoga.fetch(url, init)),
  });

const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

describe("PERSISTED_OPERATIONS=only", () => {
  it("runs the typed client's documents by hash", async () => {
    const client = clientFor(only, true);
    const settings = await client.projectSettings(String(project.id));
    expect(settings).toMatchObject({ name: "Trusted Web", timezone: "Asia/Tokyo" });
    const rotated = await client.rotateSecretToken(String(project.id));
    expect(rotated.project!.secretApiTokenBackup).toMatch(/^phs_/);
  });

  it.each([
    ["documentId with the sha256: prefix", () => ({ documentId: SETTINGS_ID })],
    ["documentId as bare hex", () => ({ documentId: SETTINGS_HEX })],
    ["Apollo's extensions.persistedQuery", () => ({ extensions: apq(SETTINGS_HEX) })],
  ])("accepts %s", async (_name, id) => {
    const res = await post(only, { ...id(), variables: { id: String(project.id) } });
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.body.data.project.name).toBe("Trusted Web");
  });

  it("accepts a GET with documentId in the URL", async () => {
    const url =
      `http://localhost/graphql?documentId=${encodeURIComponent(SETTINGS_ID)}` +
      `&variables=${encodeURIComponent(JSON.stringify({ id: String(project.id) }))}`;
    const res = await only.yoga.fetch(url, { headers: { accept: "application/json", authorization: `Bearer ${t.ownerKey}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Body).data.project.timezone).toBe("Asia/Tokyo");
  });

  it("refuses an arbitrary query with 400 PERSISTED_QUERY_ONLY", async () => {
    const res = await post(only, { query: `{ viewer { user { email } } }` });
    expect(res.status).toBe(400);
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors).toEqual([
      { message: expect.stringContaining("only trusted documents"), extensions: { code: "PERSISTED_QUERY_ONLY" } },
    ]);
  });

  it("refuses the text of a trusted document too: only hashes run", async () => {
    const res = await post(only, { query: manifest[SETTINGS_ID], variables: { id: String(project.id) } });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe("PERSISTED_QUERY_ONLY");
  });

  it("refuses a client that sends queries, with a ClientError carrying the code", async () => {
    const error = await clientFor(only, false)
      .projectSettings(String(project.id))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    const response = (error as InstanceType<typeof ClientError>).response;
    expect(response.status).toBe(400);
    expect(response.errors?.[0].extensions?.code).toBe("PERSISTED_QUERY_ONLY");
  });

  it("answers an unknown hash with 404 PERSISTED_QUERY_NOT_FOUND", async () => {
    const res = await post(only, { documentId: `sha256:${sha256("query Unknown { __typename }")}` });
    expect(res.status).toBe(404);
    expect(res.body.errors?.[0].extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  });

  it("does not register automatic persisted queries", async () => {
    const query = `query NotTrusted { viewer { user { email } } }`;
    const registering = await post(only, { query, extensions: apq(sha256(query)) });
    expect(registering.status).toBe(400);
    expect(registering.body.errors?.[0].extensions?.code).toBe("PERSISTED_QUERY_ONLY");
    const again = await post(only, { extensions: apq(sha256(query)) });
    expect(again.status).toBe(404);
    expect(again.body.errors?.[0].extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  });

  it("still authenticates: a trusted document without a key is 401", async () => {
    const res = await post(only, { documentId: SETTINGS_ID, variables: { id: String(project.id) } }, null);
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("answers a request with neither a query nor a hash with 400 BAD_REQUEST", async () => {
    const res = await post(only, { variables: {} });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe("BAD_REQUEST");
  });

  it("refuses to start without its manifest", () => {
    const config = loadConfig({
      ...process.env,
      NODE_ENV: "test",
      PERSISTED_OPERATIONS: "only",
      PERSISTED_OPERATIONS_MANIFEST: join(ROOT, ".data/test/no-such-manifest.json"),
    });
    expect(() => createApp(t.db, config)).toThrow(/manifest/);
  });
});

describe("PERSISTED_OPERATIONS=allow (the default)", () => {
  it("runs arbitrary queries as before", async () => {
    const res = await t.gql(`{ viewer { user { email } } }`);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
  });

  it("runs the manifest's documents by hash too", async () => {
    const res = await post(t.app, { documentId: SETTINGS_ID, variables: { id: String(project.id) } });
    expect(res.status).toBe(200);
    expect(res.body.data.project.name).toBe("Trusted Web");
    expect((await clientFor(t.app, true).projectSettings(String(project.id))).timezone).toBe("Asia/Tokyo");
  });

  it("supports Apollo's automatic persisted queries: not found, register with the query, then the hash alone", async () => {
    const query = `query ApqProjectName($id: ID!) { project(id: $id) { name databaseId } }`;
    const hash = sha256(query);
    const variables = { id: String(project.id) };

    const first = await post(t.app, { extensions: apq(hash), variables });
    expect(first.status).toBe(404);
    expect(first.body.errors).toEqual([
      { message: expect.stringContaining("PersistedQueryNotFound"), extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } },
    ]);

    const registered = await post(t.app, { query, extensions: apq(hash), variables });
    expect(registered.status).toBe(200);
    expect(registered.body.data.project).toEqual({ name: "Trusted Web", databaseId: project.id });

    const byHash = await post(t.app, { extensions: apq(hash), variables });
    expect(byHash.status).toBe(200);
    expect(byHash.body.data.project).toEqual({ name: "Trusted Web", databaseId: project.id });
    // ...and with GET, as Apollo's link sends queries when told to.
    const url =
      `http://localhost/graphql?extensions=${encodeURIComponent(JSON.stringify(apq(hash)))}` +
      `&variables=${encodeURIComponent(JSON.stringify(variables))}`;
    const get = await t.app.yoga.fetch(url, { headers: { accept: "application/json", authorization: `Bearer ${t.ownerKey}` } });
    expect(((await get.json()) as Body).data.project.name).toBe("Trusted Web");
  });

  it("refuses a hash that is not the query's sha256, and stores nothing", async () => {
    const query = `{ viewer { user { email } } }`;
    const wrong = sha256("something else");
    const res = await post(t.app, { query, extensions: apq(wrong) });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe("BAD_REQUEST");
    expect((await post(t.app, { extensions: apq(wrong) })).status).toBe(404);
  });

  it("does not remember a query that fails validation", async () => {
    const query = `{ viewer { noSuchField } }`;
    const res = await post(t.app, { query, extensions: apq(sha256(query)) });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const again = await post(t.app, { extensions: apq(sha256(query)) });
    expect(again.status).toBe(404);
    expect(again.body.errors?.[0].extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  });

  it("answers a request with neither a query nor a hash as before: 400 BAD_REQUEST", async () => {
    const res = await post(t.app, { variables: {} });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toEqual({ message: "Must provide query string.", extensions: { code: "BAD_REQUEST" } });
  });
});

describe("the manifest", () => {
  const dir = join(ROOT, ".data/test", `manifests-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    return path;
  };

  it("loads codegen's manifest keyed by bare hex", () => {
    const documents = loadPersistedDocuments(MANIFEST_PATH);
    expect(documents.size).toBe(Object.keys(manifest).length);
    expect(documents.get(SETTINGS_HEX)).toBe(manifest[SETTINGS_ID]);
  });

  it.each([
    ["a document that does not hash to its id", { [`sha256:${sha256("{ a }")}`]: "{ b }" }, /does not hash to its id/],
    ["a document that does not parse", { "my-id": "query {" }, /does not parse/],
    ["a value that is not a string", { "my-id": 5 }, /not a string/],
    ["an array", ["{ a }"], /JSON object/],
    ["invalid JSON", "{", /Cannot read/],
  ])("refuses %s", (_name, content, message) => {
    expect(() => loadPersistedDocuments(write(`${_name.replace(/\W+/g, "-")}.json`, content))).toThrow(message);
  });
});
