// Pages of children for MANY parents in ONE SQL statement (LATERAL joins: a
// count and a LIMITed page per parent), so a nested list never costs one
// query per parent. This is the data side of every connection: it reads a
// window given in offsets and knows nothing of cursors or GraphQL (the
// schema's side, src/schema/connections.ts, turns arguments into a window and
// pages into connections).
import { Prisma } from "../generated/prisma/client.js";
import type { Database } from "./client.js";

/** What a list reads: its rows, how they link to their parent, their order. */
export type PagedQuery = PagedQueryCommon & (OneSource | Branches);

/** The children in one FROM clause. */
interface OneSource {
  /** FROM clause whose rows are the children; alias the child table `t`. */
  from: Prisma.Sql;
  /** The column linking a child to its parent, e.g. Prisma.raw('t."organizationId"'). */
  parentColumn: Prisma.Sql;
  branches?: never;
  parentJoin?: never;
}

/**
 * The children of a parent (`p.parent`, and whatever `parentJoin` adds) as the union of disjoint branches, each a
 * `FROM ... WHERE ...` over `t`. Each branch is read in the list's order with its own LIMIT (straight from an index that
 * has that order), and the branches' rows are merged: through a UNION ALL in one FROM the planner cannot see the index
 * order, and reads and sorts every child of every parent to keep a page of each.
 */
interface Branches {
  branches: Prisma.Sql[];
  /** Joined to each parent before its page is read (e.g. `JOIN "Environment" pe ON pe.id = p.parent`). */
  parentJoin?: Prisma.Sql;
  from?: never;
  parentColumn?: never;
}

interface PagedQueryCommon {
  /** PostgreSQL type of the parent keys, for the unnest() cast. */
  parentType: "int" | "uuid" | "text";
  /** Extra conditions on the children (defaults to TRUE). */
  where?: Prisma.Sql;
  /** A total order, ending with a unique column, e.g. t."createdAt" DESC, t.id DESC. */
  orderBy: Prisma.Sql;
  /** The columns of each child (default `t.*`); may add joined values. */
  select?: Prisma.Sql;
  /**
   * A table joined to the rows of the pages once they are cut (a row is `pr`), and the values read from it, e.g. an
   * annotation's author: `LEFT JOIN "User" ju ON ju.id = pr."createdById"`. Joined to the pages' rows only (not to
   * every row a branch reads before the merge), once for all parents: the planner may hash a small table once
   * instead of scanning it per parent.
   */
  joined?: { join: Prisma.Sql; select: Prisma.Sql };
}

/**
 * Which slice of each list to read, in offsets (0 is the first row): after
 * `afterOffset` and before `beforeOffset`, the first `first` or the last
 * `last` of what remains. Exactly one of `first` and `last` is set.
 */
export interface PageWindow {
  afterOffset: number | null;
  beforeOffset: number | null;
  first: number | null;
  last: number | null;
}

/** One parent's page. */
export interface Page<T> {
  /** The offset of the page's first row in the whole list. */
  start: number;
  /** The rows, in order: row i sits at offset start + i. */
  rows: T[];
  /** How many rows the whole list holds; null when it was not counted. */
  total: number | null;
  hasPreviousPage: boolean;
  hasNextPage: boolean;
}

export interface PageOptions {
  /** Count the whole list (`total`). Without it, a page read from the start needs no count. */
  withTotal: boolean;
  /**
   * Read one row beyond an uncounted page, to tell whether a next page exists (default true). Without it,
   * `hasNextPage` of an uncounted page is false: pass false only when nobody reads it.
   */
  withNextRow?: boolean;
}

/**
 * The select list of a page: the key columns its store always needs (parent keys, order columns) and the columns the
 * selection reads (src/schema/selection.ts), or every column (`t.*`) when `columns` is null. Names are checked
 * against the table's columns (`tableColumns`, e.g. Prisma's `ProjectScalarFieldEnum`): a name that is not one, and
 * so not a plain column, means every column.
 */
export function selectColumns(
  columns: readonly string[] | null,
  keys: readonly string[],
  tableColumns: Readonly<Record<string, string>>,
): Prisma.Sql {
  if (columns === null || columns.some((c) => !Object.hasOwn(tableColumns, c))) return Prisma.sql`t.*`;
  const wanted = [...new Set([...keys, ...columns])];
  return Prisma.raw(wanted.map((c) => `t."${c}"`).join(", "));
}

