// What a connection field's selection needs from the database, read off the
// document before its page is loaded: whether to count the list (`totalCount`),
// whether to read one row beyond the page (`pageInfo.hasNextPage`), and which
// columns its nodes' selected fields read. A page statement then reads only
// those columns (plus the keys its store always adds), never `t.*` for a
// selection of two fields.
//
// Where a field's columns come from, in this order:
// - its `columns` extension (`extensions: { columns: ["createdById"] }`), for a
//   field that computes from columns or loads by one (a parent key);
// - its `joins` extension (`readsJoined("createdBy", "createdById")`), for a field
//   whose object the page statement can join in: the columns its own selection
//   reads come prefixed (`createdBy.email`; `createdBy.*` when they are unknown),
//   and the store that knows the join reads them with the page;
// - Pothos's `pothosExposedField` extension: an exposed field reads its column;
// - `id` (the global id) and `__typename` read the key / nothing.
// Any other field, a field under a fragment on another type, or anything this
// code does not understand means "all columns" (null): a field that declares
// nothing is always safe, it only costs the columns.
import { getNamedType, isObjectType, Kind, type FieldNode, type GraphQLObjectType, type SelectionSetNode } from "graphql";
import type { FieldSelection } from "./connections.js";

/** What a connection field's selection asks of its page. */
export interface ConnectionNeeds {
  /** `totalCount` is selected: each list is counted. */
  totalCount: boolean;
  /** `pageInfo.hasNextPage` is selected: one row beyond each page is read to tell. */
  hasNextPage: boolean;
  /** The columns the selected node fields read (deduplicated, in selection order); null: all of them. */
  columns: readonly string[] | null;
}

/** A field extension naming the columns (of its object's row) that its resolver reads. */
export const readsColumns = (...columns: string[]): { columns: string[] } => ({ columns });

/**
 * A field extension for a field whose object a page statement may join in (e.g. an annotation's author): the field
 * reads `columns` of its own row, and the columns of the joined row that its selection reads, named `join.column`
 * (`join.*` when its selection does not say). A store that knows no such join ignores the prefixed names.
 */
export const readsJoined = (join: string, ...columns: string[]): { columns: string[]; joins: string } => ({ columns, joins: join });

type ResolveInfoLike = FieldSelection & { returnType: Parameters<typeof getNamedType>[0] };

// The same parsed document (yoga caches them) gives the same field nodes: computed once per document and field.
const known = new WeakMap<FieldNode, ConnectionNeeds>();

/** The needs of a connection field (its resolve info), read through fragments and inline fragments. */
export function connectionNeeds(info: ResolveInfoLike): ConnectionNeeds {
  const first = info.fieldNodes[0];
  const cached = first && info.fieldNodes.length === 1 ? known.get(first) : undefined;
  if (cached) return cached;
  const needs = computeNeeds(info);
  if (first && info.fieldNodes.length === 1) known.set(first, needs);
  return needs;
}

/** Every field selected directly in these selection sets, through fragment spreads and inline fragments; null when a fragment's type is not `typeName`. */
function fieldsOf(sets: readonly (SelectionSetNode | undefined)[], info: FieldSelection, typeName: string): FieldNode[] | null {
  const out: FieldNode[] = [];
  const seen = new Set<string>();
  let other = false;
  const walk = (set: SelectionSetNode | undefined) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) out.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) {
        if (s.typeCondition && s.typeCondition.name.value !== typeName) other = true;
        walk(s.selectionSet);
      } else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = info.fragments[s.name.value];
        if (!fragment || fragment.typeCondition.name.value !== typeName) other = true;
        walk(fragment?.selectionSet);
      }
    }
  };
  for (const set of sets) walk(set);
  return other ? null : out;
}

function computeNeeds(info: ResolveInfoLike): ConnectionNeeds {
  const all: ConnectionNeeds = { totalCount: true, hasNextPage: true, columns: null };
  const connection = getNamedType(info.returnType);
  if (!isObjectType(connection)) return all;
  const top = fieldsOf(
    info.fieldNodes.map((n) => n.selectionSet),
    info,
    connection.name,
  );
  if (!top) return all;
  const edgeType = getNamedType(connection.getFields().edges?.type);
  const nodeType = getNamedType(connection.getFields().nodes?.type);
  const pageInfo = getNamedType(connection.getFields().pageInfo?.type);
  if (!isObjectType(nodeType) || !isObjectType(edgeType) || !isObjectType(pageInfo)) return all;

  const nodeSets: (SelectionSetNode | undefined)[] = [];
  let totalCount = false;
  let hasNextPage = false;
  for (const field of top) {
    const name = field.name.value;
    if (name === "totalCount") totalCount = true;
    else if (name === "nodes") nodeSets.push(field.selectionSet);
    else if (name === "pageInfo") {
      const fields = fieldsOf([field.selectionSet], info, pageInfo.name);
      if (!fields || fields.some((f) => f.name.value === "hasNextPage")) hasNextPage = true;
    } else if (name === "edges") {
      const fields = fieldsOf([field.selectionSet], info, edgeType.name);
      if (!fields) return all;
      for (const f of fields) if (f.name.value === "node") nodeSets.push(f.selectionSet);
    }
  }
  const nodeFields = fieldsOf(nodeSets, info, nodeType.name);
  return { totalCount, hasNextPage, columns: nodeFields ? columnsRead(nodeType, nodeFields, info) : null };
}

/** The columns these fields of `type` read, or null when one of them does not say. */
function columnsRead(type: GraphQLObjectType, fields: readonly FieldNode[], info: FieldSelection): string[] | null {
  const columns = new Set<string>();
  const defs = type.getFields();
  for (const field of fields) {
    const name = field.name.value;
    if (name === "__typename") continue;
    const extensions = defs[name]?.extensions as { columns?: unknown; joins?: unknown; pothosExposedField?: unknown } | undefined;
    if (typeof extensions?.joins === "string") for (const c of joinedRead(extensions.joins, defs[name].type, field, info)) columns.add(c);
    if (Array.isArray(extensions?.columns)) for (const c of extensions.columns) columns.add(String(c));
    else if (typeof extensions?.pothosExposedField === "string") columns.add(extensions.pothosExposedField);
    else if (name === "id") columns.add("id");
    else return null;
  }
  return [...columns];
}

/** The columns a joined field's selection reads of its object, prefixed with the join's name (`join.*`: every column). */
function joinedRead(join: string, type: Parameters<typeof getNamedType>[0], field: FieldNode, info: FieldSelection): string[] {
  const named = getNamedType(type);
  const fields = isObjectType(named) ? fieldsOf([field.selectionSet], info, named.name) : null;
  const columns = fields && isObjectType(named) ? columnsRead(named, fields, info) : null;
  return (columns ?? ["*"]).filter((c) => !c.includes(".")).map((c) => `${join}.${c}`);
}
