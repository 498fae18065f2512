// A paged connection field whose page, for many parents at once, is one
// loadPagesByParent statement: the field every area repeats, declared in one call.
import type { InputFieldMap, InputShapeFromFields, ObjectRef } from "@pothos/core";
import type { ConnectionShape } from "@pothos/plugin-relay";
import type { AuthScopeMap } from "@pothos/plugin-scope-auth";
import type { Context } from "../context.js";
import type { Types } from "./builder.js";
import { loadPagesByParent, type PagedQuery } from "./connections.js";
import { connectionNeeds, readsColumns } from "./selection.js";

export type { Types };

/** The arguments of every connection: first, after, last, before. */
type ConnectionArgFields = ReturnType<PothosSchemaTypes.InputFieldBuilder<Types, "Arg">["connectionArgs"]>;

export interface PagedFieldOptions<Parent, Node, Args extends InputFieldMap> {
  /** The connection object (from builder.connectionObject). */
  type: ObjectRef<Types, ConnectionShape<Types, Node, false>>;
  description: string;
  authScopes?: AuthScopeMap<Types>;
  /** Arguments besides the window (filters); the query reads them. */
  args?: Args;
  /**
   * The children's query; a function when it depends on the caller (e.g. what the key may see), on the arguments, or on
   * the columns the selected node fields read (`columns`, null: all; see src/schema/selection.ts).
   */
  query:
    | PagedQuery
    | ((ctx: Context, args: InputShapeFromFields<ConnectionArgFields & Args>, columns: readonly string[] | null) => PagedQuery);
  /** The parent's key, as the children's parent column holds it. */
  parentId: (parent: Parent) => string | number;
  /** The parent's columns that `parentId` reads (default `id`), so a page of parents selects them. */
  parentColumns?: string[];
}

/**
 * `t.loadable` for a Relay connection with the standard window arguments
 * (first/after/last/before) and any filters: one page per parent, batched by path.
 */
export function pagedField<Parent, Node, Args extends InputFieldMap = Record<never, never>>(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, Parent>,
  options: PagedFieldOptions<Parent, Node, Args>,
) {
  const { type, description, authScopes, query, parentId, parentColumns = ["id"] } = options;
  const args: ConnectionArgFields & Args = Object.assign(t.arg.connectionArgs(), options.args);
  return t.loadable({
    type,
    description,
    ...(authScopes ? { authScopes } : {}),
    byPath: true,
    args,
    extensions: readsColumns(...parentColumns),
    // async: a failure (e.g. a bad window) rejects the load, never throws synchronously in the DataLoader batch.
    load: async (parentIds: (string | number)[], ctx: Context, fieldArgs, info) =>
      loadPagesByParent<Node>(
        ctx.db,
        typeof query === "function" ? query(ctx, fieldArgs, connectionNeeds(info).columns) : query,
        parentIds,
        fieldArgs,
        info,
      ),
    resolve: parentId,
  });
}
