// A paged connection field whose page, for many parents at once, is one
// loadPagesByParent statement: the field every area repeats, declared in one call.
//
// The pages of all the parents a document reaches the field for at one place
// (say every environment of every project of a nested read) are loaded by one
// DataLoader batch. The field resolves with no async wrapper of its own, and
// its filter arguments are checked once per batch (`argsSchema`), not once per
// parent: in a nested read the same field runs for hundreds of parents with the
// same arguments.
import DataLoader from "dataloader";
import type { FieldNode, GraphQLResolveInfo } from "graphql";
import type { InputFieldMap, InputShapeFromFields, ObjectRef } from "@pothos/core";
import type { ConnectionShape } from "@pothos/plugin-relay";
import type { AuthScopeMap } from "@pothos/plugin-scope-auth";
import { z } from "zod";
import type { Context } from "../context.js";
import { invalidArguments, type Types } from "./builder.js";
import { loadPagesByParent, type Connection, type PagedQuery } from "./connections.js";
import { connectionNeeds, readsColumns } from "./selection.js";

export type { Types };

/** The arguments of every connection: first, after, last, before. */
type ConnectionArgFields = ReturnType<PothosSchemaTypes.InputFieldBuilder<Types, "Arg">["connectionArgs"]>;

type ParentKey = string | number;

/** What a batch of a paged field loads: each parent's connection, in the order of `parentKeys`. */
export type LoadPages<Node, Args> = (
  parentKeys: ParentKey[],
  ctx: Context,
  args: Args,
  info: GraphQLResolveInfo,
) => Promise<Connection<Node>[]>;

export interface BatchedConnectionOptions<Parent, Node, Args extends InputFieldMap> {
  /** The connection object (from builder.connectionObject). */
  type: ObjectRef<Types, ConnectionShape<Types, Node, false>>;
  description: string;
  authScopes?: AuthScopeMap<Types>;
  /** Arguments besides the window (filters). Declare their constraints in `argsSchema`, not with `validate`. */
  args?: Args;
  /**
   * The constraints of the filter arguments, checked once per batch; a refusal is plugin-zod's BAD_USER_INPUT, with
   * every issue. (An argument's own `validate` would run once per parent.)
   */
  argsSchema?: z.ZodType;
  /** Every parent's connection, for the parents of one batch. */
  load: LoadPages<Node, InputShapeFromFields<ConnectionArgFields & Args>>;
  /** The parent's key, as the children's parent column holds it. */
  parentId: (parent: Parent) => ParentKey;
  /** The parent's columns that `parentId` reads (default `id`), so a page of parents selects them. */
  parentColumns?: string[];
}

/** The `argsSchema` of a list with a `search` filter: at most `maxLength` characters. */
export const searchFilter = (maxLength: number): z.ZodType =>
  z.looseObject({
    search: z
      .string()
      .max(maxLength, { message: `Search at most ${maxLength} characters.` })
      .nullish(),
  });

/**
 * Each request's page loaders, one per place of the document the field is resolved at. The place is the field's
 * `fieldNodes`: graphql-js (which memoizes the fields of a selection per parent type and field nodes) and graphql-jit
 * (one compiled site per place) pass the same array for every parent there, and two places never share one (if they
 * did, their selection and arguments would be the same, so one batch would still answer both).
 */
const loadersOfRequest = new WeakMap<Context, WeakMap<readonly FieldNode[], DataLoader<ParentKey, Connection<unknown>>>>();

function pageLoader<Args>(
  ctx: Context,
  info: GraphQLResolveInfo,
  args: Args,
  load: (keys: ParentKey[], ctx: Context, args: Args, info: GraphQLResolveInfo) => Promise<Connection<unknown>[]>,
): DataLoader<ParentKey, Connection<unknown>> {
  let loaders = loadersOfRequest.get(ctx);
  if (!loaders) {
    loaders = new WeakMap();
    loadersOfRequest.set(ctx, loaders);
  }
  let loader = loaders.get(info.fieldNodes);
  if (!loader) {
    loader = new DataLoader((keys) => load([...keys], ctx, args, info));
    loaders.set(info.fieldNodes, loader);
  }
  return loader;
}

/** A connection field whose connections, for every parent at one place of a document, are loaded by one `load`. */
export function batchedConnectionField<Parent, Node, Args extends InputFieldMap = Record<never, never>>(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, Parent>,
  options: BatchedConnectionOptions<Parent, Node, Args>,
) {
  const { type, description, authScopes, argsSchema, load, parentId, parentColumns = ["id"] } = options;
  const args: ConnectionArgFields & Args = Object.assign(t.arg.connectionArgs(), options.args);
  type FieldArgs = InputShapeFromFields<ConnectionArgFields & Args>;
  // async: a refusal (bad filters, a bad window) rejects the batch's loads, never throws synchronously out of it.
  const loadChecked = async (keys: ParentKey[], ctx: Context, fieldArgs: FieldArgs, info: GraphQLResolveInfo) => {
    if (argsSchema) {
      const checked = argsSchema.safeParse(fieldArgs);
      if (!checked.success) throw invalidArguments(checked.error);
    }
    return load(keys, ctx, fieldArgs, info);
  };
  return t.field({
    type,
    description,
    ...(authScopes ? { authScopes } : {}),
    args,
    extensions: readsColumns(...parentColumns),
    resolve: (parent, fieldArgs, ctx, info) =>
      pageLoader(ctx, info, fieldArgs as FieldArgs, loadChecked).load(parentId(parent)) as Promise<ConnectionShape<Types, Node, false>>,
  });
}

export interface PagedFieldOptions<Parent, Node, Args extends InputFieldMap>
  extends Omit<BatchedConnectionOptions<Parent, Node, Args>, "load"> {
  /**
   * The children's query; a function when it depends on the caller (e.g. what the key may see), on the arguments, or on
   * the columns the selected node fields read (`columns`, null: all; see src/schema/selection.ts).
   */
  query:
    | PagedQuery
    | ((ctx: Context, args: InputShapeFromFields<ConnectionArgFields & Args>, columns: readonly string[] | null) => PagedQuery);
}

/**
 * A Relay connection with the standard window arguments (first/after/last/before) and any filters: one page per
 * parent, every parent's page at one place of the document in one statement.
 */
export function pagedField<Parent, Node, Args extends InputFieldMap = Record<never, never>>(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, Parent>,
  options: PagedFieldOptions<Parent, Node, Args>,
) {
  const { query, ...rest } = options;
  return batchedConnectionField<Parent, Node, Args>(t, {
    ...rest,
    load: (parentKeys, ctx, fieldArgs, info) =>
      loadPagesByParent<Node>(
        ctx.db,
        typeof query === "function" ? query(ctx, fieldArgs, connectionNeeds(info).columns) : query,
        parentKeys,
        fieldArgs,
        info,
      ),
  });
}
