// Filter arguments of paged fields are checked once per batch (pagedField's `argsSchema`,
// src/schema/paged-field.ts), with the BAD_USER_INPUT plugin-zod gives other arguments: the same
// message and issues on every list that takes a `search`, at the top and nested under many parents,
// and a search at the limit is accepted.
import { beforeAll, describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { initSeed } from "../helpers/scenarios.js";

const t = await setupTestApp();
const seed = initSeed(t);
let projectId: string;

beforeAll(async () => {
  const { project } = await seed.home.createProject("Filters");
  await seed.home.createProject("Filters 2");
  projectId = String(project.id);
});

/** The variables a list's query declares, of these. */
const variablesOf = (query: string, all: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(all).filter(([name]) => query.includes(`$${name}:`)));

const LISTS = {
  "Organization.projects": `query($org: ID!, $s: String) { organization(id: $org) { projects(first: 5, search: $s) { totalCount } } }`,
  "Project.annotations": `query($p: ID!, $s: String) { project(id: $p) { annotations(first: 5, search: $s) { totalCount } } }`,
  "Project.cohorts": `query($p: ID!, $s: String) { project(id: $p) { cohorts(first: 5, search: $s) { totalCount } } }`,
  "Environment.annotations (nested under every project)": `query($org: ID!, $s: String) { organization(id: $org) {
    projects(first: 5) { nodes { environments(first: 2) { nodes { annotations(first: 1, search: $s) { totalCount } } } } } } }`,
};

describe("a paged field's search filter", () => {
  it.each(Object.entries(LISTS))(
    "%s: over 200 characters is BAD_USER_INPUT, with plugin-zod's message and issues",
    async (_name, query) => {
      const res = await t.gql(query, variablesOf(query, { org: t.org.id, p: projectId, s: "x".repeat(201) }));
      expect(res.errors?.length).toBeGreaterThan(0);
      for (const error of res.errors ?? []) {
        expect(error.extensions?.code).toBe("BAD_USER_INPUT");
        expect(error.message).toBe("search: Search at most 200 characters.");
        expect(error.extensions?.issues).toEqual([{ path: ["search"], message: "Search at most 200 characters." }]);
      }
    },
  );

  it.each(Object.entries(LISTS))("%s: 200 characters, or none, are accepted", async (_name, query) => {
    for (const s of ["x".repeat(200), null]) {
      const res = await t.gql(query, variablesOf(query, { org: t.org.id, p: projectId, s }));
      expect(res.errors).toBeUndefined();
    }
  });
});
