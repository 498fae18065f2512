// Bad input is answered with a clear error, a 4xx status (never 500), an
// `extensions.code` on every error, nothing of the server's internals, and no change.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";

const t = await setupTestApp();

interface ErrorBody {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Every error has a code, and no message or extension carries a stack trace or SQL. */
function expectCleanErrors(body: ErrorBody, code: string) {
  expect(body.errors?.length, JSON.stringify(body)).toBeGreaterThan(0);
  for (const error of body.errors!) {
    expect(typeof error.message).toBe("string");
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.extensions?.code, error.message).toBeTypeOf("string");
    const text = JSON.stringify(error);
    expect(text).not.toMatch(/\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|node_modules/); // stack frames
    expect(text).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET)\b|prisma|\$queryRaw/i); // SQL, the ORM
    expect(text).not.toContain("originalError");
    expect(text).not.toContain("stack");
  }
  expect(body.errors![0].extensions?.code).toBe(code);
}

async function snapshot() {
  const orgs = await t.db.prisma.organization.findMany({ orderBy: { id: "asc" }, select: { id: true, name: true, slug: true } });
  const memberships = await t.db.prisma.organizationMembership.count();
  return { orgs, memberships };
}

const CREATE = `mutation { createOrganization(input: { name: "Should not exist" }) { organization { name } userErrors { message } } }`;

