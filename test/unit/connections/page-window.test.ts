// Page windows, with no database: how first/after/last/before become a
// window of offsets (and which are refused), how cursors encode offsets, the
// window arithmetic on a list, the statement that reads pages (counted or
// not), and how its rows become pages and connections.
import { describe, expect, it } from "vitest";
import { parse, type FragmentDefinitionNode, type OperationDefinitionNode, type FieldNode } from "graphql";
import { offsetToCursor } from "@pothos/plugin-relay";
import { Prisma } from "../../../src/generated/prisma/client.js";
import {
  connectionFromArray,
  encodeCursor,
  loadPagesByParent as loadConnections,
  pageWindow,
  type Connection,
  type ConnectionArgs,
  type ConnectionInfo,
} from "../../../src/schema/connections.js";
import { connectionNeeds } from "../../../src/schema/selection.js";
import { getSchema } from "../../../src/schema/index.js";
import { countsTotal, loadPagesByParent, pageOfArray, pageStatement, type PagedQuery, type PageWindow } from "../../../src/db/pages.js";

const cursor = (offset: number) => encodeCursor(offset);
/** The offset a cursor names, as pageWindow reads it. */
const offsetOf = (c: string) => pageWindow({ after: c }).afterOffset;
/** A connection's pageInfo as GraphQL reads it, field by field (its cursors are computed when read). */
const pageInfoOf = ({ pageInfo }: { pageInfo: Connection<unknown>["pageInfo"] }) => ({
  hasPreviousPage: pageInfo.hasPreviousPage,
  hasNextPage: pageInfo.hasNextPage,
  startCursor: pageInfo.startCursor,
  endCursor: pageInfo.endCursor,
});

const refusal = (fn: () => unknown): { code: unknown; argument: unknown } | null => {
  try {
    fn();
    return null;
  } catch (error) {
    const extensions = (error as { extensions?: Record<string, unknown> }).extensions ?? {};
    return { code: extensions.code, argument: extensions.argument };
  }
};

describe("pageWindow: arguments to offsets", () => {
  it.each<[string, ConnectionArgs, PageWindow]>([
    ["no arguments: the first 20", {}, { afterOffset: null, beforeOffset: null, first: 20, last: null }],
    ["first", { first: 5 }, { afterOffset: null, beforeOffset: null, first: 5, last: null }],
    ["last alone: no default first", { last: 5 }, { afterOffset: null, beforeOffset: null, first: null, last: 5 }],
    ["after: the cursor's offset", { first: 2, after: cursor(7) }, { afterOffset: 7, beforeOffset: null, first: 2, last: null }],
    ["before: the cursor's offset", { last: 2, before: cursor(3) }, { afterOffset: null, beforeOffset: 3, first: null, last: 2 }],
    ["after and before together", { after: cursor(0), before: cursor(9) }, { afterOffset: 0, beforeOffset: 9, first: 20, last: null }],
    [
      "the bounds, 1 and 100",
      { first: 1, after: null, last: null, before: null },
      { afterOffset: null, beforeOffset: null, first: 1, last: null },
    ],
    ["last: 100", { last: 100 }, { afterOffset: null, beforeOffset: null, first: null, last: 100 }],
  ])("%s", (_name, args, window) => {
    expect(pageWindow(args)).toEqual(window);
  });

  it.each<[string, ConnectionArgs, string]>([
    ["first: 0", { first: 0 }, "first"],
    ["first: -1", { first: -1 }, "first"],
    ["first: 101", { first: 101 }, "first"],
    ["last: 0", { last: 0 }, "last"],
    ["last: 101", { last: 101 }, "last"],
    ["first and last together", { first: 1, last: 1 }, "last"],
    ["a garbage after", { after: "garbage" }, "after"],
    ["a garbage before", { before: "!!" }, "before"],
    ["an empty cursor", { after: "" }, "after"],
    ["a negative offset", { after: offsetToCursor(-1) }, "after"],
    ["a fractional offset", { after: offsetToCursor(1.5) }, "after"],
    [
      "an offset with a leading zero",
      { after: Buffer.from(`${Buffer.from(offsetToCursor(0), "base64").toString().slice(0, -1)}07`).toString("base64") },
      "after",
    ],
    ["an offset beyond any list (int4)", { before: offsetToCursor(2_147_483_001) }, "before"],
    ["trailing garbage", { after: Buffer.from(`${Buffer.from(offsetToCursor(2), "base64").toString()}x`).toString("base64") }, "after"],
    ["another library's prefix", { after: Buffer.from("arrayconnection:2").toString("base64") }, "after"],
  ])("refuses %s with BAD_USER_INPUT on the argument", (_name, args, argument) => {
    expect(refusal(() => pageWindow(args))).toEqual({ code: "BAD_USER_INPUT", argument });
  });
});

