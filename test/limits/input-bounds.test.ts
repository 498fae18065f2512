// Input is bounded before anything walks it: a document nested too deep is
// refused before graphql-js's (recursive) parser, variables nested too deep
// before coercion, JSON settings over their size or depth are userErrors on
// their field, a body over the limit is 413, and the Node server drops slow
// senders within seconds. Nothing is written by any refused request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, request as httpRequest, type Server } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { setupTestApp, type GqlResult } from "../helpers/app.js";
import { helpers, USER_ERRORS } from "../projects/support.js";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { documentNestingDepth, jsonNestingDepth } from "../../src/limits.js";
import { jsonSettingProblem, setJsonSettingLimits } from "../../src/domain/settings/validation.js";
import { applyServerLimits } from "../../src/http/node-server.js";

const t = await setupTestApp();
const h = helpers(t);
const config = loadConfig({ ...process.env, NODE_ENV: "test" });
const p = await h.project({}, "Bounded");
const id = String(p.project.id);

const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { databaseId } ${USER_ERRORS} } }`;

const nestedList = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
const nestedObject = (depth: number) => `${"{a: ".repeat(depth)}1${"}".repeat(depth)}`;
function nestedJson(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

/** A refusal before execution: 400, the code on every error, no data, and not one SQL statement (not even authentication). */
function expectRefused(res: GqlResult, code: string) {
  expect(res.status, JSON.stringify(res).slice(0, 500)).toBe(400);
  expect(res.data).toBeUndefined();
  expect(res.errors?.length).toBeGreaterThan(0);
  for (const e of res.errors!) expect(e.extensions?.code).toBe(code);
  expect(JSON.stringify(res.errors)).not.toMatch(/stack|RangeError|Maximum call stack/);
  expect(res.sql).toBe(0);
}

describe("the nesting scan", () => {
  it("counts (, [ and { and skips strings, block strings and comments", () => {
    expect(documentNestingDepth("{ a }")).toBe(1);
    expect(documentNestingDepth("{ a(x: [[1]]) { b } }")).toBe(4);
    expect(documentNestingDepth(`{ a(x: "[[[[{{{{\\"[[[") }`)).toBe(2);
    expect(documentNestingDepth(`{ a(x: """ [[[[ \\""" {{{{ """) }`)).toBe(2);
    expect(documentNestingDepth("{ a # [[[[[[[[\n b }")).toBe(1);
    expect(documentNestingDepth(nestedList(5000), 64)).toBe(65); // stops counting past the limit
    expect(jsonNestingDepth(1)).toBe(0);
    expect(jsonNestingDepth({ a: [1, { b: {} }] })).toBe(4);
    expect(jsonNestingDepth(nestedJson(100_000), 16)).toBe(17); // iterative: no stack overflow
  });
});

describe("documents nested too deep", () => {
  it(
    "are refused before parsing, with 400 QUERY_TOO_COMPLEX and nothing written " +
      "(a list literal 2,000 deep, an object literal 500 deep)",
    async () => {
      const before = await h.everything();
      for (const literal of [nestedList(2000), nestedObject(500)]) {
        const res = await t.gql(`mutation { updateProject(input: {id: "${id}", extraSettings: ${literal}}) { ${USER_ERRORS} } }`);
        expectRefused(res, "QUERY_TOO_COMPLEX");
        expect(res.errors![0].message).toContain(`${config.MAX_INPUT_NESTING} levels`);
        expect(res.errors![0].extensions?.limit).toBe(config.MAX_INPUT_NESTING);
      }
      expect(await h.everything()).toBe(before);
    },
  );

  it("are refused without a key too, and under both Accept headers", async () => {
    for (const accept of ["application/json", "application/graphql-response+json"]) {
      const res = await t.raw(JSON.stringify({ query: `{ __typename(a: ${nestedList(2000)}) }` }), { accept });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe("QUERY_TOO_COMPLEX");
    }
  });

  it("are refused in a GET request too", async () => {
    const res = await t.app.yoga.fetch(`http://localhost/graphql?query=${encodeURIComponent(`{ __typename(a: ${nestedList(1000)}) }`)}`, {
      headers: { accept: "application/json", authorization: `Bearer ${t.ownerKey}` },
    });
    expect(res.status).toBe(400);
  });

  it("do not count brackets inside strings and comments", async () => {
    const res = await t.gql(`# ${"[".repeat(5000)}\n{ viewer { user { email } } }`);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
  });

  it("up to the limit are parsed (a JSON literal 40 deep reaches the setting's own depth rule)", async () => {
    const before = await h.everything();
    const res = await t.gql(`mutation { updateProject(input: {id: "${id}", extraSettings: ${nestedObject(40)}}) { ${USER_ERRORS} } }`);
    expect(res.status).toBe(200);
    expect(res.data.updateProject.userErrors).toEqual([
      {
        field: ["input", "extraSettings"],
        message: expect.stringContaining(`at most ${config.MAX_JSON_SETTING_DEPTH} levels`),
        code: "INVALID",
      },
    ]);
    expect(await h.everything()).toBe(before);
  });

  it("follows MAX_INPUT_NESTING", async () => {
    const app = createApp(t.db, loadConfig({ ...process.env, NODE_ENV: "test", MAX_INPUT_NESTING: "8" }));
    const run = async (query: string) =>
      (
        await app.yoga.fetch("http://localhost/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${t.ownerKey}` },
          body: JSON.stringify({ query }),
        })
      ).status;
    // 9 levels, then 5.
    expect(await run(`{ project(id: "${id}") { settingsAsOf(at: "2020-01-01T00:00:00Z", scope: [[[[["x"]]]]]) { at } } }`)).toBe(400);
    expect(await run(`{ project(id: "${id}") { settingsAsOf(at: "2020-01-01T00:00:00Z", scope: ["x"]) { at } } }`)).toBe(200);
  });
});

