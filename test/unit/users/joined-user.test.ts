// A user joined into a page's statement (an annotation's author, src/domain/users/store.ts
// joinedUser) carries only USER_FIELD_COLUMNS, or the columns its selection declares. So every
// field of the User type must say which columns it reads, and read only those: a field that read
// another column would answer undefined for a joined author.
import { isObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { getSchema } from "../../../src/schema/index.js";
import { USER_FIELD_COLUMNS } from "../../../src/domain/users/store.js";
import { Prisma } from "../../../src/generated/prisma/client.js";

describe("the User type and a joined user's columns", () => {
  const user = getSchema().getType("User");

  it("every User field reads declared columns, all of them in USER_FIELD_COLUMNS", () => {
    if (!isObjectType(user)) throw new Error("User is not an object type");
    for (const [name, field] of Object.entries(user.getFields())) {
      const extensions = field.extensions as { columns?: string[]; pothosExposedField?: string };
      const columns =
        name === "id" ? ["id"] : (extensions.columns ?? (extensions.pothosExposedField ? [extensions.pothosExposedField] : null));
      expect(columns, `User.${name} declares no columns (readsColumns)`).not.toBeNull();
      for (const column of columns ?? []) expect(USER_FIELD_COLUMNS, `User.${name} reads ${column}`).toContain(column);
    }
  });

  it("USER_FIELD_COLUMNS are columns of the User table", () => {
    for (const column of USER_FIELD_COLUMNS) expect(Object.keys(Prisma.UserScalarFieldEnum)).toContain(column);
  });
});
