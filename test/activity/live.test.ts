// Live activity over server-sent events: Subscription.activityCreated hears the
// entries a project's changes commit, only those of that project, with the
// same access rules as Project.activity, and ends when access is lost. On
// PostgreSQL, an entry written through one API instance reaches a subscriber of
// another instance on the same database (LISTEN/NOTIFY).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeEach, describe, expect, inject, it } from "vitest";
// Registers the subscription before the app builds its schema (also imported by src/schema/index.ts).
import "../../src/domain/activity/schema-subscription.js";
import { activityFeedFor, type ActivityFeed } from "../../src/domain/activity/live.js";
import { logActivity } from "../../src/domain/activity/service.js";
import { openDatabase, type Database } from "../../src/db/client.js";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { fixtures, setupTestApp } from "../helpers/app.js";
import { helpers, MASKED_SECRET, MembershipLevel, projectGid, sleep, USER_ERRORS } from "../projects/support.js";
import { ACTIVITY_CREATED, subscribe, type Subscription } from "./sse.js";

const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { databaseId } ${USER_ERRORS} } }`;
const UPDATE_ENV = `mutation($input: UpdateEnvironmentInput!) { updateEnvironment(input: $input) { environment { databaseId }
  ${USER_ERRORS} } }`;
const ROTATE = `mutation($input: RotateProjectSecretTokenInput!) { rotateProjectSecretToken(input: $input) { project { databaseId }
  ${USER_ERRORS} } }`;
const DELETE = `mutation($input: DeleteProjectInput!) { deleteProject(input: $input) { project { databaseId } ${USER_ERRORS} } }`;

const onPostgres = process.env.TEST_DB === "postgres";

const t = await setupTestApp();
const h = helpers(t);
// The app's wiring, done here as createApp does it: one feed per database, closed before the database.
const feed: ActivityFeed = activityFeedFor(t.db);
afterAll(() => feed.close());

const open: Subscription[] = [];
afterAll(async () => {
  for (const s of open) await s.close();
});

async function subscribeTo(projectId: string | number, key: string | null = t.ownerKey, app: App = t.app) {
  const s = await subscribe(app, ACTIVITY_CREATED, { projectId: String(projectId) }, key);
  open.push(s);
  return s;
}

/** Subscribes and waits for the stream to be live (LISTEN in effect, listener registered). */
async function live(projectId: string | number, key: string | null = t.ownerKey, app: App = t.app, f: ActivityFeed = feed) {
  const before = f.size;
  const s = await subscribeTo(projectId, key, app);
  expect(s.status).toBe(200);
  expect(s.headers.get("content-type")).toMatch(/^text\/event-stream/);
  for (let i = 0; f.size <= before; i += 1) {
    if (i > 200) throw new Error("The subscription did not start.");
    await sleep(10);
  }
  return s;
}

/** Waits until the feed has `n` listeners (closing a stream unregisters asynchronously). */
async function settled(n: number) {
  for (let i = 0; feed.size !== n && i < 200; i += 1) await sleep(10);
  expect(feed.size).toBe(n);
}

async function mutate(query: string, input: Record<string, unknown>, key?: string) {
  const data = await h.ok(query, { input }, key);
  const payload = Object.values(data)[0] as { userErrors: unknown[] };
  expect(payload.userErrors).toEqual([]);
}

/** The one error of a result, which must carry extensions.code. */
function errorOf(result: any) {
  expect(result.errors, JSON.stringify(result)).toHaveLength(1);
  expect(result.errors[0].extensions?.code, JSON.stringify(result)).toBeTruthy();
  return result.errors[0];
}

beforeEach(() => {
  feed.recheckIntervalMs = 60_000;
});

describe.skipIf(onPostgres)("Subscription.activityCreated (one process)", () => {
  it("sends the entry of an update made through the API, as Project.activity shows it", async () => {
    const p = await h.project();
    const s = await live(projectGid(p.project.id));
    await mutate(UPDATE, { id: String(p.project.id), timezone: "Europe/Madrid" });
    const event = await s.next();
    expect(event.event).toBe("next");
    expect(event.data.errors).toBeUndefined();
    const entry = event.data.data.activityCreated;
    expect(entry).toMatchObject({
      activity: "updated",
      scope: "Project",
      itemId: String(p.project.id),
      user: { email: (await h.prisma.user.findUniqueOrThrow({ where: { id: t.owner.id } })).email },
      detail: {
        name: p.project.name,
        context: null,
        changes: [{ type: "Project", action: "changed", field: "timezone", before: "UTC", after: "Europe/Madrid" }],
      },
    });
    // the same entry as the activity list
    const listed = await h.ok(`query($id: ID!) { project(id: $id) { activity(first: 1) { nodes { id createdAt } } } }`, {
      id: String(p.project.id),
    });
    expect(listed.project.activity.nodes[0]).toEqual({ id: entry.id, createdAt: entry.createdAt });
    await s.close();
  });

  it("sends nothing for another project, and the entries of the project's environments", async () => {
    const p = await h.project();
    const other = await h.project();
    const env = await h.environment(p.project);
    const s = await live(p.project.id);
    await mutate(UPDATE, { id: String(other.project.id), timezone: "Asia/Seoul" });
    await mutate(UPDATE_ENV, { id: String(env.id), timezone: "Asia/Tokyo" });
    await mutate(UPDATE, { id: String(p.project.id), timezone: "Europe/Paris" });
    // in commit order, and nothing of the other project in between
    const first = (await s.next()).data.data.activityCreated;
    expect(first).toMatchObject({
      scope: "Team",
      itemId: String(env.id),
      detail: { changes: [{ field: "timezone", after: "Asia/Tokyo" }] },
    });
    const second = (await s.next()).data.data.activityCreated;
    expect(second).toMatchObject({
      scope: "Project",
      itemId: String(p.project.id),
      detail: { changes: [{ field: "timezone", after: "Europe/Paris" }] },
    });
    expect(await s.quiet(300)).toBe(true);
    await s.close();
  });

  it("delivers only committed entries: a rolled-back change sends nothing", async () => {
    const p = await h.project();
    const s = await live(p.project.id);
    await t.db.prisma
      .$transaction(async (tx) => {
        await logActivity(tx, {
          organizationId: t.org.id,
          projectId: p.project.id,
          environmentId: p.project.id,
          userId: t.owner.id,
          activity: "updated",
          scope: "Project",
          itemId: p.project.id,
          detail: { name: "rolled back", changes: [{ type: "Project", action: "changed", field: "name", before: "a", after: "b" }] },
        });
        throw new Error("roll back");
      })
      .catch(() => {});
    await mutate(UPDATE, { id: String(p.project.id), timezone: "Europe/Rome" });
    const entry = (await s.next()).data.data.activityCreated;
    expect(entry.detail.name).toBe(p.project.name);
    expect(entry.detail.changes[0].after).toBe("Europe/Rome");
    await s.close();
  });

  it("shows secret tokens only masked", async () => {
    const p = await h.project();
    const s = await live(p.project.id);
    await mutate(ROTATE, { id: String(p.project.id) });
    const entry = (await s.next()).data.data.activityCreated;
    const secrets = entry.detail.changes.flatMap((c: any) => [c.before, c.after]).filter((v: unknown) => typeof v === "string");
    expect(secrets.length).toBeGreaterThan(0);
    for (const v of secrets) expect(v).toMatch(MASKED_SECRET);
    await s.close();
  });

  it("answers FORBIDDEN without project:read, NOT_FOUND for another organization's project, UNAUTHENTICATED without a key", async () => {
    const p = await h.project();
    const { key: noProjectScope } = await h.userAt(MembershipLevel.ADMIN, ["organization:read", "annotation:read"]);
    const forbidden = await subscribeTo(p.project.id, noProjectScope);
    const refusal = await forbidden.next();
    expect(refusal.event).toBe("next");
    expect(errorOf(refusal.data).extensions.code).toBe("FORBIDDEN");
    expect((await forbidden.next()).event).toBe("complete");

    const theirs = await (await h.seed.ownerWithOrg()).createProject(h.uniqueName());
    for (const id of [theirs.project.id, projectGid(theirs.project.id), 99_999_999, "not-an-id"]) {
      const notFound = await subscribeTo(id);
      expect(errorOf((await notFound.next()).data).extensions.code).toBe("NOT_FOUND");
      expect((await notFound.next()).event).toBe("complete");
    }

    const anonymous = await subscribeTo(p.project.id, null);
    expect(errorOf((await anonymous.next()).data).extensions.code).toBe("UNAUTHENTICATED");
    await settled(0);
  });

  it("disconnects a subscriber whose membership is deleted, at the next entry, without sending it", async () => {
    const p = await h.project();
    const member = await h.userAt(MembershipLevel.MEMBER);
    const s = await live(p.project.id, member.key);
    await mutate(UPDATE, { id: String(p.project.id), timezone: "Europe/Oslo" });
    expect((await s.next()).data.data.activityCreated.detail.changes[0].after).toBe("Europe/Oslo");

    await h.prisma.organizationMembership.deleteMany({ where: { userId: member.user.id } });
    await mutate(UPDATE, { id: String(p.project.id), timezone: "Europe/Lisbon" });
    const last = await s.next();
    expect(last.data.data).toBeNull();
    expect(errorOf(last.data).extensions.code).toBe("NOT_FOUND");
    expect((await s.next()).event).toBe("complete");
    await settled(0);
  });

  it("disconnects a quiet subscriber whose key is revoked, at the periodic re-check", async () => {
    feed.recheckIntervalMs = 200;
    const p = await h.project();
    const member = await h.userAt(MembershipLevel.MEMBER);
    const s = await live(p.project.id, member.key);
    expect(await s.quiet(500)).toBe(true); // re-checks pass silently
    await h.prisma.personalApiKey.updateMany({ where: { userId: member.user.id }, data: { revokedAt: new Date() } });
    const last = await s.next(3_000);
    expect(errorOf(last.data).extensions.code).toBe("UNAUTHENTICATED");
    expect((await s.next()).event).toBe("complete");
  });

  it("disconnects the subscribers of a deleted project", async () => {
    const p = await h.project();
    const s = await live(p.project.id);
    await mutate(DELETE, { id: String(p.project.id) });
    expect(errorOf((await s.next()).data).extensions.code).toBe("NOT_FOUND");
    expect((await s.next()).event).toBe("complete");
  });

  it("stops listening when the client goes away (over HTTP)", async () => {
    const p = await h.project();
    const server = createServer(t.app.yoga);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const before = feed.size;
      const abort = new AbortController();
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${t.ownerKey}` },
        body: JSON.stringify({ query: ACTIVITY_CREATED, variables: { projectId: String(p.project.id) } }),
        signal: abort.signal,
      });
      expect(response.status).toBe(200);
      expect(feed.size).toBe(before + 1);
      await mutate(UPDATE, { id: String(p.project.id), timezone: "Africa/Cairo" });
      const reader = response.body!.getReader();
      let text = "";
      while (!text.includes("Africa/Cairo")) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).toMatch(/^:\n\n(:\n\n)*event: next\ndata: \{"data":\{"activityCreated":\{/);
      abort.abort();
      await settled(before);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  // Last: it closes this file's feed.
  it("completes every stream when the feed closes (server shutdown), and refuses new ones", async () => {
    const p = await h.project();
    const s = await live(p.project.id);
    await feed.close();
    expect((await s.next()).event).toBe("complete");
    expect(feed.size).toBe(0);
    const refused = await subscribeTo(p.project.id);
    expect(errorOf((await refused.next()).data).extensions.code).toBe("INTERNAL_SERVER_ERROR");
  });
});

describe.runIf(onPostgres)("Subscription.activityCreated across API instances (PostgreSQL LISTEN/NOTIFY)", () => {
  it("an update made through one instance reaches a subscriber of another", async () => {
    // A database of its own, opened twice: two instances, two connection pools, as two server processes.
    const serverUrl = inject("postgresUrl");
    const name = `t_${randomBytes(6).toString("hex")}`;
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE app_template`);
    await admin.end();
    const url = serverUrl.replace(/\/[^/]*$/, `/${name}`);
    const config = loadConfig({ ...process.env, NODE_ENV: "test", DATABASE_URL: url });
    const dbs: Database[] = [
      await openDatabase({ kind: "postgres", url, poolSize: 3 }),
      await openDatabase({ kind: "postgres", url, poolSize: 3 }),
    ];
    const [a, b] = dbs.map((db) => createApp(db, config));
    // The app's wiring on PostgreSQL: the feed LISTENs on its own connection to the database's URL.
    const feeds = dbs.map((db) => activityFeedFor(db, { databaseUrl: url }));
    try {
      const fx = fixtures(a.db);
      const owner = await fx.user();
      const org = await fx.organization(undefined, [{ userId: owner.id, level: MembershipLevel.OWNER }]);
      const key = await fx.key(owner.id);
      const { insertProject } = await import("../../src/domain/projects/store.js");
      const p = await insertProject(a.db.prisma, org.id, "Two instances");
      const other = await insertProject(a.db.prisma, org.id, "Elsewhere");

      const s = await live(p.project.id, key, a, feeds[0]);
      const viaB = async (input: Record<string, unknown>) => {
        const res = await b.yoga.fetch("http://localhost/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: UPDATE, variables: { input } }),
        });
        const json = (await res.json()) as any;
        expect(json.errors).toBeUndefined();
        expect(json.data.updateProject.userErrors).toEqual([]);
      };
      await viaB({ id: String(other.project.id), timezone: "Asia/Seoul" });
      await viaB({ id: String(p.project.id), timezone: "America/Chicago" });
      const event = await s.next();
      expect(event.data.data.activityCreated).toMatchObject({
        activity: "updated",
        scope: "Project",
        itemId: String(p.project.id),
        user: { email: owner.email },
        detail: { changes: [{ field: "timezone", before: "UTC", after: "America/Chicago" }] },
      });
      expect(await s.quiet(300)).toBe(true);

      // Instance B has no subscriber, so it holds no LISTEN connection.
      expect(feeds[1].size).toBe(0);
      const [{ count }] = (await a.db.exec.query(
        `SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name = 'activity-listener' AND datname = $1`,
        [name],
      )) as { count: number }[];
      expect(count).toBe(1);

      // Losing the LISTEN connection ends the streams (entries could be missed); the next subscriber reconnects.
      await a.db.exec.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'activity-listener' AND datname = $1`,
        [name],
      );
      expect((await s.next()).event).toBe("complete");
      const again = await live(p.project.id, key, a, feeds[0]);
      await viaB({ id: String(p.project.id), timezone: "America/Denver" });
      expect((await again.next()).data.data.activityCreated.detail.changes[0].after).toBe("America/Denver");
      await again.close();
    } finally {
      for (const f of feeds) await f.close();
      for (const db of dbs) await db.close();
    }
  });
});