describe("cursors", () => {
  it.each([0, 1, 19, 20, 12345, 2_147_483_000])("offset %i round-trips", (offset) => {
    expect(offsetOf(cursor(offset))).toBe(offset);
  });

  it("are the Relay plugin's offset cursors, opaque base64", () => {
    expect(cursor(3)).toBe(offsetToCursor(3));
    expect(cursor(3)).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(cursor(3)).not.toBe(cursor(4));
  });
});

describe("the window arithmetic on a list of 10 (connectionFromArray)", () => {
  const items = Array.from({ length: 10 }, (_, i) => i);
  // [name, args, items of the page, hasPreviousPage, hasNextPage]
  it.each<[string, ConnectionArgs, number[], boolean, boolean]>([
    ["the default page holds all 10", {}, items, false, false],
    ["first 3", { first: 3 }, [0, 1, 2], false, true],
    ["first 3 after 2", { first: 3, after: cursor(2) }, [3, 4, 5], true, true],
    ["first 5 after 7: what remains", { first: 5, after: cursor(7) }, [8, 9], true, false],
    ["after the last item: empty", { after: cursor(9) }, [], true, false],
    ["after an offset beyond the list: empty", { first: 3, after: cursor(50) }, [], true, false],
    ["last 3", { last: 3 }, [7, 8, 9], true, false],
    ["last 3 before 7", { last: 3, before: cursor(7) }, [4, 5, 6], true, true],
    ["last 5 before 2: what precedes", { last: 5, before: cursor(2) }, [0, 1], false, true],
    ["before the first item: empty", { before: cursor(0) }, [], false, true],
    ["before an offset beyond the list: as if none", { last: 2, before: cursor(50) }, [8, 9], true, false],
    ["between after 2 and before 5", { after: cursor(2), before: cursor(5) }, [3, 4], true, true],
    ["between, first 1", { first: 1, after: cursor(2), before: cursor(5) }, [3], true, true],
    ["between, last 1", { last: 1, after: cursor(2), before: cursor(5) }, [4], true, true],
    ["after beyond before: empty", { after: cursor(6), before: cursor(3) }, [], true, true],
    ["last 100 of 10", { last: 100 }, items, false, false],
  ])("%s", (_name, args, expected, hasPreviousPage, hasNextPage) => {
    const conn = connectionFromArray(items, args);
    expect(conn.edges.map((e) => e.node)).toEqual(expected);
    expect(pageInfoOf(conn)).toEqual({
      hasPreviousPage,
      hasNextPage,
      startCursor: expected.length ? cursor(expected[0]) : null,
      endCursor: expected.length ? cursor(expected.at(-1)!) : null,
    });
    // Each edge's cursor names its item's offset in the whole list.
    expect(conn.edges.map((e) => offsetOf(e.cursor))).toEqual(expected);
    expect(conn.totalCount).toBe(10);
  });

  it("pages through the list forwards and backwards with the cursors it gives", () => {
    const forward: number[] = [];
    let after: string | null = null;
    for (;;) {
      const conn: Connection<number> = connectionFromArray(items, { first: 4, after });
      forward.push(...conn.edges.map((e) => e.node));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(forward).toEqual(items);
    const backward: number[] = [];
    let before: string | null = null;
    for (;;) {
      const conn: Connection<number> = connectionFromArray(items, { last: 3, before });
      backward.unshift(...conn.edges.map((e) => e.node));
      if (!conn.pageInfo.hasPreviousPage) break;
      before = conn.pageInfo.startCursor;
    }
    expect(backward).toEqual(items);
  });

  it("refuses the same arguments as every connection", () => {
    expect(refusal(() => connectionFromArray(items, { first: 0 }))?.argument).toBe("first");
    expect(refusal(() => connectionFromArray(items, { first: 1, last: 1 }))?.argument).toBe("last");
  });

  it("pageOfArray gives the page's start offset and rows", () => {
    expect(pageOfArray(items, pageWindow({ last: 3, before: cursor(7) }))).toEqual({
      start: 4,
      rows: [4, 5, 6],
      total: 10,
      hasPreviousPage: true,
      hasNextPage: true,
    });
  });
});

// ---- the statement ---------------------------------------------------------------

const QUERY: PagedQuery = {
  from: Prisma.sql`"Thing" t`,
  parentColumn: Prisma.sql`t."parentId"`,
  parentType: "int",
  where: Prisma.sql`NOT t.deleted`,
  orderBy: Prisma.sql`t.id DESC`,
};
const flat = (sql: Prisma.Sql) => sql.text.replace(/\s+/g, " ").trim();

describe("countsTotal: when a page is counted", () => {
  it.each<[string, ConnectionArgs, boolean, boolean]>([
    ["first, totalCount not selected", { first: 5 }, false, false],
    ["first after a cursor, totalCount not selected", { first: 5, after: cursor(4) }, false, false],
    ["totalCount selected", { first: 5 }, true, true],
    ["last: placed from the end", { last: 5 }, false, true],
    ["before: placed from the cursor back", { first: 5, before: cursor(9) }, false, true],
  ])("%s: %s", (_name, args, withTotal, counted) => {
    expect(countsTotal(pageWindow(args), { withTotal })).toBe(counted);
  });
});

describe("pageStatement", () => {
  it("uncounted: no count, one row beyond the page", () => {
    const sql = pageStatement(QUERY, [1, 2], pageWindow({ first: 5, after: cursor(9) }), { withTotal: false });
    const text = flat(sql);
    expect(text).toContain("CROSS JOIN (SELECT NULL::int AS total) c");
    expect(text).not.toContain("count(*)");
    // window [10, 15), read with LIMIT 6: the sixth row says a next page exists.
    expect(text).toContain("CROSS JOIN LATERAL (SELECT $2::int AS s, $3::int AS e) w");
    expect(text).toContain("ORDER BY t.id DESC OFFSET w.s LIMIT $4::int");
    expect(sql.values).toEqual([[1, 2], 10, 15, 6]);
  });

  it("counted first: the window's end is capped by the count", () => {
    const sql = pageStatement(QUERY, ["1"], pageWindow({ first: 5 }), { withTotal: true });
    const text = flat(sql);
    expect(text).toContain(
      'CROSS JOIN LATERAL (SELECT count(*)::int AS total FROM "Thing" t WHERE t."parentId" = p.parent AND NOT t.deleted) c',
    );
    expect(text).toContain("(SELECT $2::int AS s, least(c.total, $3::int) AS e) w");
    expect(text).toContain("LIMIT greatest(w.e - w.s, 0)");
    expect(sql.values).toEqual([[1], 0, 5]);
  });

  it("last before a cursor: counted back from the cursor", () => {
    const sql = pageStatement(QUERY, [7], pageWindow({ last: 3, before: cursor(8), after: cursor(1) }), { withTotal: false });
    const text = flat(sql);
    expect(text).toContain("count(*)::int AS total");
    expect(text).toContain("(SELECT greatest($2::int, least($3::int, c.total) - $4::int) AS s, least($5::int, c.total) AS e) w");
    expect(sql.values).toEqual([[7], 2, 8, 3, 8]);
  });

  it("casts the parent keys to the query's type, and selects its columns", () => {
    const text = flat(
      pageStatement({ ...QUERY, parentType: "uuid", select: Prisma.sql`t.id` }, ["a"], pageWindow({}), { withTotal: false }),
    );
    expect(text).toContain("FROM unnest($1::uuid[]) WITH ORDINALITY AS p(parent, ord)");
    expect(text).toContain('SELECT t.id FROM "Thing" t WHERE');
    expect(text).toMatch(/ORDER BY p\.ord, page\."__rn"$/);
  });

  it("defaults to every column and no extra condition", () => {
    const text = flat(pageStatement({ ...QUERY, where: undefined }, [1], pageWindow({}), { withTotal: false }));
    expect(text).toContain('SELECT t.* FROM "Thing" t WHERE t."parentId" = p.parent AND TRUE ORDER BY');
  });
});

// ---- rows to pages to connections (a fake driver) ---------------------------------------

type Row = { __parent: number; __total: number | null; __start: number; __end: number; __rn: number | null; id?: string };

/** A database whose one statement answers `rows`, and which records the statements it was sent. */
function fakeDb(rows: Row[]) {
  const sent: Prisma.Sql[] = [];
  return {
    sent,
    db: {
      sql: async <T>(query: Prisma.Sql): Promise<T[]> => {
        sent.push(query);
        return rows as T[];
      },
    },
  };
}

describe("loadPagesByParent (pages from the statement's rows)", () => {
  it("sends nothing for no parents", async () => {
    const { db, sent } = fakeDb([]);
    expect(await loadPagesByParent(db, QUERY, [], pageWindow({}), { withTotal: true })).toEqual([]);
    expect(sent).toHaveLength(0);
  });

  it("groups rows by parent in the parents' order; the extra row of an uncounted page only says a next page exists", async () => {
    const { db, sent } = fakeDb([
      // parent 2: window [3, 5), uncounted, 3 rows back (the third is beyond the page)
      { __parent: 2, __total: null, __start: 3, __end: 5, __rn: 4, id: "a" },
      { __parent: 2, __total: null, __start: 3, __end: 5, __rn: 5, id: "b" },
      { __parent: 2, __total: null, __start: 3, __end: 5, __rn: 6, id: "c" },
      // parent 1: nothing in the window
      { __parent: 1, __total: null, __start: 3, __end: 5, __rn: null },
    ]);
    const pages = await loadPagesByParent<{ id: string }>(db, QUERY, [1, 2, 3], pageWindow({ first: 2, after: cursor(2) }), {
      withTotal: false,
    });
    expect(sent).toHaveLength(1);
    expect(pages.map((p) => ({ ...p, rows: p.rows.map((r) => r.id) }))).toEqual([
      { start: 3, rows: [], total: null, hasPreviousPage: true, hasNextPage: false },
      { start: 3, rows: ["a", "b"], total: null, hasPreviousPage: true, hasNextPage: true },
      // a parent the statement did not answer: an empty list
      { start: 0, rows: [], total: 0, hasPreviousPage: false, hasNextPage: false },
    ]);
  });

  it("a counted page has a next page when its window ends before the total", async () => {
    const { db } = fakeDb([
      { __parent: 1, __total: 7, __start: 0, __end: 2, __rn: 1, id: "a" },
      { __parent: 1, __total: 7, __start: 0, __end: 2, __rn: 2, id: "b" },
      { __parent: 2, __total: 2, __start: 0, __end: 2, __rn: 1, id: "c" },
      { __parent: 2, __total: 2, __start: 0, __end: 2, __rn: 2, id: "d" },
    ]);
    const pages = await loadPagesByParent<{ id: string }>(db, QUERY, [1, 2], pageWindow({ first: 2 }), { withTotal: true });
    expect(pages.map((p) => [p.total, p.hasPreviousPage, p.hasNextPage])).toEqual([
      [7, false, true],
      [2, false, false],
    ]);
  });
});

describe("loadPagesByParent (connections: schema side)", () => {
  /** The resolve info of the document's first field, as a field of type `connection` (the real schema's). */
  const selection = (query: string, connection = "AnnotationConnection"): ConnectionInfo => {
    const doc = parse(query);
    const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === "OperationDefinition")!;
    const fragments = Object.fromEntries(
      doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === "FragmentDefinition").map((f) => [f.name.value, f]),
    );
    const returnType = getSchema().getType(connection) as ConnectionInfo["returnType"];
    return { fieldNodes: [op.selectionSet.selections[0] as FieldNode], fragments, returnType };
  };

  it.each<[string, string, boolean]>([
    ["selected directly", "{ list { totalCount } }", true],
    ["not selected", "{ list { edges { cursor } pageInfo { hasNextPage } } }", false],
    ["in an inline fragment", "{ list { ... on AnnotationConnection { totalCount } } }", true],
    ["in a named fragment", "{ list { ...F } } fragment F on AnnotationConnection { nodes { id } totalCount }", true],
    [
      "in a fragment spread twice, and recursive fragments end",
      "{ list { ...F ...F } } fragment F on AnnotationConnection { ...G } fragment G on AnnotationConnection { ...F }",
      false,
    ],
    ["only a nested list's", "{ list { nodes { environment { annotations { totalCount } } } } }", false],
  ])("connectionNeeds, totalCount: %s → %s", (_name, query, expected) => {
    expect(connectionNeeds(selection(query)).totalCount).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ["selected", "{ list { pageInfo { hasNextPage } } }", true],
    ["other pageInfo fields only", "{ list { pageInfo { endCursor hasPreviousPage } nodes { id } } }", false],
    ["through a fragment on PageInfo", "{ list { pageInfo { ...P } } } fragment P on PageInfo { hasNextPage }", true],
  ])("connectionNeeds, hasNextPage: %s → %s", (_name, query, expected) => {
    expect(connectionNeeds(selection(query)).hasNextPage).toBe(expected);
  });

  it.each<[string, string, string[] | null]>([
    ["exposed fields read their column", "{ list { nodes { content } } }", ["content"]],
    ["a field's `columns` extension", "{ list { nodes { dateMarker scope } } }", ["dateMarker", "scope"]],
    [
      "a joined field: its key, and its selection's columns under its name",
      "{ list { nodes { dateMarker createdBy { email ...U } } } } fragment U on User { id email }",
      ["dateMarker", "createdBy.email", "createdBy.id", "createdById"],
    ],
    [
      "a joined field whose selection does not say: every column of the joined row (`name.*`)",
      "{ list { nodes { createdBy { ... on Node { id } } } } }",
      ["createdBy.*", "createdById"],
    ],
    [
      "through edges, fragments, __typename and the global id",
      "{ list { edges { node { __typename ...A } } } } fragment A on Annotation { id databaseId content }",
      ["id", "content"],
    ],
    ["a field that declares nothing: every column", "{ list { nodes { content insightName } } }", null],
    ["a fragment on another type (an interface): every column", "{ list { nodes { ... on Node { id } } } }", null],
    ["no node selected: only the keys", "{ list { totalCount } }", []],
  ])("connectionNeeds, columns: %s", (_name, query, expected) => {
    expect(connectionNeeds(selection(query)).columns).toEqual(expected);
  });

  it("builds connections: cursors of the items' offsets, totalCount when counted", async () => {
    const { db, sent } = fakeDb([
      { __parent: 1, __total: 9, __start: 4, __end: 6, __rn: 5, id: "a" },
      { __parent: 1, __total: 9, __start: 4, __end: 6, __rn: 6, id: "b" },
    ]);
    const [conn] = await loadConnections<{ id: string }>(
      db,
      QUERY,
      [1],
      { first: 2, after: cursor(3) },
      selection("{ list { totalCount } }"),
    );
    expect(flat(sent[0])).toContain("count(*)");
    expect(conn.edges.map((e) => [e.node.id, offsetOf(e.cursor)])).toEqual([
      ["a", 4],
      ["b", 5],
    ]);
    expect(pageInfoOf(conn)).toEqual({ hasPreviousPage: true, hasNextPage: true, startCursor: cursor(4), endCursor: cursor(5) });
    expect(conn.totalCount).toBe(9);
  });

  it("without totalCount selected, sends an uncounted statement", async () => {
    const { db, sent } = fakeDb([{ __parent: 1, __total: null, __start: 0, __end: 2, __rn: null }]);
    const [conn] = await loadConnections(db, QUERY, [1], {}, selection("{ list { nodes { id } } }"));
    expect(flat(sent[0])).not.toContain("count(*)");
    expect(conn.edges).toEqual([]);
    expect(pageInfoOf(conn)).toEqual({ hasPreviousPage: false, hasNextPage: false, startCursor: null, endCursor: null });
  });

  it("validates the window before anything is sent, as a rejection (never a synchronous throw)", async () => {
    const { db, sent } = fakeDb([]);
    const load = loadConnections(db, QUERY, [1], { first: 500 }, null);
    await expect(load).rejects.toMatchObject({ extensions: { code: "BAD_USER_INPUT", argument: "first" } });
    expect(sent).toHaveLength(0);
  });
});
