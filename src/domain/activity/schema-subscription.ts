// Subscription.activityCreated: every activity entry committed for a project or
// any of its environments, as it happens, over server-sent events or graphql-ws (or any
// transport yoga serves subscriptions on). See live.ts for how entries are heard.
//
// Access is that of `Project.activity`: the key needs `project:read` and the
// project must be visible (member of its organization, key reaches the
// project, project not deleted). It is checked when subscribing and again,
// against the database, before each batch of entries and every
// `recheckIntervalMs` while none arrives: the key is re-authenticated, and a
// subscriber that lost access (key revoked, membership removed, project deleted
// or moved out of reach) gets one last event with the error
// (UNAUTHENTICATED, FORBIDDEN or NOT_FOUND, as a query would answer) and its
// stream ends.
import type { GraphQLError } from "graphql";
import type { ActivityLog } from "../../generated/prisma/client.js";
import { builder } from "../../schema/builder.js";
import { createContext, viewerOf, type Context } from "../../context.js";
import { authenticateKey, type Principal } from "../../auth/principal.js";
import { ACTIONS, hasScope } from "../../auth/policy.js";
import { forbidden, unauthenticated } from "../../errors.js";
import { getVisibleProject } from "../projects/service.js";
import { ActivityEntryRef } from "./schema.js";
import { activityFeedFor, type ActivityFeed, type ActivityNotice } from "./live.js";
import { activityEntriesOfProject } from "./store.js";

/** An entry to send, or the error that ends the stream. */
type LiveEvent = ActivityLog | Error;

const READ_SCOPE = ACTIONS["activity:read"].scope;
const MISSING_SCOPE = `The API key lacks the scope needed for \`Subscription.activityCreated\`: ${READ_SCOPE}.`;

/**
 * The first check of the policy's order (src/auth/policy.ts): the key's scope,
 * before the project is looked at. Visibility follows (getVisibleProject:
 * NOT_FOUND); any member may read activity, so no level check remains.
 */
function scopeRefusal(principal: Principal): GraphQLError | null {
  return hasScope(principal, READ_SCOPE) ? null : forbidden(MISSING_SCOPE);
}

const isGraphQLError = (e: unknown): e is GraphQLError => e instanceof Error && e.name === "GraphQLError";

/** The raw API key of the request that subscribed (the same header app.ts authenticated). */
function requestKey(ctx: Context): string | null {
  const request = (ctx as Context & { request?: Request }).request;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request?.headers.get("authorization") ?? "");
  return match ? match[1] : null;
}

/**
 * Re-authenticates the key and re-checks the project against the database. On
 * success the subscription's context gets the fresh principal and fresh loaders
 * (so entries resolve as in a new request); otherwise returns the error to end with.
 */
