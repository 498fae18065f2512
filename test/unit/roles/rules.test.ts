// The roles area's pure rules, without a database: the validation of its
// inputs and what the activity log records of members.
import { describe, expect, it } from "vitest";
import { ROLE_FIELDS, roleMemberChanges } from "../../../src/domain/roles/rules.js";
import {
  ROLE_NAME_MAX,
  createRoleInput,
  roleMemberInput,
  roleName,
  setOrganizationDefaultRoleInput,
  updateRoleInput,
} from "../../../src/domain/roles/validation.js";
import { userErrorsFromZod } from "../../../src/domain/outcome.js";

const errorsOf = (result: { success: boolean; error?: Parameters<typeof userErrorsFromZod>[0] }) =>
  result.success ? [] : userErrorsFromZod(result.error!);

describe("role names", () => {
  it.each([
    ["Engineers", "Engineers"],
    ["  Designers  ", "Designers"],
    ["x".repeat(ROLE_NAME_MAX), "x".repeat(ROLE_NAME_MAX)],
  ])("accepts %j as %j", (name, parsed) => {
    expect(roleName.parse(name)).toBe(parsed);
  });

  it.each([
    ["", "Name must not be blank.", "INVALID"],
    ["   ", "Name must not be blank.", "INVALID"],
    ["x".repeat(ROLE_NAME_MAX + 1), "Name must be at most 200 characters.", "INVALID"],
    [undefined, "Name is required.", "REQUIRED"],
    [null, "Name must not be null; omit it to keep the current name.", "REQUIRED"],
    [7, "Name must be a string.", "INVALID"],
  ])("refuses %j on input.name: %s", (name, message, code) => {
    expect(errorsOf(createRoleInput.safeParse({ organizationId: "o", name }, { reportInput: true }))).toEqual([
      { field: ["input", "name"], message, code },
    ]);
  });

  it("keeps an omitted name on update", () => {
    expect(updateRoleInput.parse({ id: "r" })).toEqual({ id: "r" });
    expect(errorsOf(updateRoleInput.safeParse({ id: "r", name: null }, { reportInput: true }))[0].code).toBe("REQUIRED");
  });
});

describe("role member and default role inputs", () => {
  it("needs a user id that is not blank, and trims it", () => {
    expect(roleMemberInput.parse({ roleId: "r", userId: " 12 " })).toEqual({ roleId: "r", userId: "12" });
    expect(errorsOf(roleMemberInput.safeParse({ roleId: "r", userId: "  " }, { reportInput: true }))).toEqual([
      { field: ["input", "userId"], message: "A user id is required.", code: "INVALID" },
    ]);
  });

  it("clears the default role with null or an omitted role id, and refuses a blank one", () => {
    expect(setOrganizationDefaultRoleInput.parse({ organizationId: "o", roleId: null }).roleId).toBeNull();
    expect(setOrganizationDefaultRoleInput.parse({ organizationId: "o" }).roleId).toBeUndefined();
    expect(errorsOf(setOrganizationDefaultRoleInput.safeParse({ organizationId: "o", roleId: " " }))).toEqual([
      { field: ["input", "roleId"], message: expect.stringMatching(/must not be blank/), code: "INVALID" },
    ]);
  });
});

describe("what the activity log records", () => {
  it("records a role's name", () => {
    expect(ROLE_FIELDS).toEqual(["name"]);
  });

  it("records a member joining and leaving with their id and email", () => {
    const member = { userId: 7, email: "ada@example.com" };
    expect(roleMemberChanges(null, member)).toEqual([
      { type: "RoleMember", action: "created", field: "userId", before: null, after: 7 },
      { type: "RoleMember", action: "created", field: "email", before: null, after: "ada@example.com" },
    ]);
    expect(roleMemberChanges(member, null)).toEqual([
      { type: "RoleMember", action: "deleted", field: "userId", before: 7, after: null },
      { type: "RoleMember", action: "deleted", field: "email", before: "ada@example.com", after: null },
    ]);
  });
});