describe("variables nested too deep", () => {
  it("are refused before coercion with 400 BAD_USER_INPUT and nothing written (a JSON setting 200 and 5,000 deep)", async () => {
    const before = await h.everything();
    for (const depth of [200, 5000]) {
      // Written out: JSON.stringify itself overflows the stack on 5,000 levels.
      const json = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
      t.db.counter.reset();
      const response = await t.raw(
        `{"query": ${JSON.stringify(UPDATE)}, "variables": {"input": {"id": "${id}", "extraSettings": ${json}}}}`,
        {
          authorization: `Bearer ${t.ownerKey}`,
        },
      );
      const res = { status: response.status, sql: t.db.counter.count, ...((await response.json()) as object) } as GqlResult;
      expectRefused(res, "BAD_USER_INPUT");
      expect(res.errors![0].message).toContain(`more than ${config.MAX_INPUT_NESTING} levels`);
    }
    expect(await h.everything()).toBe(before);
  });

  it("within the request limit but over the setting's depth are a userError on the setting", async () => {
    const before = await h.everything();
    const res = await t.gql(UPDATE, { input: { id, extraSettings: nestedJson(config.MAX_JSON_SETTING_DEPTH + 1) } });
    expect(res.status).toBe(200);
    expect(res.data.updateProject).toEqual({
      project: null,
      userErrors: [
        {
          field: ["input", "extraSettings"],
          message: `Must nest at most ${config.MAX_JSON_SETTING_DEPTH} levels of objects and arrays.`,
          code: "INVALID",
        },
      ],
    });
    expect(await h.everything()).toBe(before);
  });
});

