// Schema-wide, for every type with scopes of its own (`authScopes` on the type:
// Organization, Project, Annotation, ...; src/schema/type-scopes.ts):
// - every field that delivers its objects (directly, in a list, or through a
//   connection's edges) requires the type's scopes, unless its parent's type
//   scopes already imply them;
// - no field of such a type checks the type's scopes again.
// Both are checked by running each field's resolver as the schema built it,
// with a key that lacks the scope (or holds every scope): scope checks run
// before the resolver's own code, which here has no database and fails in its
// own way, never with scope-auth's refusal.
import {
  getNamedType,
  isObjectType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLType,
} from "graphql";
import { describe, expect, it } from "vitest";
import { getSchema } from "../../src/schema/index.js";
import { ALL_SCOPES } from "../../src/auth/scopes.js";
import type { Principal } from "../../src/auth/principal.js";
import type { Context } from "../../src/context.js";
import { principal } from "./principals.js";

const schema = getSchema();
type ScopeMap = Record<string, unknown>;

const objectTypes = Object.values(schema.getTypeMap()).filter(
  (type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith("__"),
);

/** A type's own `authScopes`, when it is a map (what the plugin moves to the delivering fields). */
const typeScopes = (type: GraphQLNamedType): ScopeMap | null => {
  const scopes = (type.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions?.authScopes;
  return isObjectType(type) && typeof scopes === "object" && scopes !== null ? (scopes as ScopeMap) : null;
};

const scoped = objectTypes.filter((type) => typeScopes(type));

/** The object type a connection (edges + pageInfo) or an edge (node + cursor) carries; null for any other type. */
function carried(type: GraphQLNamedType): GraphQLNamedType | null {
  if (!isObjectType(type)) return null;
  const fields = type.getFields();
  if (fields.edges && fields.pageInfo) return delivered(fields.edges.type);
  if (fields.node && fields.cursor) return delivered(fields.node.type);
  return null;
}

/** The type whose objects a field of this type delivers. */
const delivered = (type: GraphQLType): GraphQLNamedType => {
  const named = getNamedType(type);
  return carried(named) ?? named;
};

const same = (a: ScopeMap, b: ScopeMap) => JSON.stringify(a) === JSON.stringify(b);

/** A principal failing a type's scopes: without the scope (and the write scope that implies a read), or no key at all. */
function lacking(scopes: ScopeMap): Principal | null {
  if (same(scopes, { authenticated: true })) return null;
  const scope = scopes.scope;
  if (Object.keys(scopes).length !== 1 || typeof scope !== "string") throw new Error(`extend this test for ${JSON.stringify(scopes)}`);
  return principal({ scopes: ALL_SCOPES.filter((s) => s !== scope && s !== scope.replace(/:read$/, ":write")) });
}

/** What running a field's built resolver gives (its value or its error), for a request by `who`. */
async function run(type: GraphQLObjectType, field: GraphQLField<unknown, unknown>, who: Principal | null): Promise<unknown> {
  const context = { principal: who } as unknown as Context;
  const info = {
    fieldName: field.name,
    fieldNodes: [],
    returnType: field.type,
    parentType: type,
    path: { prev: undefined, key: field.name, typename: type.name },
    schema,
    fragments: {},
    rootValue: undefined,
    variableValues: {},
  } as unknown as GraphQLResolveInfo;
  try {
    return await field.resolve?.({}, {}, context, info);
  } catch (error) {
    return error;
  }
}

const codeOf = (outcome: unknown) => (outcome as { extensions?: { code?: string } } | null)?.extensions?.code;
/** scope-auth's refusal (through the builder's unauthorizedError): UNAUTHENTICATED without a key, else FORBIDDEN naming the missing scope. */
const isScopeRefusal = (outcome: unknown, who: Principal | null) =>
  outcome instanceof Error &&
  (who === null
    ? codeOf(outcome) === "UNAUTHENTICATED"
    : codeOf(outcome) === "FORBIDDEN" && outcome.message.startsWith("The API key lacks the scope this needs: "));

it("finds the scoped types", () => {
  expect(scoped.map((type) => type.name).sort()).toEqual(
    expect.arrayContaining(["Annotation", "Cohort", "Environment", "Organization", "Project", "Role", "User"]),
  );
});

describe("every field delivering a scoped type requires its scopes", () => {
  const cases = objectTypes.flatMap((parent) =>
    Object.values(parent.getFields()).flatMap((field) => {
      const target = delivered(field.type);
      const needed = typeScopes(target);
      // A connection's or edge's own fields hand on what the field that delivered the connection checked.
      if (!needed || carried(parent)?.name === target.name) return [];
      return [{ name: `${parent.name}.${field.name} (${target.name})`, parent, field, needed }];
    }),
  );

  it("finds them", () => {
    expect(cases.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "Environment.annotations (Annotation)",
        "Annotation.project (Project)",
        "Project.organization (Organization)",
        "AnnotationPayload.annotation (Annotation)",
        "Query.project (Project)",
      ]),
    );
  });

  it.each(cases)("$name", async ({ parent, field, needed }) => {
    const parentScopes = typeScopes(parent);
    const impliedByParent = parentScopes !== null && (same(parentScopes, needed) || same(needed, { authenticated: true }));
    const without = lacking(needed);
    const refused = isScopeRefusal(await run(parent, field, without), without);
    // Either the field refuses a key without the scope, or its parent could only be delivered to a key holding it.
    expect(refused || impliedByParent, "refused without the scope").toBe(true);
    // A key holding every scope is never refused by a scope check.
    const all = principal({ scopes: ["*"] });
    expect(isScopeRefusal(await run(parent, field, all), all), "refused with every scope").toBe(false);
  });
});

describe("no field of a scoped type checks the type's scopes itself", () => {
  const cases = scoped.flatMap((type) =>
    Object.values(type.getFields()).map((field) => ({ name: `${type.name}.${field.name}`, type, field, scopes: typeScopes(type)! })),
  );

  it.each(cases)("$name", async ({ type, field, scopes }) => {
    expect((field.extensions as { pothosOptions?: { skipTypeScopes?: boolean } }).pothosOptions?.skipTypeScopes).toBe(true);
    const without = lacking(scopes);
    const outcome = await run(type, field, without);
    // The type's own check would answer this, before the resolver runs.
    const typeRefusal =
      without === null
        ? codeOf(outcome) === "UNAUTHENTICATED"
        : outcome instanceof Error && outcome.message.endsWith(`(to read fields for ${type.name}).`);
    expect(typeRefusal, String(outcome)).toBe(false);
  });
});
