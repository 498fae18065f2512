// Incremental delivery (@defer, @stream) through the real HTTP handler: a
// multipart/mixed client (a parser of the multipart stream, reading parts as
// they arrive) gets the initial payload while a deferred read is still held
// back, then the patches; server-sent events deliver the same payloads; a
// client that accepts only JSON gets the whole answer at once. The limits
// count deferred and streamed selections, @defer is refused on a mutation's
// root fields and works inside its payload, and every error of a patch
// carries its code (a fault in a deferred fragment is masked and logged with
// the request id).
import { afterAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import type { Database } from "../../src/db/client.js";
import { activityFeedFor } from "../../src/domain/activity/live.js";
import { isPageRead, pagesFailingWith, setupTestApp } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { subscribe } from "../activity/sse.js";

const t = await setupTestApp();
const seed = initSeed(t);
const MULTIPART = "multipart/mixed";

/** One part of a multipart/mixed body: its headers (lower-case names) and its JSON. */
interface Part {
  headers: Record<string, string>;
  body: any;
}

/**
 * Reads a multipart/mixed response part by part, as the bytes arrive (RFC 2046: each part follows
 * `CRLF--boundary CRLF`, headers, an empty line, the body; `CRLF--boundary--` closes the body).
 */
function multipartReader(response: Response) {
  const boundary = /boundary="?([^";]+)"?/i.exec(response.headers.get("content-type") ?? "")?.[1];
  if (!boundary) throw new Error(`Not a multipart response: ${response.headers.get("content-type")}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const reader = response.body!.getReader();
  // The first delimiter may open the body without its CRLF.
  let buffer = Buffer.from("\r\n");
  let closed = false;

  /** The next whole part, or null after the close delimiter. */
  async function next(): Promise<Part | null> {
    for (;;) {
      if (closed) return null;
      const start = buffer.indexOf(delimiter);
      if (start >= 0 && buffer.length >= start + delimiter.length + 2) {
        const afterDelimiter = start + delimiter.length;
        if (buffer.subarray(afterDelimiter, afterDelimiter + 2).toString() === "--") {
          closed = true;
          return null;
        }
        const end = buffer.indexOf(delimiter, afterDelimiter);
        if (end >= 0) {
          const text = buffer.subarray(afterDelimiter, end).toString("utf8");
          buffer = buffer.subarray(end);
          const blank = text.indexOf("\r\n\r\n");
          const headers: Record<string, string> = {};
          for (const line of text.slice(0, blank).split("\r\n").filter(Boolean)) {
            const colon = line.indexOf(":");
            headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
          }
          const body = text.slice(blank + 4);
          if (headers["content-length"] !== undefined) expect(Buffer.byteLength(body)).toBe(Number(headers["content-length"]));
          return { headers, body: JSON.parse(body) };
        }
      }
      const { value, done } = await reader.read();
      if (done) throw new Error("The multipart body ended before its close delimiter.");
      buffer = Buffer.concat([buffer, value]);
    }
  }

  return {
    next,
    /** Every remaining part's JSON, until the close delimiter. */
    async rest(): Promise<any[]> {
      const parts: any[] = [];
      for (let part = await next(); part; part = await next()) parts.push(part.body);
      return parts;
    },
  };
}

async function post(app: App, query: string, accept: string, variables?: Record<string, unknown>, key: string = t.ownerKey) {
  return app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept, authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
}

/** The initial payload's data with every patch applied (graphql-tools' format: `data` merged at `path`, `items` appended at it). */
function assemble(payloads: any[]): any {
  const [initial, ...patches] = payloads;
  const data = structuredClone(initial.data);
  for (const payload of patches) {
    for (const part of payload.incremental ?? []) {
      const path = [...part.path];
      if (part.items) {
        const index = path.pop() as number;
        const list = path.reduce((at: any, key: string | number) => at[key], data);
        list.splice(index, part.items.length, ...part.items);
      } else if (part.data) {
        Object.assign(
          path.reduce((at: any, key: string | number) => at[key], data),
          part.data,
        );
      }
    }
  }
  return data;
}

/** The test database whose paged reads (db.sql: connections) wait until `release()` while held. */
function heldDatabase() {
  let release!: () => void;
  let held = new Promise<void>((resolve) => (release = resolve));
  let waiting = 0;
  const db: Database = {
    ...t.db,
    sql: async (query) => {
      if (!isPageRead(query)) return t.db.sql(query);
      waiting += 1;
      await held;
      return t.db.sql(query);
    },
  };
  return {
    db,
    /** How many reads were held (waiting, or released since). */
    get waiting() {
      return waiting;
    },
    release: () => {
      release();
      held = Promise.resolve();
    },
  };
}

const config = () => loadConfig({ ...process.env, NODE_ENV: "test" });

// Three organizations of one owner: the lists below are known.
const owner = await seed.createOwner();
const orgs = [await owner.createOrg("Defer A"), await owner.createOrg("Defer B"), await owner.createOrg("Defer C")];
const project = await orgs[0].createProject("Deferred project");

const DEFERRED = `query Deferred {
  viewer {
    user { email }
    ... @defer(label: "orgs") { organizations(first: 10) { nodes { name } } }
  }
}`;
const WHOLE = `query Whole { viewer { user { email } organizations(first: 10) { nodes { name } } } }`;
const STREAMED = `query Streamed { viewer { organizations(first: 10) { nodes @stream(initialCount: 1) { name } } } }`;

describe("@defer over multipart/mixed", () => {
  it("sends the initial payload while the deferred part is still being read, then the patch", async () => {
    const held = heldDatabase();
    const app = createApp(held.db, config());
    const response = await post(app, DEFERRED, MULTIPART, undefined, owner.key);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^multipart\/mixed/);
    expect(response.headers.get("x-request-id")).toMatch(/\S/);
    const parts = multipartReader(response);

    const initial = await parts.next();
    expect(initial!.headers["content-type"]).toMatch(/^application\/json/);
    const { extensions, ...initialPayload } = initial!.body;
    expect(initialPayload).toEqual({ data: { viewer: { user: { email: owner.user.email } } }, hasNext: true });
    // The cost of the whole operation, deferred part included: 1 (viewer) + 1 (user) + 1 + 10 × 1 (organizations, nodes).
    expect(extensions.cost).toEqual({ requested: 13, limit: t.app.config.MAX_QUERY_COST });
    // The whole operation was charged before it ran: the initial payload carries the key's figures.
    expect(extensions.rateLimit).toMatchObject({ cost: expect.any(Number), remaining: expect.any(Number) });
    // The paged reads are held until now: the initial payload did not wait for the deferred part.
    held.release();
    const patch = await parts.next();
    expect(patch!.body).toEqual({
      incremental: [
        {
          data: { organizations: { nodes: [{ name: "Defer A" }, { name: "Defer B" }, { name: "Defer C" }] } },
          path: ["viewer"],
          label: "orgs",
        },
      ],
      hasNext: false,
    });
    expect(await parts.next()).toBeNull();
    // The deferred part was read through the held reads (and only it: the initial payload needs none).
    expect(held.waiting).toBe(1);
  });

  it("assembles to the same data as the query without @defer", async () => {
    const whole = (await (await post(t.app, WHOLE, "application/json", undefined, owner.key)).json()) as any;
    const payloads = await multipartReader(await post(t.app, DEFERRED, MULTIPART, undefined, owner.key)).rest();
    expect(payloads.length).toBe(2);
    expect(assemble(payloads)).toEqual(whole.data);
  });

  it("is chosen by Apollo Client's Accept header too (multipart/mixed with deferSpec, then JSON)", async () => {
    const response = await post(t.app, DEFERRED, "multipart/mixed;deferSpec=20220824,application/json", undefined, owner.key);
    expect(response.headers.get("content-type")).toMatch(/^multipart\/mixed/);
    const payloads = await multipartReader(response).rest();
    expect(payloads.map((p) => p.hasNext)).toEqual([true, false]);
  });
});

describe("@stream over multipart/mixed", () => {
  it("sends initialCount items first, then the others as patches of the list", async () => {
    const payloads = await multipartReader(await post(t.app, STREAMED, MULTIPART, undefined, owner.key)).rest();
    expect(payloads[0]).toMatchObject({ data: { viewer: { organizations: { nodes: [{ name: "Defer A" }] } } }, hasNext: true });
    const items = payloads.slice(1).flatMap((p) => p.incremental);
    expect(items.map((i: any) => i.path)).toEqual([
      ["viewer", "organizations", "nodes", 1],
      ["viewer", "organizations", "nodes", 2],
    ]);
    expect(items.flatMap((i: any) => i.items)).toEqual([{ name: "Defer B" }, { name: "Defer C" }]);
    expect(payloads.at(-1).hasNext).toBe(false);
    expect(assemble(payloads)).toEqual({
      viewer: { organizations: { nodes: [{ name: "Defer A" }, { name: "Defer B" }, { name: "Defer C" }] } },
    });
  });
});

describe("@defer over server-sent events", () => {
  it("sends the initial payload and the patch as `next` events, then `complete`", async () => {
    const s = await subscribe(t.app, DEFERRED, {}, owner.key);
    expect(s.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const initial = await s.next();
    expect(initial.event).toBe("next");
    expect(initial.data).toMatchObject({ data: { viewer: { user: { email: owner.user.email } } }, hasNext: true });
    const patch = await s.next();
    expect(patch.data).toMatchObject({ incremental: [{ path: ["viewer"], label: "orgs" }], hasNext: false });
    expect(patch.data.incremental[0].data.organizations.nodes).toHaveLength(3);
    expect((await s.next()).event).toBe("complete");
  });
});

describe("clients that accept only JSON", () => {
  for (const accept of ["application/json", "application/graphql-response+json", "*/*"]) {
    it(`answer @defer and @stream whole, in one response (${accept})`, async () => {
      const whole = (await (await post(t.app, WHOLE, "application/json", undefined, owner.key)).json()) as any;
      const deferred = await post(t.app, DEFERRED, accept, undefined, owner.key);
      expect(deferred.status).toBe(200);
      expect(deferred.headers.get("content-type")).not.toMatch(/multipart|event-stream/);
      const body = (await deferred.json()) as any;
      expect(body.data).toEqual(whole.data);
      expect(body).not.toHaveProperty("hasNext");
      expect(body.extensions.cost.requested).toBe(whole.extensions.cost.requested);
      const streamed = (await (await post(t.app, STREAMED, accept, undefined, owner.key)).json()) as any;
      expect(streamed.data.viewer.organizations.nodes).toHaveLength(3);
    });
  }
});

describe("limits count deferred and streamed selections", () => {
  const big = (directive: string) =>
    `{ viewer { ... ${directive} { organizations(first: 100) { nodes { projects(first: 100) { nodes { environments(first: 10) { nodes { name } } } } } } } } }`;

  it("refuses an over-cost @defer or @stream query before anything runs, with the cost of the whole", async () => {
    const plain = await t.gql(big(""));
    expect(plain.status).toBe(400);
    const requested = plain.errors![0].extensions!.cost.requested;
    expect(requested).toBeGreaterThan(t.app.config.MAX_QUERY_COST);
    const streamed = `{ viewer { organizations(first: 100) { nodes @stream { projects(first: 100) { nodes { environments(first: 10) {
      nodes { name } } } } } } } }`;
    for (const query of [big("@defer"), big('@defer(label: "x")'), streamed]) {
      for (const accept of [MULTIPART, "text/event-stream", "application/json"]) {
        const response = await post(t.app, query, accept);
        expect(response.status, `${accept} ${query}`).toBe(400);
        const text = await response.text();
        const error = JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)).errors[0];
        expect(error.extensions.code).toBe("QUERY_TOO_COMPLEX");
        expect(error.extensions.cost).toEqual({ requested, limit: t.app.config.MAX_QUERY_COST });
      }
    }
  });

  it("counts a deferred fragment's depth (MAX_QUERY_DEPTH)", async () => {
    const limited = createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "test", MAX_QUERY_DEPTH: "4" }));
    const deep = `{ viewer { ... @defer { organizations(first: 1) { nodes { projects(first: 1) { nodes { name } } } } } } }`;
    const response = await post(limited, deep, MULTIPART);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('"code":"QUERY_TOO_COMPLEX"');
  });
});

describe("mutations", () => {
  const UPDATE = `mutation($input: UpdateProjectInput!) {
    updateProject(input: $input) {
      project { name ... @defer { activity(first: 1) { nodes { activity detail { changes { field after } } } } } }
      userErrors { code }
    }
  }`;

  it("refuse @defer and @stream on their root fields (400, GRAPHQL_VALIDATION_FAILED), and run nothing", async () => {
    for (const query of [
      `mutation { ... @defer { deleteProject(input: { id: "${project.project.id}" }) { userErrors { code } } } }`,
      `mutation M { ...Root @defer } fragment Root on Mutation { deleteProject(input: { id: "${project.project.id}" }) { userErrors { code } } }`,
    ]) {
      for (const accept of [MULTIPART, "application/json"]) {
        const response = await post(t.app, query, accept, undefined, owner.key);
        expect(response.status).toBe(400);
        expect(await response.text()).toContain('"code":"GRAPHQL_VALIDATION_FAILED"');
      }
    }
    const stored = await t.db.prisma.project.findUniqueOrThrow({ where: { id: project.project.id } });
    expect(stored.isPendingDeletion).toBe(false);
  });

  it("defer inside the payload: the mutation runs once, the deferred read comes as a patch", async () => {
    const before = await t.db.prisma.activityLog.count({ where: { projectId: project.project.id } });
    const input = { id: String(project.project.id), name: "Renamed deferred" };
    const response = await post(t.app, UPDATE, MULTIPART, { input }, owner.key);
    const payloads = await multipartReader(response).rest();
    expect(payloads[0]).toMatchObject({
      data: { updateProject: { project: { name: "Renamed deferred" }, userErrors: [] } },
      hasNext: true,
    });
    expect(payloads[1]).toEqual({
      incremental: [
        {
          data: { activity: { nodes: [{ activity: "updated", detail: { changes: [{ field: "name", after: "Renamed deferred" }] } }] } },
          path: ["updateProject", "project"],
        },
      ],
      hasNext: false,
    });
    expect(await t.db.prisma.activityLog.count({ where: { projectId: project.project.id } })).toBe(before + 1);
  });
});

describe("errors in patches", () => {
  it("carry their code (NOT_FOUND in a deferred fragment; the initial payload keeps its data)", async () => {
    const query = `{ viewer { user { email } } ... @defer { project(id: "99999999") { name } } }`;
    const payloads = await multipartReader(await post(t.app, query, MULTIPART)).rest();
    expect(payloads[0].data.viewer.user.email).toMatch(/@/);
    const [part] = payloads[1].incremental;
    expect(part.errors).toHaveLength(1);
    expect(part.errors[0]).toMatchObject({ path: ["project"], extensions: { code: "NOT_FOUND" } });
  });

  it("mask a fault in a deferred fragment: a code and the request id, nothing of the fault; logged once with that id", async () => {
    const lines: string[] = [];
    const failing = createApp(pagesFailingWith(t.db, new Error("boom: SELECT secret FROM x")), config(), {
      faultLog: (line) => void lines.push(line),
    });
    const response = await post(failing, DEFERRED, MULTIPART, undefined, owner.key);
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id");
    const payloads = await multipartReader(response).rest();
    const text = JSON.stringify(payloads);
    expect(text).not.toMatch(/boom|SELECT|secret/);
    expect(payloads[0].data.viewer.user.email).toBe(owner.user.email);
    const [part] = payloads[1].incremental;
    expect(part.errors).toEqual([
      {
        message: "Unexpected error.",
        locations: expect.any(Array),
        path: ["viewer", "organizations"],
        extensions: { code: "INTERNAL_SERVER_ERROR", requestId },
      },
    ]);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      requestId,
      operation: "Deferred",
      code: "INTERNAL_SERVER_ERROR",
      message: expect.stringContaining("boom"),
    });
  });

  it("refuse @stream on a field that is not a list, and a label used twice (400, GRAPHQL_VALIDATION_FAILED)", async () => {
    for (const query of [
      `{ viewer { organizations(first: 1) @stream { totalCount } } }`,
      `{ viewer { ... @defer(label: "a") { user { email } } ... @defer(label: "a") { organizations(first: 1) { totalCount } } } }`,
    ]) {
      const response = await post(t.app, query, MULTIPART);
      expect(response.status, query).toBe(400);
      expect(await response.text()).toContain('"code":"GRAPHQL_VALIDATION_FAILED"');
    }
  });
});

describe("subscriptions", () => {
  const feed = activityFeedFor(t.db);
  afterAll(() => feed.close());

  it("deliver each event whole: @defer inside an event's selection is not split out", async () => {
    const s = await subscribe(
      t.app,
      `subscription($projectId: ID!) { activityCreated(projectId: $projectId) { activity ... @defer { detail { name } } } }`,
      { projectId: String(project.project.id) },
      owner.key,
    );
    for (let i = 0; feed.size === 0; i += 1) {
      if (i > 500) throw new Error("The subscription did not start.");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const update = await t.gql(
      `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { userErrors { code } } }`,
      { input: { id: String(project.project.id), timezone: "Europe/Berlin" } },
      { key: owner.key },
    );
    expect(update.data.updateProject.userErrors).toEqual([]);
    const event = await s.next();
    expect(event.data).toEqual({ data: { activityCreated: { activity: "updated", detail: { name: expect.any(String) } } } });
    await s.close();
  });
});