describe("JSON settings", () => {
  const wide = (keys: number) => Object.fromEntries(Array.from({ length: keys }, (_, i) => [`key_${i}`, "value value value"]));

  it("defaults to 64 KB and 16 levels, configurable", () => {
    expect([config.MAX_JSON_SETTING_BYTES, config.MAX_JSON_SETTING_DEPTH]).toEqual([65_536, 16]);
    const set = loadConfig({ NODE_ENV: "test", MAX_JSON_SETTING_BYTES: "1024", MAX_JSON_SETTING_DEPTH: "4" });
    expect([set.MAX_JSON_SETTING_BYTES, set.MAX_JSON_SETTING_DEPTH]).toEqual([1024, 4]);
    expect(() => loadConfig({ NODE_ENV: "test", MAX_JSON_SETTING_DEPTH: "deep" })).toThrow(/MAX_JSON_SETTING_DEPTH/);
  });

  it("refuses a value over the size limit as a userError on its field, and writes nothing", async () => {
    const before = await h.everything();
    const big = wide(3000); // ~85 KB of JSON
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(config.MAX_JSON_SETTING_BYTES);
    const res = await t.gql(UPDATE, { input: { id, extraSettings: big, timezone: "Europe/Paris" } });
    expect(res.status).toBe(200);
    expect(res.data.updateProject.project).toBeNull();
    expect(res.data.updateProject.userErrors).toEqual([
      {
        field: ["input", "extraSettings"],
        message: expect.stringMatching(/^Must be at most 64 KB as JSON; this is \d+ KB\.$/),
        code: "INVALID",
      },
    ]);
    expect(await h.everything()).toBe(before);
  });

  it("holds every JSON setting to the limits (lists and merged objects too), each reported on its own field", async () => {
    const before = await h.everything();
    const deep = nestedJson(config.MAX_JSON_SETTING_DEPTH + 1);
    const res = await t.gql(UPDATE, { input: { id, testAccountFilters: [deep], modifiers: deep, sessionReplayConfig: wide(3000) } });
    const fields = res.data.updateProject.userErrors.map((e: { field: string[] }) => e.field.join("."));
    expect(fields.sort()).toEqual(["input.modifiers", "input.sessionReplayConfig", "input.testAccountFilters"]);
    expect(await h.everything()).toBe(before);
  });

  it("stores a value at the limits", async () => {
    const atDepth = nestedJson(config.MAX_JSON_SETTING_DEPTH);
    const res = await t.gql(UPDATE, { input: { id, extraSettings: atDepth } });
    expect(res.data.updateProject.userErrors).toEqual([]);
    const stored = (await t.db.prisma.environment.findUniqueOrThrow({ where: { id: p.environment.id } })).settings as Record<
      string,
      unknown
    >;
    expect(stored.extraSettings).toEqual(atDepth);
    // Exactly the byte limit passes; one byte more does not.
    const limits = { maxBytes: 100, maxDepth: 16 };
    const exactly = { k: "x".repeat(100 - JSON.stringify({ k: "" }).length) };
    expect(Buffer.byteLength(JSON.stringify(exactly))).toBe(100);
    expect(jsonSettingProblem(exactly, limits)).toBeNull();
    expect(jsonSettingProblem({ ...exactly, k: `${exactly.k}x` }, limits)).toMatch(/at most 100 bytes/);
  });

  it("holds a merged object to the size limit with the keys already stored, and rolls back a rename sent with it", async () => {
    const half = (prefix: string) => Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`${prefix}_${i}`, "value value value"]));
    // conversationsSettings keeps keys it does not know (sessionReplayConfig, say, is held to PostHog's keys).
    const first = await t.gql(UPDATE, { input: { id, conversationsSettings: half("a") } });
    expect(first.data.updateProject.userErrors).toEqual([]);
    const before = await h.everything();
    // Each half alone is within the limit; together they are not.
    const res = await t.gql(UPDATE, { input: { id, name: "Renamed with an oversized merge", conversationsSettings: half("b") } });
    expect(res.data.updateProject).toEqual({
      project: null,
      userErrors: [
        {
          field: ["input", "conversationsSettings"],
          message: expect.stringMatching(/^Must be at most 64 KB as JSON; this is \d+ KB\. \(with the keys already stored\)$/),
          code: "INVALID",
        },
      ],
    });
    expect(await h.everything()).toBe(before);
  });

  it("follows MAX_JSON_SETTING_BYTES and MAX_JSON_SETTING_DEPTH", async () => {
    const app = createApp(
      t.db,
      loadConfig({ ...process.env, NODE_ENV: "test", MAX_JSON_SETTING_BYTES: "1024", MAX_JSON_SETTING_DEPTH: "3" }),
    );
    try {
      const run = async (extraSettings: unknown) => {
        const res = await app.yoga.fetch("http://localhost/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${t.ownerKey}` },
          body: JSON.stringify({ query: UPDATE, variables: { input: { id, extraSettings } } }),
        });
        return ((await res.json()) as { data: { updateProject: { userErrors: { message: string }[] } } }).data.updateProject.userErrors;
      };
      expect(await run(wide(100))).toEqual([expect.objectContaining({ message: expect.stringContaining("at most 1 KB") })]);
      expect(await run(nestedJson(4))).toEqual([expect.objectContaining({ message: expect.stringContaining("at most 3 levels") })]);
      expect(await run(nestedJson(3))).toEqual([]);
    } finally {
      // The limits are module state (the input schemas are built once): put the defaults back.
      setJsonSettingLimits({ maxBytes: config.MAX_JSON_SETTING_BYTES, maxDepth: config.MAX_JSON_SETTING_DEPTH });
    }
  });
});

