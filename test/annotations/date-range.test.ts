// The date range of the annotation lists, restating PostHog's tests
// (products/annotations/backend/api/test/test_annotation.py:
// test_filter_annotations_400_for_invalid_date_range and
// test_filter_annotations_by_date_range_and_scope): `dateFrom` after `dateTo`
// is refused ("Invalid date range: date_from must be before date_to", a 400
// in PostHog; BAD_USER_INPUT here), an unparsable bound too, and a range
// with both bounds equal, or inside-out only by the bounds, is fine.
import { describe, expect, it } from "vitest";
import { setupTestApp } from "../helpers/app.js";
import { MembershipLevel } from "../../src/auth/levels.js";
import { encodeId } from "../../src/domain/ids.js";
import { insertProject } from "../../src/domain/projects/store.js";
import { insertEnvironment } from "../../src/domain/environments/store.js";

const t = await setupTestApp();
const prisma = t.db.prisma;

const { project } = await insertProject(prisma, t.org.id, "Date ranges");
const staging = await insertEnvironment(prisma, project, "Date ranges staging");

const member = await t.fixtures.user();
await prisma.organizationMembership.create({ data: { organizationId: t.org.id, userId: member.id, level: MembershipLevel.MEMBER } });
const memberKey = await t.fixtures.key(member.id);

const LIST = `query($id: ID!, $scope: AnnotationScope, $dateFrom: DateTime, $dateTo: DateTime) {
  project(id: $id) { annotations(first: 50, scope: $scope, dateFrom: $dateFrom, dateTo: $dateTo) { totalCount nodes { content scope } } } }`;
const ENV_LIST = `query($id: ID!, $dateFrom: DateTime, $dateTo: DateTime) {
  environment(id: $id) { annotations(first: 50, dateFrom: $dateFrom, dateTo: $dateTo) { totalCount nodes { content } } } }`;

const SESSION_START = "2023-01-01T10:00:00Z";
const SESSION_END = "2023-01-01T11:00:00Z";

async function make(data: { content: string; scope: string; dateMarker: Date; environmentId?: number }) {
  return prisma.annotation.create({
    data: { organizationId: t.org.id, environmentId: data.environmentId ?? project.id, createdById: t.owner.id, ...data },
  });
}

describe("a reversed date range", () => {
  it.each([
    ["project", LIST, String(project.id)],
    ["project by global id", LIST, encodeId("Project", project.id)],
    ["environment", ENV_LIST, encodeId("Environment", staging.id)],
  ])("on the %s list answers BAD_USER_INPUT: Invalid date range", async (_what, query, id) => {
    for (const key of [t.ownerKey, memberKey]) {
      const res = await t.gql(query, { id, dateFrom: "2024-01-01T11:00:00Z", dateTo: "2024-01-01T10:00:00Z" }, { key });
      expect(res.errors, JSON.stringify(res)).toHaveLength(1);
      expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      expect(res.errors?.[0].message).toBe("Invalid date range: dateFrom must be before dateTo.");
      expect(res.errors?.[0].path?.at(-1)).toBe("annotations");
    }
  });

  it("is refused by a millisecond, and not when both bounds are the same instant (inclusive)", async () => {
    const at = "2024-02-02T12:00:00.000Z";
    await make({ content: "exactly", scope: "project", dateMarker: new Date(at) });
    const reversed = await t.gql(LIST, { id: String(project.id), dateFrom: "2024-02-02T12:00:00.001Z", dateTo: at });
    expect(reversed.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const same = await t.gql(LIST, { id: String(project.id), dateFrom: at, dateTo: at });
    expect(same.errors).toBeUndefined();
    expect(same.data.project.annotations.nodes.map((a: { content: string }) => a.content)).toEqual(["exactly"]);
  });

  it("compares instants, not strings: offsets count", async () => {
    // 12:00+02:00 is 10:00Z, before 11:00Z: a valid range.
    const res = await t.gql(LIST, { id: String(project.id), dateFrom: "2024-03-03T12:00:00+02:00", dateTo: "2024-03-03T11:00:00Z" });
    expect(res.errors).toBeUndefined();
  });

  it("refuses unparsable bounds (PostHog: must be a valid ISO 8601 date)", async () => {
    for (const [dateFrom, dateTo] of [
      ["invalid_date", "2024-01-01T11:00:00Z"],
      ["2024-01-01T11:00:00Z", "invalid_date"],
    ]) {
      const res = await t.gql(LIST, { id: String(project.id), dateFrom, dateTo });
      expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    }
  });
});

describe("filtering by date range and scope (PostHog's session replay case)", () => {
  it.each([
    ["project", true],
    ["organization", true],
    ["project", false],
    ["organization", false],
  ])("a %s-scoped annotation inside the range (%s) is listed with its scope filter", async (scope, inRange) => {
    const { project: p } = await insertProject(
      prisma,
      (await t.fixtures.organization(undefined, [{ userId: t.owner.id, level: 15 }])).id,
      `Replay ${scope} ${inRange}`,
    );
    const start = new Date(SESSION_START);
    const dateMarker = inRange ? new Date(start.getTime() + 30 * 60_000) : new Date(start.getTime() - 60 * 60_000);
    await prisma.annotation.create({
      data: {
        organizationId: p.organizationId,
        environmentId: p.id,
        createdById: t.owner.id,
        content: `Test annotation - ${scope} scope`,
        scope,
        dateMarker,
      },
    });
    const res = await t.gql(LIST, { id: String(p.id), dateFrom: SESSION_START, dateTo: SESSION_END, scope: scope.toUpperCase() });
    expect(res.errors).toBeUndefined();
    const nodes = res.data.project.annotations.nodes;
    if (inRange) expect(nodes).toEqual([{ content: `Test annotation - ${scope} scope`, scope: scope.toUpperCase() }]);
    else expect(nodes).toEqual([]);
  });
});