/**
 * The joined columns (a field declares them with readsJoined, src/schema/selection.ts) named `join.column` in a page's
 * columns: the bare column names, null for every column, undefined when none.
 */
export function joinedColumns(columns: readonly string[], join: string): string[] | null | undefined {
  const prefix = `${join}.`;
  const named = columns.filter((c) => c.startsWith(prefix)).map((c) => c.slice(prefix.length));
  if (named.length === 0) return undefined;
  return named.includes("*") ? null : named;
}

/** A page's columns of its own table: without the joined ones (`join.column`). */
export const ownColumns = (columns: readonly string[] | null): string[] | null => columns?.filter((c) => !c.includes(".")) ?? null;

/** Whether a read of `window` counts each list: asked to, or a page placed from the end (`last`, `before`) needs the count. */
export const countsTotal = (window: PageWindow, options: PageOptions): boolean =>
  options.withTotal || window.last != null || window.beforeOffset != null;

/**
 * The page of an in-memory list (already loaded, short): the same window
 * arithmetic as pageStatement's SQL, on a known total.
 */
export function pageOfArray<T>(items: readonly T[], window: PageWindow): Page<T> {
  const total = items.length;
  const s0 = window.afterOffset == null ? 0 : window.afterOffset + 1;
  const e0 = Math.min(window.beforeOffset ?? total, total);
  const start = window.last != null ? Math.max(s0, e0 - window.last) : s0;
  const end = window.last != null ? e0 : Math.min(e0, s0 + (window.first ?? 0));
  return { start, rows: items.slice(start, Math.max(start, end)), total, hasPreviousPage: start > 0, hasNextPage: end < total };
}

/** The statement that reads one page per parent (see loadPagesByParent). */
export function pageStatement(
  query: PagedQuery,
  parentIds: readonly (string | number)[],
  window: PageWindow,
  options: PageOptions,
): Prisma.Sql {
  if (window.first == null && window.last == null) throw new Error("A page window needs `first` or `last`.");
  const where = query.where ?? Prisma.sql`TRUE`;
  const s0 = window.afterOffset == null ? 0 : window.afterOffset + 1;
  const counted = countsTotal(window, options);
  // Only read when `last` is null, so `first` is set.
  const pageSize = window.first ?? 0;
  const e0 = window.beforeOffset == null ? Prisma.sql`c.total` : Prisma.sql`least(${window.beforeOffset}::int, c.total)`;
  const [startSql, endSql] = !counted
    ? [Prisma.sql`${s0}::int`, Prisma.sql`${s0 + pageSize}::int`]
    : window.last != null
      ? [Prisma.sql`greatest(${s0}::int, ${e0} - ${window.last}::int)`, e0]
      : [Prisma.sql`${s0}::int`, Prisma.sql`least(${e0}, ${s0 + pageSize}::int)`];
  const castIds = Prisma.raw(`::${query.parentType}[]`);
  const ids = parentIds.map((id) => (query.parentType === "int" ? Number(id) : String(id)));
  const branches = query.branches;
  const count = !counted
    ? Prisma.sql`CROSS JOIN (SELECT NULL::int AS total) c`
    : branches
      ? Prisma.sql`CROSS JOIN LATERAL (SELECT (${Prisma.join(
          branches.map((b) => Prisma.sql`(SELECT count(*) ${b} AND ${where})`),
          " + ",
        )})::int AS total OFFSET 0) c` // OFFSET 0: computed once per parent, not inlined at each use of c.total
      : Prisma.sql`CROSS JOIN LATERAL (SELECT count(*)::int AS total FROM ${query.from}
        WHERE ${query.parentColumn} = p.parent AND ${where}) c`;
  // Uncounted: one row beyond the page says whether a next page exists (when that is asked).
  const extra = options.withNextRow === false ? 0 : 1;
  const limit = counted ? Prisma.sql`greatest(w.e - w.s, 0)` : Prisma.sql`${pageSize + extra}::int`;
  const select = query.select ?? Prisma.sql`t.*`;
  // Each branch keeps the rows up to the page's end (offset + limit), in order; the merge keeps the page.
  const branchLimit = counted ? Prisma.sql`greatest(w.e, 0)` : Prisma.sql`${s0 + pageSize + extra}::int`;
  const children = branches
    ? Prisma.sql`SELECT * FROM (${Prisma.join(
        branches.map((b) => Prisma.sql`(SELECT ${select} ${b} AND ${where} ORDER BY ${query.orderBy} LIMIT ${branchLimit})`),
        " UNION ALL ",
      )}) t`
    : Prisma.sql`SELECT ${select} FROM ${query.from} WHERE ${query.parentColumn} = p.parent AND ${where}`;

  const pages = Prisma.sql`
    SELECT p.parent AS "__parent", ${
      // An uncounted page's start and end are the window's own (loadPagesByParent knows them): not repeated on each row.
      counted ? Prisma.sql`c.total AS "__total", w.s AS "__start", w.e AS "__end", ` : Prisma.empty
    }page.*
    FROM unnest(${ids}${castIds}) WITH ORDINALITY AS p(parent, ord)
    ${query.parentJoin ?? Prisma.empty}
    ${count}
    CROSS JOIN LATERAL (SELECT ${startSql} AS s, ${endSql} AS e) w
    LEFT JOIN LATERAL (
      SELECT ordered.*, (w.s + row_number() OVER ())::int AS "__rn" FROM (
        ${children}
        ORDER BY ${query.orderBy} OFFSET w.s LIMIT ${limit}
      ) ordered
    ) page ON true`;
  if (!query.joined) return Prisma.sql`${pages} ORDER BY p.ord, page."__rn"`;
  // OFFSET 0 keeps the pages a subquery: flattened, the planner joins the table inside each parent's page. The rows
  // come ordered by parent, not in the order of `parentIds`: loadPagesByParent groups them by parent and needs only
  // each page's rows in order (an ordinal column on every row would cost its parsing).
  return Prisma.sql`
    SELECT pr.*, ${query.joined.select} FROM (${pages} OFFSET 0) pr
    ${query.joined.join}
    ORDER BY pr."__parent", pr."__rn"`;
}