describe("the request body", () => {
  const bigBody = () =>
    JSON.stringify({ query: UPDATE, variables: { input: { id, extraSettings: { blob: "x".repeat(config.MAX_REQUEST_BYTES) } } } });

  function expectTooLarge(status: number, body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }) {
    expect(status).toBe(413);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0].extensions?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(body.errors?.[0].message).toContain(String(config.MAX_REQUEST_BYTES));
  }

  it("defaults to 1 MB, configurable", () => {
    expect(config.MAX_REQUEST_BYTES).toBe(1_048_576);
    expect(loadConfig({ NODE_ENV: "test", MAX_REQUEST_BYTES: "2048" }).MAX_REQUEST_BYTES).toBe(2048);
  });

  it("over the limit by its Content-Length is refused with 413 PAYLOAD_TOO_LARGE, and nothing is written", async () => {
    const before = await h.everything();
    const body = bigBody();
    for (const accept of ["application/json", "application/graphql-response+json"]) {
      const res = await t.raw(body, { authorization: `Bearer ${t.ownerKey}`, "content-length": String(Buffer.byteLength(body)), accept });
      expectTooLarge(res.status, (await res.json()) as never);
    }
    expect(await h.everything()).toBe(before);
  });

  it("over the limit when streamed without a Content-Length is refused with 413 too", async () => {
    const before = await h.everything();
    const bytes = new TextEncoder().encode(bigBody());
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await t.app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${t.ownerKey}` },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expectTooLarge(res.status, (await res.json()) as never);
    expect(await h.everything()).toBe(before);
  });

  it("under the limit is answered as usual", async () => {
    const res = await t.gql(UPDATE, { input: { id, extraSettings: { note: "x".repeat(1000) } } });
    expect(res.status).toBe(200);
    expect(res.data.updateProject.userErrors).toEqual([]);
  });
});

describe("the Node server", () => {
  let server: Server;
  let port: number;
  let app: App;

  beforeAll(async () => {
    app = createApp(t.db, config);
    server = createServer(app.yoga);
    applyServerLimits(server, { HEADERS_TIMEOUT_MS: 1000, REQUEST_TIMEOUT_MS: 2000, KEEP_ALIVE_TIMEOUT_MS: 1000 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("defaults to dropping slow senders within seconds", () => {
    const s = createServer();
    applyServerLimits(s, config);
    expect([s.headersTimeout, s.requestTimeout, s.keepAliveTimeout]).toEqual([10_000, 30_000, 5_000]);
    expect(s.requestTimeout).toBeLessThan(60_000);
  });

  /** Opens a connection, sends `first`, then one byte every 200 ms; resolves with what came back and when the server closed it. */
  function slowSender(first: string): Promise<{ ms: number; answer: string }> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const socket = connect(port, "127.0.0.1");
      let answer = "";
      let drip: NodeJS.Timeout | undefined;
      const giveUp = setTimeout(() => {
        socket.destroy();
        reject(new Error("the server kept a slow sender for 15 s"));
      }, 15_000);
      socket.on("connect", () => {
        socket.write(first);
        drip = setInterval(() => socket.write("a"), 200);
      });
      socket.on("data", (chunk) => (answer += chunk.toString()));
      socket.on("error", () => {});
      socket.on("close", () => {
        clearInterval(drip);
        clearTimeout(giveUp);
        resolve({ ms: Date.now() - started, answer });
      });
    });
  }

  it("drops a client that sends its headers too slowly", async () => {
    const { ms, answer } = await slowSender("POST /graphql HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(4000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it("drops a client that sends its body too slowly", async () => {
    const { ms, answer } = await slowSender(
      "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
    );
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(5000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it("refuses a chunked body over the limit with 413 PAYLOAD_TOO_LARGE", async () => {
    const before = await h.everything();
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/graphql",
          headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${t.ownerKey}` },
        },
        (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on("error", reject);
      // No Content-Length: Node sends it chunked.
      req.write(`{"query": ${JSON.stringify(UPDATE)}, "variables": {"input": {"id": "${id}", "extraSettings": {"blob": "`);
      const chunk = "x".repeat(64 * 1024);
      let sent = 0;
      const more = () => {
        while (sent <= config.MAX_REQUEST_BYTES) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", more);
        }
        req.end(`"}}}}`);
      };
      more();
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await h.everything()).toBe(before);
  });
});
