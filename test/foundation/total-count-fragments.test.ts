// totalCount is counted whenever a selection asks for it, however it is
// spelled: directly, through a named fragment (nested too), or an inline one.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { MembershipLevel } from "../../src/auth/levels.js";

const t = await setupTestApp();
const user = await t.fixtures.user();
for (const name of ["One", "Two", "Three"]) await t.fixtures.organization(name, [{ userId: user.id, level: MembershipLevel.MEMBER }]);
const key = await t.fixtures.key(user.id, ["organization:read"]);

describe("totalCount through fragments", () => {
  it.each([
    ["directly", `{ viewer { organizations(first: 1) { totalCount } } }`],
    [
      "in a named fragment",
      `{ viewer { organizations(first: 1) { ...Counted } } } fragment Counted on OrganizationConnection { totalCount }`,
    ],
    [
      "in a fragment of a fragment",
      `{ viewer { ...V } } fragment V on Viewer { organizations(first: 1) { ...Counted } }
        fragment Counted on OrganizationConnection { pageInfo { hasNextPage } ...Total }
        fragment Total on OrganizationConnection { totalCount }`,
    ],
    ["in an inline fragment", `{ viewer { organizations(first: 1) { ... on OrganizationConnection { totalCount } } } }`],
  ])("counts when asked %s", async (_how, query) => {
    const res = await t.gql(query, {}, { key });
    expect(res.errors).toBeUndefined();
    expect(res.data.viewer.organizations.totalCount).toBe(3);
  });
});
