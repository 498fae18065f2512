// A paged connection field whose page, for many parents at once, is one
// loadPagesByParent statement: the field every area repeats, declared in one call.
import type { ObjectRef } from "@pothos/core";
import type { AuthScopeMap } from "@pothos/plugin-scope-auth";
import type { Context } from "../context.js";
import type { builder } from "./builder.js";
import { loadPagesByParent, type PagedQuery } from "./connections.js";

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The node type of a connection shape (the rows loadPagesByParent returns). */
type NodeOf<Shape> = Shape extends { edges: readonly (infer E)[] } ? (E extends { node: infer N } ? N : never) : never;

export interface PagedFieldOptions<Parent, Shape> {
  /** The connection object (from builder.connectionObject). */
  type: ObjectRef<Types, Shape>;
  description: string;
  authScopes?: AuthScopeMap<Types>;
  /** The children's query; a function when it depends on the caller (e.g. what the key may see). */
  query: PagedQuery | ((ctx: Context) => PagedQuery);
  /** The parent's key, as the children's parent column holds it. */
  parentId: (parent: Parent) => string | number;
}

/**
 * `t.loadable` for a Relay connection with the standard window arguments
 * (first/after/last/before) and no others: one page per parent, batched by path.
 */
export function pagedField<Parent, Shape>(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, Parent>,
  options: PagedFieldOptions<Parent, Shape>,
) {
  const { type, description, authScopes, query, parentId } = options;
  return t.loadable({
    type,
    description,
    ...(authScopes ? { authScopes } : {}),
    byPath: true,
    args: t.arg.connectionArgs(),
    // async: a failure (e.g. a bad window) rejects the load, never throws synchronously in the DataLoader batch.
    load: async (parentIds: (string | number)[], ctx: Context, args, info) =>
      (await loadPagesByParent<NodeOf<Shape>>(ctx.db, typeof query === "function" ? query(ctx) : query, parentIds, args, info)) as unknown as Shape[],
    resolve: parentId,
  });
}
