// Live activity's fan-out costs the same SQL whatever the number of
// subscribers: the subscribers one event reaches share their access re-check
// (every key in one statement, the project once), the entry and the rows its
// fields resolve. Sharing changes no decision: in the same event, a revoked
// key and a removed member are cut off while the others receive the entry.
import { afterAll, describe, expect, it } from "vitest";
// Registers the subscription before the app builds its schema (also imported by src/schema/index.ts).
import "../../src/domain/activity/schema-subscription.js";
import { activityFeedFor } from "../../src/domain/activity/live.js";
import { setupTestApp } from "../helpers/app.js";
import { helpers, MembershipLevel, sleep, USER_ERRORS } from "../projects/support.js";
import { ACTIVITY_CREATED, subscribe, type Subscription } from "./sse.js";

const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { databaseId } ${USER_ERRORS} } }`;

const t = await setupTestApp();
const h = helpers(t);
const feed = activityFeedFor(t.db);
afterAll(() => feed.close());

const open: Subscription[] = [];
afterAll(async () => {
  for (const s of open) await s.close();
});

/** `keys.length` subscribers of the project (one per key; a key may repeat), each live (LISTEN in effect, listener registered). */
async function subscribers(projectId: number, keys: string[]): Promise<Subscription[]> {
  const before = feed.size;
  const list: Subscription[] = [];
  for (const key of keys) {
    const s = await subscribe(t.app, ACTIVITY_CREATED, { projectId: String(projectId) }, key);
    expect(s.status).toBe(200);
    open.push(s);
    list.push(s);
  }
  for (let i = 0; feed.size < before + keys.length; i += 1) {
    if (i > 500) throw new Error("The subscriptions did not start.");
    await sleep(10);
  }
  return list;
}

async function closeAll(list: Subscription[]) {
  for (const s of list) await s.close();
  for (let i = 0; feed.size !== 0 && i < 300; i += 1) await sleep(10);
  expect(feed.size).toBe(0);
}

/**
 * SQL statements from the start of an update (made by the owner) until every subscriber has its event: the
 * mutation's own statements, then the delivery's. Each subscriber must receive the update's entry.
 */
async function statementsToDeliver(projectId: number, list: Subscription[], timezone: string): Promise<number> {
  const res = await t.gql(UPDATE, { input: { id: String(projectId), timezone } });
  expect(res.data.updateProject.userErrors).toEqual([]);
  for (const s of list) {
    const event = await s.next();
    expect(event.data.errors).toBeUndefined();
    expect(event.data.data.activityCreated.detail.changes[0].after).toBe(timezone);
    expect(event.data.data.activityCreated.user.email).toMatch(/@example\.com$/);
  }
  return t.db.counter.count;
}

describe("fan-out of one event", () => {
  it("costs the same statements for 1 and for 12 subscribers of one key", async () => {
    const p = await h.project();
    const mutationOnly = await statementsToDeliver(p.project.id, [], "Europe/Madrid");

    const one = await subscribers(p.project.id, [t.ownerKey]);
    const forOne = await statementsToDeliver(p.project.id, one, "Europe/Paris");
    await closeAll(one);

    const twelve = await subscribers(p.project.id, Array(12).fill(t.ownerKey));
    const forTwelve = await statementsToDeliver(p.project.id, twelve, "Europe/Rome");
    await closeAll(twelve);

    expect(forTwelve).toBe(forOne);
    // The delivery itself: the keys, the project, the entry, its user.
    expect(forOne - mutationOnly).toBe(4);
  });

  it("costs the same statements for 1 and for 12 members of the organization, each with a key of their own", async () => {
    const p = await h.project();
    const members = await Promise.all(Array.from({ length: 12 }, () => h.userAt(MembershipLevel.MEMBER)));
    const mutationOnly = await statementsToDeliver(p.project.id, [], "Asia/Tokyo");

    const one = await subscribers(p.project.id, [members[0].key]);
    const forOne = await statementsToDeliver(p.project.id, one, "Asia/Seoul");
    await closeAll(one);

    const all = await subscribers(
      p.project.id,
      members.map((m) => m.key),
    );
    const forAll = await statementsToDeliver(p.project.id, all, "Asia/Dubai");
    await closeAll(all);

    expect(forAll).toBe(forOne);
    expect(forOne - mutationOnly).toBe(4);
  });

  it("keeps each subscriber's own decision: a revoked key and a removed member are cut off, the others receive the entry", async () => {
    const p = await h.project();
    const [staying, revoked, removed] = await Promise.all([1, 2, 3].map(() => h.userAt(MembershipLevel.MEMBER)));
    const [a, a2, b, c] = await subscribers(p.project.id, [staying.key, staying.key, revoked.key, removed.key]);

    await h.prisma.personalApiKey.updateMany({ where: { userId: revoked.user.id }, data: { revokedAt: new Date() } });
    await h.prisma.organizationMembership.deleteMany({ where: { userId: removed.user.id } });
    const res = await t.gql(UPDATE, { input: { id: String(p.project.id), timezone: "America/Lima" } });
    expect(res.data.updateProject.userErrors).toEqual([]);

    for (const s of [a, a2]) expect((await s.next()).data.data.activityCreated.detail.changes[0].after).toBe("America/Lima");
    for (const [s, code] of [
      [b, "UNAUTHENTICATED"],
      [c, "NOT_FOUND"],
    ] as const) {
      const last = await s.next();
      expect(last.data.data).toBeNull();
      expect(last.data.errors.map((e: any) => e.extensions.code)).toEqual([code]);
      expect((await s.next()).event).toBe("complete");
    }
    // The others stay subscribed.
    expect(feed.size).toBe(2);
    await closeAll([a, a2]);
  });

  it("re-checks every subscriber in one round: one statement for all their keys, the project once", async () => {
    const p = await h.project();
    const members = await Promise.all(Array.from({ length: 6 }, () => h.userAt(MembershipLevel.MEMBER)));
    const list = await subscribers(
      p.project.id,
      members.map((m) => m.key),
    );
    const [removed, revoked] = [members.slice(0, 3), members.slice(3)];
    await h.prisma.organizationMembership.deleteMany({ where: { userId: { in: removed.map((m) => m.user.id) } } });
    await h.prisma.personalApiKey.updateMany({ where: { userId: { in: revoked.map((m) => m.user.id) } }, data: { revokedAt: new Date() } });
    t.db.counter.reset();
    feed.recheck();
    for (const [i, s] of list.entries()) {
      const last = await s.next();
      expect(last.data.errors.map((e: any) => e.extensions.code)).toEqual([i < 3 ? "NOT_FOUND" : "UNAUTHENTICATED"]);
      expect((await s.next()).event).toBe("complete");
    }
    // Every key in one statement, then the project (for the keys still valid) in one.
    expect(t.db.counter.count).toBe(2);
    expect(feed.size).toBe(0);
  });
});