/** The statement's own columns on each row; `__total`, `__start` and `__end` only when the window is counted. */
type PagedRow = { __parent: string | number; __total?: number | null; __start?: number; __end?: number; __rn: number | null };

const emptyPage = <T>(): Page<T> => ({ start: 0, rows: [], total: 0, hasPreviousPage: false, hasNextPage: false });

/**
 * One page of children for each parent, in one statement; the pages come in
 * the order of `parentIds`. Each row is the child itself (with a few `__`
 * columns of the statement, never read): no copy per row.
 */
export async function loadPagesByParent<T>(
  db: Pick<Database, "sql">,
  query: PagedQuery,
  parentIds: readonly (string | number)[],
  window: PageWindow,
  options: PageOptions,
): Promise<Page<T>[]> {
  if (parentIds.length === 0) return [];
  // Straight through the driver (db.sql): this is the hottest read of every nested query.
  const rows = await db.sql<T & PagedRow>(pageStatement(query, parentIds, window, options));
  // An uncounted window starts after `afterOffset` and ends `first` rows later (see pageStatement).
  const start = window.afterOffset == null ? 0 : window.afterOffset + 1;
  const uncounted = countsTotal(window, options) ? null : { __start: start, __end: start + (window.first ?? 0), __total: null };
  /** A page's start, end and total: the window's own when uncounted, else the statement's on each row. */
  const boundsOf = (row: PagedRow) => uncounted ?? (row as Required<PagedRow>);

  const byParent = new Map<string, Page<T>>();
  for (const row of rows) {
    const key = String(row.__parent);
    let page = byParent.get(key);
    if (!page) {
      const { __start, __end, __total } = boundsOf(row);
      page = {
        start: __start,
        rows: [],
        total: __total,
        hasPreviousPage: __start > 0,
        hasNextPage: __total != null && __end < __total,
      };
      byParent.set(key, page);
    }
    if (row.__rn == null) continue;
    if (row.__rn > boundsOf(row).__end) {
      page.hasNextPage = true; // the extra row of an uncounted page
      continue;
    }
    page.rows.push(row);
  }
  return parentIds.map((id) => byParent.get(String(id)) ?? emptyPage<T>());
}