async function recheckAccess(ctx: Context, rawKey: string, projectArg: string): Promise<GraphQLError | null> {
  const auth = await authenticateKey(ctx.db.prisma, rawKey);
  if (!auth.ok) return unauthenticated(auth.reason);
  const missingScope = scopeRefusal(auth.principal);
  if (missingScope) return missingScope;
  const fresh = createContext(ctx.db, ctx.config, auth.principal);
  try {
    await getVisibleProject(fresh, projectArg);
  } catch (error) {
    if (isGraphQLError(error)) return error;
    throw error;
  }
  ctx.principal = fresh.principal;
  ctx.loaders = fresh.loaders;
  return null;
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * The entries of a project as they are committed, each batch after an access
 * re-check; ends after the error when access is lost. It listens from its
 * creation (inside `subscribe`, so nothing committed after the subscription is
 * answered is missed) and does its work when the transport pulls (`next`), so a
 * slow client slows only itself; `return` (the client went away) stops it at once.
 */
class LiveActivity implements AsyncIterableIterator<LiveEvent> {
  private notices: ActivityNotice[] = [];
  private ready: LiveEvent[] = [];
  /** No notice will be added: deliver what is queued, then end. */
  private ended = false;
  /** The consumer returned: end now. */
  private stopped = false;
  private recheckDue = false;
  private wake: (() => void) | null = null;
  private readonly off: () => void;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly ctx: Context,
    feed: ActivityFeed,
    private readonly projectId: number,
    private readonly projectArg: string,
    private readonly rawKey: string,
  ) {
    this.off = feed.listen(projectId, {
      notice: (notice) => {
        // A client that stopped reading: end its stream rather than queue without bound.
        if (this.notices.length >= feed.maxQueued) this.end();
        else this.notices.push(notice);
        this.poke();
      },
      end: () => this.end(),
    });
    this.timer = setInterval(() => {
      this.recheckDue = true;
      this.poke();
    }, feed.recheckIntervalMs);
    this.timer.unref?.();
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  async next(): Promise<IteratorResult<LiveEvent, undefined>> {
    for (;;) {
      if (this.stopped) return DONE;
      if (this.ready.length) return { value: this.ready.shift()!, done: false };
      if (this.notices.length || (this.recheckDue && !this.ended)) {
        await this.process();
        continue;
      }
      if (this.ended) {
        this.stopped = true;
        return DONE;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async return(): Promise<IteratorResult<LiveEvent, undefined>> {
    this.stopped = true;
    this.end();
    return DONE;
  }

  async throw(): Promise<IteratorResult<LiveEvent, undefined>> {
    return this.return();
  }

  private poke() {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private end() {
    if (!this.ended) {
      this.ended = true;
      this.off();
      clearInterval(this.timer);
    }
    this.poke();
  }

  /** Re-checks access, then turns the queued notices into entries (or the error that ends the stream). */
  private async process(): Promise<void> {
    this.recheckDue = false;
    const batch = this.notices.splice(0);
    try {
      const denied = await recheckAccess(this.ctx, this.rawKey, this.projectArg);
      if (denied) {
        this.ready.push(denied);
        this.notices = [];
        this.end();
        return;
      }
      if (!batch.length) return;
      // Entries are sent as stored (secrets were masked when written), in commit order.
      const rows = await activityEntriesOfProject(
        this.ctx.db.prisma,
        this.projectId,
        batch.map((n) => n.id),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const notice of batch) {
        const entry = byId.get(notice.id);
        if (entry) this.ready.push(entry);
      }
    } catch (error) {
      // A fault (e.g. of the database): one last result with it (masked as
      // INTERNAL_SERVER_ERROR and logged by the app), then the stream ends.
      this.ready.push(error instanceof Error ? error : new Error(String(error)));
      this.notices = [];
      this.end();
    }
  }
}

builder.subscriptionType({
  description:
    "The root of live updates. Served over server-sent events: POST or GET /graphql with `Accept: text/event-stream`; each result " +
    "is an `event: next`, and `event: complete` ends the stream. Also over WebSocket at /graphql with the graphql-ws protocol " +
    "(the API key in `connectionParams.Authorization`).",
});

builder.subscriptionField("activityCreated", (t) =>
  t.field({
    type: ActivityEntryRef,
    description:
      "Each activity entry of the project or of any of its environments, as it is committed (entries of rolled-back changes never " +
      "come). Needs `project:read` and a visible project (NOT_FOUND otherwise), as `Project.activity`. Access is checked again " +
      "before each entry and every minute: when it is lost (key revoked, membership removed, project deleted) one last result " +
      "carries the error (UNAUTHENTICATED, FORBIDDEN or NOT_FOUND) and the stream completes. The stream also completes when the " +
      "server shuts down or the client falls over 1000 entries behind; nothing is replayed, so after reconnecting read " +
      "`Project.activity` to catch up.",
    authScopes: { scope: READ_SCOPE },
    args: {
      projectId: t.arg.id({ required: true, description: "The project's global id, or PostHog's integer id of it." }),
    },
    subscribe: async (_root, args, ctx) => {
      // authScopes guard `resolve` (each event); the builder does not run them on `subscribe`
      // (scopeAuth.authorizeOnSubscribe is off), so the scope is checked here too.
      const missingScope = scopeRefusal(viewerOf(ctx));
      if (missingScope) throw missingScope;
      const projectArg = String(args.projectId);
      const project = await getVisibleProject(ctx, projectArg);
      const rawKey = requestKey(ctx);
      if (!rawKey) throw unauthenticated();
      const feed = activityFeedFor(ctx.db);
      // LISTEN is in effect before the subscription is answered: nothing committed afterwards is missed.
      await feed.start();
      return new LiveActivity(ctx, feed, project.id, projectArg, rawKey);
    },
    resolve: (event) => {
      if (event instanceof Error) throw event;
      return event;
    },
  }),
);
