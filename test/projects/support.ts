// Shared helpers of the projects and environments tests: users at a given
// level, projects inserted directly, GraphQL calls that must succeed or fail
// with a code, and snapshots of the rows a mutation may write.
import { expect } from "vitest";
import type { setupTestApp } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import { ALL_SCOPES } from "../../src/auth/scopes.js";
import { insertProject } from "../../src/domain/projects/store.js";
import { insertEnvironment } from "../../src/domain/environments/store.js";
import { encodeId } from "../../src/domain/ids.js";
import type { UserErrorCodeValue } from "../../src/domain/outcome.js";

export type T = Awaited<ReturnType<typeof setupTestApp>>;

export const PUBLIC_TOKEN = /^phc_[23456789A-HJ-NP-Za-km-z]{43}$/;
export const SECRET_TOKEN = /^phs_[23456789A-HJ-NP-Za-km-z]{43}$/;
export const MASKED_SECRET = /^phs_\.\.\.[23456789A-HJ-NP-Za-km-z]{4}$/;

export const projectGid = (id: number) => encodeId("Project", id);
export const environmentGid = (id: number) => encodeId("Environment", id);
export const orgGid = (id: string) => encodeId("Organization", id);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const USER_ERRORS = `userErrors { field message code }`;

/** A userError a refusal must carry: its code, and the path of the input field at fault (`"input.name"`, `"input.appUrls.1"`). */
export interface ExpectedUserError {
  code: UserErrorCodeValue;
  field: string | null;
}

/** Asserts that `userErrors` are exactly `expected` (code and dotted field path, in any order), each with a message. */
export function expectUserErrors(
  userErrors: { code: string; field: string[] | null; message: string }[] | undefined,
  expected: ExpectedUserError | ExpectedUserError[],
  context = JSON.stringify(userErrors),
) {
  const order = (e: ExpectedUserError) => `${e.field}\u0000${e.code}`;
  const sorted = (list: ExpectedUserError[]) => [...list].sort((a, b) => order(a).localeCompare(order(b)));
  const actual = (userErrors ?? []).map((e) => ({ code: e.code as UserErrorCodeValue, field: e.field?.join(".") ?? null }));
  expect(sorted(actual), context).toEqual(sorted([expected].flat()));
  for (const e of userErrors ?? []) expect(e.message, context).toMatch(/\S/);
}

export function helpers(t: T) {
  const prisma = t.db.prisma;
  const seed = initSeed(t);
  let n = 0;
  const uniqueName = (prefix = "Project") => {
    n += 1;
    return `${prefix} ${process.pid}-${n}`;
  };

  /** A user at `level` in t.org, with a key of `scopes` (the `seed.home.member()` scenario). */
  function userAt(level: number, scopes: string[] = ALL_SCOPES) {
    return seed.home.member(level, scopes);
  }

  /** A project with its primary environment, inserted directly (no activity). */
  async function project(settings: Record<string, unknown> = {}, name = uniqueName(), organizationId: string = t.org.id) {
    return insertProject(prisma, organizationId, name, settings);
  }

  async function environment(p: { id: number; organizationId: string }, name = uniqueName("Env")) {
    return insertEnvironment(prisma, p, name);
  }

  /** Runs an operation that must succeed; returns its data. */
  async function ok(query: string, variables?: Record<string, unknown>, key?: string): Promise<any> {
    const res = await t.gql(query, variables, key ? { key } : undefined);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data;
  }

  /** Runs an operation that must fail with `code` (every error carries it); returns the response. */
  async function fails(code: string, query: string, variables?: Record<string, unknown>, key?: string | null) {
    const res = await t.gql(query, variables, key !== undefined ? { key } : undefined);
    expect(res.errors?.length, JSON.stringify(res)).toBeGreaterThan(0);
    for (const e of res.errors!) expect(e.extensions?.code, JSON.stringify(res.errors)).toBe(code);
    return res;
  }

  /**
   * Runs a mutation that must be refused with exactly the `expected` userErrors (each one's code and field path, in any
   * order), each with a message; returns the payload (`payload` names its field in `data`).
   */
  async function refused(
    expected: ExpectedUserError | ExpectedUserError[],
    mutation: string,
    payload: string,
    variables: Record<string, unknown>,
    key?: string,
  ) {
    const data = await ok(mutation, variables, key);
    const answer = data[payload];
    expectUserErrors(answer?.userErrors, expected, JSON.stringify(answer));
    return answer;
  }

  /** Everything a projects/environments mutation could write, to prove that nothing was. */
  async function everything() {
    const [projects, environments, activity, intents] = await Promise.all([
      prisma.project.findMany({ orderBy: { id: "asc" } }),
      prisma.environment.findMany({ orderBy: { id: "asc" } }),
      prisma.activityLog.findMany({ orderBy: { id: "asc" } }),
      prisma.productIntent.findMany({ orderBy: { id: "asc" } }),
    ]);
    return JSON.stringify({ projects, environments, activity, intents });
  }

  /** The activity entries of a project (or environment), oldest first. */
  async function activityOf(where: { projectId?: number; environmentId?: number }) {
    return prisma.activityLog.findMany({ where, orderBy: [{ createdAt: "asc" }] });
  }

  return { prisma, seed, uniqueName, userAt, project, environment, ok, fails, refused, everything, activityOf };
}

export { MembershipLevel };
