// Relay connections as the schema exposes them: the window arguments
// (first/after/last/before, validated, never clamped), cursors, and
// connections built from pages. The pages themselves, for many parents in one
// statement, are read by src/db/pages.ts; its names are re-exported here for
// the modules that still import them from this file.
import { offsetToCursor } from "@pothos/plugin-relay";
import type { GraphQLResolveInfo } from "graphql";
import type { Database } from "../db/client.js";
import { loadPagesByParent as loadPages, pageOfArray, type Page, type PagedQuery, type PageWindow } from "../db/pages.js";
import { badUserInput } from "../errors.js";
import { connectionNeeds } from "./selection.js";

export type { PagedQuery, PageWindow } from "../db/pages.js";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** The largest offset a cursor may carry (offsets are sent to SQL as `int`). */
const MAX_OFFSET = 2_147_483_000;
/** The plugin's cursor prefix (e.g. `OffsetConnection:`), read off the cursor of offset 0. */
const CURSOR_PREFIX = Buffer.from(offsetToCursor(0), "base64").toString("utf8").slice(0, -1);

/** The cursor of the item at `offset` (the plugin's `<prefix><n>`, in base64). */
export const encodeCursor = (offset: number): string => offsetToCursor(offset);

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
    return encodeCursor(this.offset);
  }
}

/** Pages an in-memory list with the same window rules (for short lists already loaded). */
export function connectionFromArray<T>(items: readonly T[], args: ConnectionArgs): Connection<T> {
  return connectionFromPage(pageOfArray(items, pageWindow(args)));
}

/** The parts of a field's resolve info that say what it selects. */
export type FieldSelection = Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">;

/** A connection field's resolve info, as far as src/schema/selection.ts reads it. */
export type ConnectionInfo = Pick<GraphQLResolveInfo, "fieldNodes" | "fragments" | "returnType">;

/** A page's pageInfo, its cursors encoded only when they are read (like the edges'). */
class PageInfo {
  readonly hasPreviousPage: boolean;
  readonly hasNextPage: boolean;

  constructor(private readonly page: Page<unknown>) {
    this.hasPreviousPage = page.hasPreviousPage;
    this.hasNextPage = page.hasNextPage;
  }

  get startCursor(): string | null {
    return this.page.rows.length === 0 ? null : encodeCursor(this.page.start);
  }

  get endCursor(): string | null {
    return this.page.rows.length === 0 ? null : encodeCursor(this.page.start + this.page.rows.length - 1);
  }
}

/** A page of rows as a connection: edges with their cursors, pageInfo, totalCount (-1 when not counted, then never read). */
export function connectionFromPage<T>(page: Page<T>): Connection<T> {
  return {
    edges: page.rows.map((node, i) => new Edge(page.start + i, node)),
    pageInfo: new PageInfo(page),
    totalCount: page.total ?? -1,
  };
}

/**
 * One connection of children for each parent, in one statement (the pages
 * are read by src/db/pages.ts), in the order of `parentIds`. `info` is the
 * connection field's: a selection without `totalCount` skips counting, one
 * without `pageInfo.hasNextPage` reads no row beyond the page; null always
 * counts.
 */
export async function loadPagesByParent<T>(
  db: Pick<Database, "sql">,
  query: PagedQuery,
  parentIds: readonly (string | number)[],
  args: ConnectionArgs,
  info: ConnectionInfo | null,
): Promise<Connection<T>[]> {
  // Validated here, inside the async function: a bad `first` becomes a
  // rejected load (BAD_USER_INPUT on the field), never a synchronous throw
  // out of a DataLoader batch (which surfaces as a server error).
  const window = pageWindow(args);
  const needs = info ? connectionNeeds(info) : null;
  const pages = await loadPages<T>(db, query, parentIds, window, {
    withTotal: needs?.totalCount ?? true,
    withNextRow: needs?.hasNextPage ?? true,
  });
  return pages.map(connectionFromPage);
}
