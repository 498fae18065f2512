// Relay connections for every list: validated window arguments, and a page of
// children for MANY parents in ONE SQL statement (LATERAL joins: a count and
// a LIMITed page per parent), so a nested list never costs one query per parent.
import { offsetToCursor } from "@pothos/plugin-relay";
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import { Prisma } from "../generated/prisma/client.js";
import type { Database } from "../db/client.js";
import { badUserInput } from "../errors.js";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** Which slice of a list the arguments ask for, in offsets. */
export interface PageWindow {
  afterOffset: number | null;
  beforeOffset: number | null;
  first: number | null;
  last: number | null;
}

/** The largest offset a cursor may carry (offsets are sent to SQL as `int`). */
const MAX_OFFSET = 2_147_483_000;
/** The plugin's cursor prefix (e.g. `OffsetConnection:`), read off the cursor of offset 0. */
const CURSOR_PREFIX = Buffer.from(offsetToCursor(0), "base64").toString("utf8").slice(0, -1);

/** The offset a cursor carries: exactly the plugin's `<prefix><n>` in base64, with 0 <= n <= MAX_OFFSET; else BAD_USER_INPUT. */
function decodeCursor(cursor: string, arg: string): number {
  const decoded = /^[A-Za-z0-9+/_-]{1,64}={0,2}$/.test(cursor) ? Buffer.from(cursor, "base64").toString("utf8") : "";
  const digits = decoded.startsWith(CURSOR_PREFIX) ? decoded.slice(CURSOR_PREFIX.length) : "";
  const offset = /^(0|[1-9][0-9]{0,9})$/.test(digits) ? Number(digits) : Number.NaN;
  if (!(offset >= 0 && offset <= MAX_OFFSET)) throw badUserInput(`\`${arg}\` is not a cursor this list gave out.`, { argument: arg });
  return offset;
}

/** Validates connection arguments: `first`/`last` in 1..100 (an error, never a silent clamp), not both. */
export function pageWindow(args: ConnectionArgs): PageWindow {
  for (const arg of ["first", "last"] as const) {
    const value = args[arg];
    if (value != null && (value < 1 || value > MAX_PAGE_SIZE)) {
      throw badUserInput(`\`${arg}\` must be between 1 and ${MAX_PAGE_SIZE}; got ${value}.`, { argument: arg });
    }
  }
  if (args.first != null && args.last != null) {
    throw badUserInput("Pass `first` or `last`, not both.", { argument: "last" });
  }
  return {
    afterOffset: args.after != null ? decodeCursor(args.after, "after") : null,
    beforeOffset: args.before != null ? decodeCursor(args.before, "before") : null,
    first: args.first ?? (args.last == null ? DEFAULT_PAGE_SIZE : null),
    last: args.last ?? null,
  };
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/** An edge whose cursor is encoded only when it is read (most selections never ask for it). */
class Edge<T> {
  constructor(
    private readonly offset: number,
    public node: T,
  ) {}

  get cursor(): string {
    return offsetToCursor(this.offset);
  }
}

export function emptyConnection<T>(): Connection<T> {
  return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: 0 };
}