describe("malformed requests", () => {
  it.each([
    ["malformed JSON", "{not json", "BAD_REQUEST"],
    ["an empty body", "", "BAD_REQUEST"],
    ["a JSON array (batching)", "[1, 2]", "BAD_REQUEST"],
    ["a JSON null", "null", "BAD_REQUEST"],
    ["no query", JSON.stringify({ variables: {} }), "BAD_REQUEST"],
    ["a query that is not a string", JSON.stringify({ query: 5 }), "BAD_REQUEST"],
    ["variables that are not an object", JSON.stringify({ query: "{ __typename }", variables: "x" }), "BAD_REQUEST"],
    ["a syntax error", JSON.stringify({ query: "{ viewer {" }), "GRAPHQL_PARSE_FAILED"],
    [
      "a syntax error in a mutation",
      JSON.stringify({ query: 'mutation { createOrganization(input: { name: "x" }) {' }),
      "GRAPHQL_PARSE_FAILED",
    ],
    ["an unknown field", JSON.stringify({ query: "{ viewer { nope } }" }), "GRAPHQL_VALIDATION_FAILED"],
    ["an unknown argument", JSON.stringify({ query: "{ viewer { organizations(size: 3) { totalCount } } }" }), "GRAPHQL_VALIDATION_FAILED"],
    [
      "a literal of the wrong type",
      JSON.stringify({ query: '{ viewer { organizations(first: "abc") { totalCount } } }' }),
      "GRAPHQL_VALIDATION_FAILED",
    ],
    [
      "a mutation missing its input",
      JSON.stringify({ query: "mutation { createOrganization { userErrors { message } } }" }),
      "GRAPHQL_VALIDATION_FAILED",
    ],
    [
      "a variable of the wrong type",
      JSON.stringify({
        query: "query($first: Int) { viewer { organizations(first: $first) { totalCount } } }",
        variables: { first: "abc" },
      }),
      "BAD_USER_INPUT",
    ],
    [
      "a variable out of Int's range",
      JSON.stringify({
        query: "query($first: Int) { viewer { organizations(first: $first) { totalCount } } }",
        variables: { first: 1e12 },
      }),
      "BAD_USER_INPUT",
    ],
    [
      "a missing required variable",
      JSON.stringify({ query: "query($first: Int!) { viewer { organizations(first: $first) { totalCount } } }" }),
      "BAD_USER_INPUT",
    ],
    [
      "a mutation input variable of the wrong shape",
      JSON.stringify({
        query: "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { userErrors { message } } }",
        variables: { input: { name: 42, extra: true } },
      }),
      "BAD_USER_INPUT",
    ],
  ])("refuses %s with 400 and %s, changing nothing", async (_name, body, code) => {
    const before = await snapshot();
    for (const accept of ["application/json", "application/graphql-response+json"]) {
      const res = await t.raw(body, { authorization: `Bearer ${t.ownerKey}`, accept });
      expect(res.status, accept).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/json/);
      const json = (await res.json()) as ErrorBody;
      expectCleanErrors(json, code);
      expect(json.data ?? null).toBeNull();
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a mutation sent with GET (405) and changes nothing", async () => {
    const before = await snapshot();
    const res = await t.app.yoga.fetch(`http://localhost/graphql?query=${encodeURIComponent(CREATE)}`, {
      headers: { accept: "application/json", authorization: `Bearer ${t.ownerKey}` },
    });
    expect(res.status).toBe(405);
    expectCleanErrors((await res.json()) as ErrorBody, "BAD_REQUEST");
    expect(await snapshot()).toEqual(before);
  });

  it("answers a query sent with GET", async () => {
    const res = await t.app.yoga.fetch(`http://localhost/graphql?query=${encodeURIComponent("{ viewer { user { email } } }")}`, {
      headers: { accept: "application/json", authorization: `Bearer ${t.ownerKey}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { viewer: { user: { email: string } } } }).data.viewer.user.email).toMatch(/@example\.com$/);
  });

  it("refuses an unsupported content type with 415 and an error code", async () => {
    const before = await snapshot();
    const res = await t.raw(JSON.stringify({ query: CREATE }), { "content-type": "text/plain", authorization: `Bearer ${t.ownerKey}` });
    expect(res.status).toBe(415);
    expectCleanErrors((await res.json()) as ErrorBody, "BAD_REQUEST");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses an unacceptable Accept header with 406 and an error code", async () => {
    const res = await t.raw(JSON.stringify({ query: "{ __typename }" }), { accept: "text/xml", authorization: `Bearer ${t.ownerKey}` });
    expect(res.status).toBe(406);
    expectCleanErrors((await res.json()) as ErrorBody, "BAD_REQUEST");
  });

  it("answers an unknown path with 404 and an error code", async () => {
    const res = await t.app.yoga.fetch("http://localhost/nope", { headers: { accept: "application/json" } });
    expect(res.status).toBe(404);
    expectCleanErrors((await res.json()) as ErrorBody, "BAD_REQUEST");
  });

  it("refuses an unknown operationName with 400 and an error code", async () => {
    const res = await t.raw(JSON.stringify({ query: "query A { __typename }", operationName: "B" }), {
      authorization: `Bearer ${t.ownerKey}`,
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as ErrorBody;
    expect(json.errors?.[0].extensions?.code).toBeTypeOf("string");
  });

  it("parses and validates before authenticating: a bad document is 400 even without a key", async () => {
    const res = await t.gql("{ viewer {", undefined, { key: null });
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });
});

describe("CORS", () => {
  it("answers a preflight from any origin without credentialed CORS (keys travel in a header, not cookies)", async () => {
    const res = await t.app.yoga.fetch("http://localhost/graphql", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("access-control-allow-origin")).toBeTruthy();
    expect(res.headers.get("access-control-allow-credentials")).not.toBe("true");
  });
});

describe("authentication failures", () => {
  it.each([
    ["an empty Bearer", { authorization: "Bearer " }],
    ["a garbage Bearer", { authorization: "Bearer garbage" }],
    ["a Bearer with two tokens", { authorization: `Bearer ${"phx_"}abc def` }],
    ["a non-Bearer scheme", { authorization: "Basic YTpi" }],
    ["a well-formed unknown key", { authorization: `Bearer phx_${"A".repeat(43)}` }],
  ])("refuses %s with 401 on a mutation, and changes nothing", async (_name, headers) => {
    const before = await snapshot();
    const res = await t.raw(JSON.stringify({ query: CREATE }), headers);
    expect(res.status).toBe(401);
    const json = (await res.json()) as ErrorBody;
    expectCleanErrors(json, "UNAUTHENTICATED");
    expect(json.data ?? null).toBeNull();
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a mutation without any key and changes nothing", async () => {
    const before = await snapshot();
    const res = await t.gql(CREATE, undefined, { key: null });
    expect(res.status).toBe(401);
    expectCleanErrors(res, "UNAUTHENTICATED");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses an operation mixing introspection and data without a key", async () => {
    const res = await t.gql("{ __typename viewer { user { email } } }", undefined, { key: null });
    expect(res.status).toBe(401);
    expectCleanErrors(res, "UNAUTHENTICATED");
  });
});

describe("execution errors", () => {
  it("answers an out-of-range argument with 200 and BAD_USER_INPUT at the field's path", async () => {
    const res = await t.gql(`{ me: viewer { user { email } } org: viewer { organizations(first: 500) { totalCount } } }`);
    expect(res.status).toBe(200);
    expectCleanErrors(res, "BAD_USER_INPUT");
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].path).toEqual(["org", "organizations"]);
    expect(res.errors![0].extensions?.argument).toBe("first");
  });

  it("answers NOT_FOUND for a malformed id without a fault", async () => {
    const res = await t.gql(`{ organization(id: "%%%") { name } }`);
    expectCleanErrors(res, "NOT_FOUND");
  });

  it("answers a name the database cannot store (NUL) as a userError, not a fault", async () => {
    const before = await snapshot();
    const res = await t.gql(
      `mutation($name: String!) { createOrganization(input: { name: $name }) { organization { id } userErrors { field code } } }`,
      {
        name: "bad\u0000name",
      },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.createOrganization).toEqual({ organization: null, userErrors: [{ field: ["input", "name"], code: "INVALID" }] });
    expect(await snapshot()).toEqual(before);
  });
});