/** Pages an in-memory list with the same window rules (for short lists already loaded). */
export function connectionFromArray<T>(items: readonly T[], args: ConnectionArgs): Connection<T> {
  const w = pageWindow(args);
  const total = items.length;
  const s0 = w.afterOffset == null ? 0 : w.afterOffset + 1;
  const e0 = Math.min(w.beforeOffset ?? total, total);
  const start = w.last != null ? Math.max(s0, e0 - w.last) : s0;
  const end = w.last != null ? e0 : Math.min(e0, s0 + (w.first ?? DEFAULT_PAGE_SIZE));
  const edges = items.slice(start, Math.max(start, end)).map((node, i) => new Edge(start + i, node));
  return {
    edges,
    pageInfo: {
      hasPreviousPage: start > 0,
      hasNextPage: end < total,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: total,
  };
}

export interface PagedQuery {
  /** FROM clause whose rows are the children; alias the child table `t`. */
  from: Prisma.Sql;
  /** The column linking a child to its parent, e.g. Prisma.raw('t."organizationId"'). */
  parentColumn: Prisma.Sql;
  /** PostgreSQL type of the parent keys, for the unnest() cast. */
  parentType: "int" | "uuid" | "text";
  /** Extra conditions on the children (defaults to TRUE). */
  where?: Prisma.Sql;
  /** A total order, ending with a unique column, e.g. t."createdAt" DESC, t.id DESC. */
  orderBy: Prisma.Sql;
  /** The columns of each child (default `t.*`); may add joined values. */
  select?: Prisma.Sql;
}

/** The parts of a field's resolve info that say what it selects. */
export type FieldSelection = Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">;

type PagedRow = { __parent: string | number; __total: number | null; __start: number; __end: number; __rn: number | null };

/**
 * Whether a connection field's selection asks for `totalCount` (through
 * fragments too). Without it a page needs no count: one extra row tells
 * whether a next page exists, and PostgreSQL reads only the rows it returns.
 */
export function selectsTotalCount(info: FieldSelection): boolean {
  const seen = new Set<string>();
  const inSet = (set: SelectionSetNode | undefined): boolean =>
    !!set?.selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === "totalCount";
      if (s.kind === Kind.INLINE_FRAGMENT) return inSet(s.selectionSet);
      if (seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      return inSet(info.fragments[s.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((node) => inSet(node.selectionSet));
}

/**
 * One page of children for each parent, in one statement. Returns the
 * connections in the order of `parentIds`. `info` is the connection field's:
 * a selection without `totalCount` skips counting (`totalCount` is then -1,
 * never read); null always counts.
 */
export async function loadPagesByParent<T>(
  db: Pick<Database, "sql">,
  query: PagedQuery,
  parentIds: readonly (string | number)[],
  args: ConnectionArgs,
  info: FieldSelection | null,
): Promise<Connection<T>[]> {
  // Validated here, inside the async function: a bad `first` becomes a
  // rejected load (BAD_USER_INPUT on the field), never a synchronous throw
  // out of a DataLoader batch (which surfaces as a server error).
  const window = pageWindow(args);
  if (parentIds.length === 0) return [];
  const where = query.where ?? Prisma.sql`TRUE`;
  const s0 = window.afterOffset == null ? 0 : window.afterOffset + 1;
  // Counting is needed for `totalCount`, and to place a page counted from the end (`last`, `before`).
  const counted = !info || selectsTotalCount(info) || window.last != null || window.beforeOffset != null;
  const pageSize = window.first ?? DEFAULT_PAGE_SIZE;
  const e0 = window.beforeOffset == null ? Prisma.sql`c.total` : Prisma.sql`least(${window.beforeOffset}::int, c.total)`;
  const [startSql, endSql] = !counted
    ? [Prisma.sql`${s0}::int`, Prisma.sql`${s0 + pageSize}::int`]
    : window.last != null
      ? [Prisma.sql`greatest(${s0}::int, ${e0} - ${window.last}::int)`, e0]
      : [Prisma.sql`${s0}::int`, Prisma.sql`least(${e0}, ${s0 + pageSize}::int)`];
  const castIds = Prisma.raw(`::${query.parentType}[]`);
  const ids = parentIds.map((id) => (query.parentType === "int" ? Number(id) : String(id)));
  const count = counted
    ? Prisma.sql`CROSS JOIN LATERAL (SELECT count(*)::int AS total FROM ${query.from} WHERE ${query.parentColumn} = p.parent AND ${where}) c`
    : Prisma.sql`CROSS JOIN (SELECT NULL::int AS total) c`;
  // Uncounted: one row beyond the page says whether a next page exists.
  const limit = counted ? Prisma.sql`greatest(w.e - w.s, 0)` : Prisma.sql`${pageSize + 1}::int`;

  // Straight through the driver (db.sql): this is the hottest read of every nested query.
  const rows = await db.sql<T & PagedRow>(Prisma.sql`
    SELECT p.parent AS "__parent", c.total AS "__total", w.s AS "__start", w.e AS "__end", page.*
    FROM unnest(${ids}${castIds}) WITH ORDINALITY AS p(parent, ord)
    ${count}
    CROSS JOIN LATERAL (SELECT ${startSql} AS s, ${endSql} AS e) w
    LEFT JOIN LATERAL (
      SELECT ordered.*, (w.s + row_number() OVER ())::int AS "__rn" FROM (
        SELECT ${query.select ?? Prisma.sql`t.*`} FROM ${query.from} WHERE ${query.parentColumn} = p.parent AND ${where}
        ORDER BY ${query.orderBy} OFFSET w.s LIMIT ${limit}
      ) ordered
    ) page ON true
    ORDER BY p.ord, page."__rn"`);

  const byParent = new Map<string, Connection<T>>();
  for (const row of rows) {
    const key = String(row.__parent);
    let conn = byParent.get(key);
    if (!conn) {
      conn = {
        edges: [],
        pageInfo: { hasPreviousPage: row.__start > 0, hasNextPage: row.__total != null && row.__end < row.__total, startCursor: null, endCursor: null },
        totalCount: row.__total ?? -1,
      };
      byParent.set(key, conn);
    }
    if (row.__rn == null) continue;
    if (row.__rn > row.__end) {
      conn.pageInfo.hasNextPage = true; // the extra row of an uncounted page
      continue;
    }
    // The row itself is the node (its __ columns are never read): no copy per row.
    conn.edges.push(new Edge(row.__rn - 1, row as T));
  }
  return parentIds.map((id) => {
    const conn = byParent.get(String(id)) ?? emptyConnection<T>();
    conn.pageInfo.startCursor = conn.edges[0]?.cursor ?? null;
    conn.pageInfo.endCursor = conn.edges.at(-1)?.cursor ?? null;
    return conn;
  });
}
